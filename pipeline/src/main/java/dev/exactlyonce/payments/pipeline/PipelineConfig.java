package dev.exactlyonce.payments.pipeline;

import static dev.exactlyonce.payments.pipeline.OptionChecks.atLeast;
import static dev.exactlyonce.payments.pipeline.OptionChecks.decimal;
import static dev.exactlyonce.payments.pipeline.OptionChecks.minutesAtLeast;
import static dev.exactlyonce.payments.pipeline.OptionChecks.secondsAtLeast;

import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser;
import dev.exactlyonce.payments.transforms.time.TimeBounds;
import java.math.BigDecimal;
import java.util.Locale;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Duration;

/**
 * The payments pipeline's options, checked once at launch: every problem is reported as an {@link
 * InvalidOptionException} naming the option. {@link PaymentsGraph} builds the stages from these
 * values.
 */
public final class PipelineConfig implements Launcher.Job {
  private final PaymentsPipelineOptions options;
  private final ReadFromKafka read;
  private final Duration maxClockSkew;
  private final Duration horizon;
  private final Duration dedupWindow;
  private final BigDecimal fraudMediumAmount;
  private final BigDecimal fraudHighAmount;
  private final int velocityMaxPayments;
  private final Duration velocityWindow;
  private final Duration metricsWindow;
  private final BigQueryTables tables;
  private final WriteModeChoice writeModeChoice;
  private final Duration writeTriggeringFrequency;
  private final int writeStreams;

  /** The write mode and why it was chosen, for the launch log. */
  public record WriteModeChoice(WriteMode mode, String reason) {}

  private PipelineConfig(PaymentsPipelineOptions options) {
    this.options = options;
    maxClockSkew = secondsAtLeast("maxClockSkewSeconds", options.getMaxClockSkewSeconds(), 0);
    read =
        KafkaInput.from(options, PaymentJsonParser::eventTimeOf)
            .withMaxClockSkew(maxClockSkew)
            .withRedistribute(runsOnDataflow(options));
    horizon = minutesAtLeast("dedupHorizonMinutes", options.getDedupHorizonMinutes(), 1);
    dedupWindow = secondsAtLeast("dedupWindowSeconds", options.getDedupWindowSeconds(), 1);
    fraudHighAmount = decimal("fraudHighAmount", options.getFraudHighAmount());
    fraudMediumAmount = decimal("fraudMediumAmount", options.getFraudMediumAmount());
    if (fraudMediumAmount.signum() <= 0 || fraudHighAmount.compareTo(fraudMediumAmount) <= 0) {
      throw new InvalidOptionException(
          "fraudHighAmount", "must be greater than --fraudMediumAmount, and both greater than 0");
    }
    velocityMaxPayments = (int) atLeast("velocityMaxPayments", options.getVelocityMaxPayments(), 1);
    velocityWindow = minutesAtLeast("velocityWindowMinutes", options.getVelocityWindowMinutes(), 1);
    metricsWindow = secondsAtLeast("metricsWindowSeconds", options.getMetricsWindowSeconds(), 1);
    tables = tables(options);
    writeModeChoice = writeMode(options);
    writeTriggeringFrequency =
        secondsAtLeast("writeTriggeringFrequencySeconds", options.getWriteTriggeringFrequencySeconds(), 1);
    writeStreams = (int) atLeast("writeStreams", options.getWriteStreams(), 0);
  }

  public static PipelineConfig from(PaymentsPipelineOptions options) {
    return new PipelineConfig(options);
  }

  @Override
  public PaymentsPipelineOptions options() {
    return options;
  }

  /**
   * The Kafka read: event times from each payment's {@code event_time}; on Dataflow redistributed
   * with offset deduplication, which its exactly-once shuffle uses.
   */
  @Override
  public ReadFromKafka read() {
    return read;
  }

  @Override
  public String decisions() {
    return "write mode " + writeModeChoice.mode() + " (" + writeModeChoice.reason() + ")";
  }

  @Override
  public void buildOn(Pipeline pipeline) {
    PaymentsPipeline.build(pipeline, read, PaymentsGraph.of(this));
  }

  /** Shared by the parser and the Kafka timestamp policy: see {@code ParsePayments#withMaxClockSkew}. */
  public Duration maxClockSkew() {
    return maxClockSkew;
  }

  public Duration horizon() {
    return horizon;
  }

  public Duration dedupWindow() {
    return dedupWindow;
  }

  /**
   * How long after its time a payment may still pass deduplication: as long as fraud scoring and
   * the metrics must keep their state for it.
   */
  public Duration latestPassThrough() {
    return TimeBounds.latestPassThrough(horizon, maxClockSkew);
  }

  public BigDecimal fraudMediumAmount() {
    return fraudMediumAmount;
  }

  public BigDecimal fraudHighAmount() {
    return fraudHighAmount;
  }

  public int velocityMaxPayments() {
    return velocityMaxPayments;
  }

  public Duration velocityWindow() {
    return velocityWindow;
  }

  public Duration metricsWindow() {
    return metricsWindow;
  }

  public BigQueryTables tables() {
    return tables;
  }

  public WriteModeChoice writeModeChoice() {
    return writeModeChoice;
  }

  public WriteMode writeMode() {
    return writeModeChoice.mode();
  }

  public Duration writeTriggeringFrequency() {
    return writeTriggeringFrequency;
  }

  public int writeStreams() {
    return writeStreams;
  }

  /** The test KafkaIO itself uses to tell Dataflow from other runners. */
  private static boolean runsOnDataflow(PipelineOptions options) {
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
}
