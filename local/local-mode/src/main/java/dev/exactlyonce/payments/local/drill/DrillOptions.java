package dev.exactlyonce.payments.local.drill;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Drills and the drain of a local run: options only local mode's launchers register, so that no
 * production launch accepts them.
 */
public interface DrillOptions extends PipelineOptions {
  @Description(
      "Drain the run once this file exists: the watermark jumps to the end of time, every window "
          + "closes, every table is flushed and the pipeline finishes. By default .drain-signal "
          + "beside the tables; raised by --stopWhenIdleSeconds.")
  String getDrainSignalFile();

  void setDrainSignalFile(String value);

  @Description(
      "Failure drill: the stage after deduplication throws once after this many payments, to "
          + "show a runner restoring from its checkpoint. 0 (the default) never.")
  @Default.Long(0)
  Long getFailOnceAfterPayments();

  void setFailOnceAfterPayments(Long value);

  @Description(
      "Failure drill of the CDC pipeline: the stage after parsing throws once after this many "
          + "changes. 0 (the default) never.")
  @Default.Long(0)
  Long getFailOnceAfterChanges();

  void setFailOnceAfterChanges(Long value);
}
