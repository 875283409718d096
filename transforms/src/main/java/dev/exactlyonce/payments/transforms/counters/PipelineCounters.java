package dev.exactlyonce.payments.transforms.counters;

import dev.exactlyonce.payments.model.ErrorKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * The counters the pipelines' stages publish: one namespace, lower-case names with underscores, so
 * that each runner exports them under names its monitoring takes as they are (the namespace says
 * "payments": {@code late} is exported as {@code ..._payments_late}). Flink's Prometheus
 * reporter serves {@code flink_taskmanager_job_task_operator_payments_<name>}, labelled with the
 * job ({@code job_name}) and the stage ({@code operator_name}, {@code subtask_index}); Dataflow
 * shows {@code <name>} as a custom counter of its step in Cloud Monitoring. Every one counts
 * attempts: a bundle retried, or replayed after a restore, counts again.
 */
public final class PipelineCounters {
  public static final String NAMESPACE = "payments";

  /** Kafka records that reached the parse stage, whatever became of them. */
  public static final MetricName RECORDS_READ = named("records_read");
  /** Records parsed into payments (or into change events, in CDC mode). */
  public static final MetricName RECORDS_PARSED = named("records_parsed");
  /** Records the parse stage turned into dead letters, whatever the reason. */
  public static final MetricName RECORDS_REJECTED = named("records_rejected");
  /** First copies of payments, in time: each is a row of the transactions table. */
  public static final MetricName PAYMENTS_ACCEPTED = named("accepted");
  /** Later copies of an accepted payment within the deduplication horizon. */
  public static final MetricName DUPLICATES_DROPPED = named("duplicates_dropped");
  /** Copies that arrived after their horizon had closed: LATE dead letters. */
  public static final MetricName PAYMENTS_LATE = named("late");
  /** Payments the fraud rules scored. */
  public static final MetricName PAYMENTS_SCORED = named("scored");
  /** Sender histories the fraud stage dropped once no rule could look at them again. */
  public static final MetricName SENDER_HISTORIES_FORGOTTEN = named("sender_histories_forgotten");
  /** Dead-letter rows BigQuery refused: logged, nowhere else to go. */
  public static final MetricName DEAD_LETTER_WRITE_FAILURES = named("dead_letter_write_failures");

  /** The tables' write stages, as {@link #rowsWritten} and {@link #rowsRefused} name them. */
  public static final List<String> TABLE_STAGES = List.of("transactions", "fraud", "metrics", "audit", "dead_letter", "changes");

  private PipelineCounters() {}

  /** Dead letters of one kind, counted as they go to the dead-letter table. */
  public static MetricName deadLetters(ErrorKind kind) {
    return named("dead_letters_" + kind.name().toLowerCase(Locale.ROOT));
  }

  /**
   * Rows handed to BigQuery for a table, by its write stage ({@link #TABLE_STAGES}); those BigQuery
   * refuses are counted again by {@link #rowsRefused} and become dead letters.
   */
  public static MetricName rowsWritten(String tableStage) {
    return named("rows_written_" + checkedStage(tableStage));
  }

  /** Rows BigQuery refused for a table, by its write stage. */
  public static MetricName rowsRefused(String tableStage) {
    return named("rows_refused_" + checkedStage(tableStage));
  }

  /**
   * A gauge, not a counter: how far behind the wall clock one Kafka partition's watermark is, in
   * milliseconds, as of the partition's latest record.
   */
  public static MetricName watermarkLag(int partition) {
    return named(WATERMARK_LAG_PREFIX + partition);
  }

  /** What every partition's {@link #watermarkLag} gauge is named after. */
  public static final String WATERMARK_LAG_PREFIX = "watermark_lag_ms_partition_";

  public static Counter counter(MetricName name) {
    return Metrics.counter(name.getNamespace(), name.getName());
  }

  /**
   * The attempted value of a counter in a run, summed over every step that reports it; 0 if none
   * did yet.
   *
   * @throws UnsupportedOperationException if the runner reports no metrics while running
   */
  public static long attempted(PipelineResult result, MetricName name) {
    MetricsFilter filter =
        MetricsFilter.builder().addNameFilter(MetricNameFilter.named(name.getNamespace(), name.getName())).build();
    long total = 0;
    for (MetricResult<Long> counter : result.metrics().queryMetrics(filter).getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }

  /** Every counter a pipeline may publish: what dashboards and alerts may query. */
  public static List<MetricName> all() {
    List<MetricName> all =
        new ArrayList<>(List.of(RECORDS_READ, RECORDS_PARSED, RECORDS_REJECTED, PAYMENTS_ACCEPTED, DUPLICATES_DROPPED,
            PAYMENTS_LATE, PAYMENTS_SCORED, SENDER_HISTORIES_FORGOTTEN, DEAD_LETTER_WRITE_FAILURES));
    for (ErrorKind kind : ErrorKind.values()) {
      all.add(deadLetters(kind));
    }
    for (String stage : TABLE_STAGES) {
      all.add(rowsWritten(stage));
      all.add(rowsRefused(stage));
    }
    return List.copyOf(all);
  }

  private static String checkedStage(String tableStage) {
    if (!TABLE_STAGES.contains(tableStage)) {
      throw new IllegalArgumentException("no table write stage " + tableStage + "; one of " + TABLE_STAGES);
    }
    return tableStage;
  }

  private static MetricName named(String name) {
    return MetricName.named(NAMESPACE, name);
  }
}
