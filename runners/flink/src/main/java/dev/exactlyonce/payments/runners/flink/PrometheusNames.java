package dev.exactlyonce.payments.runners.flink;

import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import java.util.List;
import org.apache.beam.sdk.metrics.MetricName;

/**
 * The names under which Flink's Prometheus reporter serves the job's metrics: what the Grafana
 * dashboard and alert rules in {@code runners/flink/monitoring/} query.
 *
 * <p>Beam hands each counter to Flink as {@code <namespace>.<name>} in its operator's metric group;
 * the reporter prefixes the group's scope and turns the dot into an underscore, and labels each
 * series with {@code job_name}, {@code operator_name} (the stage), {@code subtask_index} and {@code
 * tm_id}. The reporter exports counters as gauges: query them with {@code rate()} or {@code
 * increase()} all the same, since a restart starts them again from 0.
 */
public final class PrometheusNames {
  /** The scope of every operator's metrics, the pipeline's counters included. */
  public static final String OPERATOR_SCOPE = "flink_taskmanager_job_task_operator_";
  /** The scope of the JobManager's metrics of a job: checkpoints and restarts. */
  public static final String JOB_SCOPE = "flink_jobmanager_job_";

  /** Flink's own metrics the dashboard and alerts use, each checked present in a live scrape. */
  public static final List<String> FLINK_METRICS =
      List.of(
          // How far behind the wall clock each Kafka reader's watermark is, in milliseconds.
          OPERATOR_SCOPE + "watermarkLag",
          JOB_SCOPE + "numberOfCompletedCheckpoints",
          JOB_SCOPE + "numberOfFailedCheckpoints",
          JOB_SCOPE + "lastCheckpointDuration",
          JOB_SCOPE + "lastCheckpointSize",
          JOB_SCOPE + "numRestarts");

  /**
   * Kafka consumer lag: records between each reader's position and the end of its partitions, one
   * series per reader ({@code <split>} is its index), as Beam's KafkaIO reports it.
   */
  public static final String CONSUMER_LAG_PATTERN = OPERATOR_SCOPE + "source_splits_.+_backlog_elements";

  /** Watermark lag per Kafka partition, in milliseconds: the pipeline's own gauge, one per partition. */
  public static final String PARTITION_WATERMARK_LAG_PATTERN =
      OPERATOR_SCOPE + PipelineCounters.NAMESPACE + "_" + PipelineCounters.WATERMARK_LAG_PREFIX + "[0-9]+";

  private PrometheusNames() {}

  /** The series name of one of the pipeline's counters. */
  public static String of(MetricName counter) {
    return OPERATOR_SCOPE + counter.getNamespace() + "_" + counter.getName();
  }
}
