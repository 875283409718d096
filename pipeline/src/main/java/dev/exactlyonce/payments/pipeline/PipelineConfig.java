package dev.exactlyonce.payments.pipeline;

import dev.exactlyonce.payments.transforms.time.TimeBounds;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import dev.exactlyonce.payments.transforms.bigquery.WriteToBigQuery;
import dev.exactlyonce.payments.transforms.dedup.DeduplicatePayments;
import dev.exactlyonce.payments.transforms.fraud.FraudRules;
import dev.exactlyonce.payments.transforms.fraud.FraudScoring;
import dev.exactlyonce.payments.transforms.metrics.PaymentMetrics;
import dev.exactlyonce.payments.transforms.kafka.DrainSignal;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Locale;
import org.joda.time.Duration;

/**
 * The pipeline's options, checked once at launch and turned into the transforms' own
 * configuration. Every problem is reported as an {@link InvalidOptionException} naming the option.
 */
public final class PipelineConfig {
  private final PaymentsPipelineOptions options;
  private final Duration maxOutOfOrderness;
  private final Duration maxClockSkew;
  private final DeduplicatePayments deduplicate;
  private final FraudScoring fraudScoring;
  private final PaymentMetrics metrics;
  private final WriteToBigQuery write;
  private final WriteModeChoice writeModeChoice;
  private final boolean redistributeKafkaRead;
  private final KafkaClientSecurity kafkaSecurity;

  /** The write mode and why it was chosen, for the launch log. */
  public record WriteModeChoice(WriteMode mode, String reason) {}

  private PipelineConfig(PaymentsPipelineOptions options) {
    this.options = options;
    required("bootstrapServers", options.getBootstrapServers());
    required("topic", options.getTopic());
    required("consumerGroup", options.getConsumerGroup());
    startingOffsets(options.getStartingOffsets());
    kafkaSecurity = KafkaSecuritySettings.from(options);

    maxOutOfOrderness = Duration.standardSeconds(atLeast("maxOutOfOrdernessSeconds", options.getMaxOutOfOrdernessSeconds(), 0));
    maxClockSkew = Duration.standardSeconds(atLeast("maxClockSkewSeconds", options.getMaxClockSkewSeconds(), 0));
    Duration horizon = Duration.standardMinutes(atLeast("dedupHorizonMinutes", options.getDedupHorizonMinutes(), 1));
    Duration dedupWindow = Duration.standardSeconds(atLeast("dedupWindowSeconds", options.getDedupWindowSeconds(), 1));
    deduplicate =
        DeduplicatePayments.create().withHorizon(horizon).withWindowSize(dedupWindow).withMaxClockSkew(maxClockSkew);

    BigDecimal high = decimal("fraudHighAmount", options.getFraudHighAmount());
    BigDecimal medium = decimal("fraudMediumAmount", options.getFraudMediumAmount());
    if (medium.signum() <= 0 || high.compareTo(medium) <= 0) {
      throw new InvalidOptionException(
          "fraudHighAmount", "must be greater than --fraudMediumAmount, and both greater than 0");
    }
    atLeast("failOnceAfterPayments", options.getFailOnceAfterPayments(), 0);
    int velocityMax = (int) atLeast("velocityMaxPayments", options.getVelocityMaxPayments() == null ? null : options.getVelocityMaxPayments().longValue(), 1);
    Duration velocityWindow = Duration.standardMinutes(atLeast("velocityWindowMinutes", options.getVelocityWindowMinutes(), 1));
    // Fraud scoring and the metrics keep their state as long as deduplication lets a payment through.
    Duration lateness = TimeBounds.latestPassThrough(horizon, maxClockSkew);
    fraudScoring =
        FraudScoring.create()
            .withRules(FraudRules.defaults().withAmountThresholds(medium, high).withVelocity(velocityMax, velocityWindow))
            .withLateness(lateness);
    metrics =
        PaymentMetrics.create()
            .withWindowSize(Duration.standardSeconds(atLeast("metricsWindowSeconds", options.getMetricsWindowSeconds(), 1)))
            .withAllowedLateness(lateness);

    writeModeChoice = writeMode(options);
    redistributeKafkaRead = runsOnDataflow(options);
    write =
        WriteToBigQuery.to(tables(options))
            .withWriteMode(writeModeChoice.mode())
            .withTriggeringFrequency(
                Duration.standardSeconds(atLeast("writeTriggeringFrequencySeconds", options.getWriteTriggeringFrequencySeconds(), 1)))
            .withNumStreams((int) atLeast("writeStreams", options.getWriteStreams() == null ? null : options.getWriteStreams().longValue(), 0));
  }

  public static PipelineConfig from(PaymentsPipelineOptions options) {
    return new PipelineConfig(options);
  }

  public PaymentsPipelineOptions options() {
    return options;
  }

  /** How the Kafka clients authenticate: see {@link KafkaSecuritySettings}. */
  public KafkaClientSecurity kafkaSecurity() {
    return kafkaSecurity;
  }

  public Duration maxOutOfOrderness() {
    return maxOutOfOrderness;
  }

  /** Shared by the parser and the Kafka timestamp policy: see {@code ParsePayments#withMaxClockSkew}. */
  public Duration maxClockSkew() {
    return maxClockSkew;
  }

  public DrainSignal drainSignal() {
    return drainSignal(options);
  }

  /** The drain signal of {@code --drainSignalFile}, or one never raised. */
  public static DrainSignal drainSignal(KafkaReadOptions options) {
    String file = options.getDrainSignalFile();
    return file == null || file.isBlank() ? DrainSignal.never() : DrainSignal.whenFileExists(Path.of(file));
  }

  public String startingOffsets() {
    return options.getStartingOffsets().toLowerCase(Locale.ROOT);
  }

  public DeduplicatePayments deduplicate() {
    return deduplicate;
  }

  public FraudScoring fraudScoring() {
    return fraudScoring;
  }

  public PaymentMetrics metrics() {
    return metrics;
  }

  public WriteToBigQuery write() {
    return write;
  }

  public WriteModeChoice writeModeChoice() {
    return writeModeChoice;
  }

  /**
   * Whether the Kafka read is redistributed with offset deduplication: on Dataflow, whose
   * exactly-once shuffle uses the offsets. Other runners would only pay for an extra shuffle.
   */
  public boolean redistributeKafkaRead() {
    return redistributeKafkaRead;
  }

  /** The test KafkaIO itself uses to tell Dataflow from other runners. */
  private static boolean runsOnDataflow(PaymentsPipelineOptions options) {
    return options.getRunner().getName().startsWith("org.apache.beam.runners.dataflow.");
  }

  /**
   * Flink replays everything after its last completed checkpoint, and the exactly-once Storage
   * Write method appends those rows again there (no stable input on that path): upserts are the
   * only write that keeps one row per key. Dataflow commits state and output together, which is
   * what the exactly-once method needs. The DirectRunner keeps the production (Dataflow) path so
   * local runs exercise it; UPSERT is one option away for restart drills.
   */
  static WriteModeChoice writeMode(PaymentsPipelineOptions options) {
    String runner = options.getRunner().getSimpleName();
    String given = options.getWriteMode();
    if (given != null && !given.isBlank()) {
      try {
        return new WriteModeChoice(
            WriteMode.valueOf(given.strip().toUpperCase(Locale.ROOT)), "--writeMode");
      } catch (IllegalArgumentException e) {
        throw new InvalidOptionException("writeMode", "must be EXACTLY_ONCE or UPSERT, was " + given);
      }
    }
    WriteMode mode = runner.startsWith("Flink") ? WriteMode.UPSERT : WriteMode.EXACTLY_ONCE;
    return new WriteModeChoice(mode, "default for " + runner);
  }

  /** Project, dataset and table names of the output options, checked. */
  public static BigQueryTables tables(BigQueryOutputOptions options) {
    String project = options.getOutputProject() != null ? options.getOutputProject() : options.getProject();
    if (project == null || project.isBlank()) {
      throw new InvalidOptionException("outputProject", "(or --project) is required: the project of the output dataset");
    }
    try {
      return BigQueryTables.in(project, options.getDataset())
          .withTableNames(
              options.getTransactionsTable(),
              options.getFraudTable(),
              options.getMetricsTable(),
              options.getAuditTable(),
              options.getDeadLetterTable());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("outputProject/--dataset/--*Table", "has " + e.getMessage());
    }
  }

  /** Shared with the CDC pipeline's checks. */
  public static void required(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidOptionException(option, "is required");
    }
  }

  /** Shared with the CDC pipeline's checks. */
  public static void startingOffsets(String value) {
    required("startingOffsets", value);
    String lower = value.toLowerCase(Locale.ROOT);
    if (!lower.equals("earliest") && !lower.equals("latest")) {
      throw new InvalidOptionException("startingOffsets", "must be earliest or latest, was " + value);
    }
  }

  /** Shared with the CDC pipeline's checks. */
  public static long atLeast(String option, Long value, long minimum) {
    if (value == null) {
      throw new InvalidOptionException(option, "is required");
    }
    if (value < minimum) {
      throw new InvalidOptionException(option, "must be at least " + minimum + ", was " + value);
    }
    return value;
  }

  private static BigDecimal decimal(String option, String value) {
    required(option, value);
    try {
      return new BigDecimal(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidOptionException(option, "must be a decimal number, was " + value);
    }
  }
}
