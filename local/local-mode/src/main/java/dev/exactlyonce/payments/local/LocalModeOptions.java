package dev.exactlyonce.payments.local;

import dev.exactlyonce.payments.local.drill.DrillOptions;
import dev.exactlyonce.payments.pipeline.PaymentsPipelineOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** A run on this machine: tables kept in files by the BigQuery stand-in, optional stop on idle. */
public interface LocalModeOptions extends PaymentsPipelineOptions, DrillOptions {
  @Description("Directory where the BigQuery stand-in keeps each table as <table>.ndjson.")
  @Default.String("local-run/tables")
  String getTablesDir();

  void setTablesDir(String value);

  @Description(
      "Stop once no new record was read for this many seconds: drain (close every window, flush "
          + "every table) and finish. 0 runs until killed.")
  @Default.Long(0)
  Long getStopWhenIdleSeconds();

  void setStopWhenIdleSeconds(Long value);

  @Description("How long a drain may take before the run is cancelled and reported as failed.")
  @Default.Long(180)
  Long getDrainTimeoutSeconds();

  void setDrainTimeoutSeconds(Long value);
}
