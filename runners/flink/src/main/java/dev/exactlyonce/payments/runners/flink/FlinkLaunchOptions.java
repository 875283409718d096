package dev.exactlyonce.payments.runners.flink;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** What {@link FlinkLaunch} adds to Beam's Flink options. */
public interface FlinkLaunchOptions extends PipelineOptions {
  @Description(
      "Resume from the newest completed checkpoint retained under --stateBackendStoragePath (Flink state "
          + "and Kafka positions), as after a crash. Ignored when --savepointPath is given; starts "
          + "fresh, saying so, when there is none.")
  @Default.Boolean(false)
  boolean getResumeFromLatestCheckpoint();

  void setResumeFromLatestCheckpoint(boolean resume);

  @Description(
      "Serve the pipeline's counters and Flink's own metrics for Prometheus on this port of the embedded "
          + "cluster ([local]), at http://<host>:<port>/metrics; 0 serves none. A cluster's processes serve "
          + "theirs as its configuration says (metrics.reporter.prom.*).")
  @Default.Integer(0)
  int getMetricsPort();

  void setMetricsPort(int port);
}
