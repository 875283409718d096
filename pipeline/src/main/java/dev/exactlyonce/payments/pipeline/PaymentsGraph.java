package dev.exactlyonce.payments.pipeline;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.transforms.bigquery.WriteToBigQuery;
import dev.exactlyonce.payments.transforms.dedup.DeduplicatePayments;
import dev.exactlyonce.payments.transforms.fraud.FraudRules;
import dev.exactlyonce.payments.transforms.fraud.FraudScoring;
import dev.exactlyonce.payments.transforms.metrics.PaymentMetrics;
import dev.exactlyonce.payments.transforms.parse.ParsePayments;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything after the Kafka read: parse, deduplicate, score, aggregate, write.
 *
 * <pre>
 *   ParsePayments -> DeduplicatePayments -> FraudScoring -> PaymentMetrics
 *        |                  |  \__ audit ____________________________.
 *        '-- dead letters --'-- LATE ---------------> WriteToBigQuery (5 tables)
 * </pre>
 *
 * <p>Each stage is built below where it is applied, from the checked options of {@link
 * PipelineConfig}. Tests feed it a {@code TestStream} of Kafka records.
 */
public final class PaymentsGraph extends PTransform<PCollection<KafkaRecord<byte[], byte[]>>, PDone> {
  private final PipelineConfig config;
  private final @Nullable BigQueryServices services;
  private final @Nullable PTransform<PCollection<Payment>, PCollection<Payment>> afterDeduplication;
  private final @Nullable PTransform<PCollection<Payment>, PCollection<ScoredPayment>> scoring;

  private PaymentsGraph(
      PipelineConfig config,
      @Nullable BigQueryServices services,
      @Nullable PTransform<PCollection<Payment>, PCollection<Payment>> afterDeduplication,
      @Nullable PTransform<PCollection<Payment>, PCollection<ScoredPayment>> scoring) {
    this.config = config;
    this.services = services;
    this.afterDeduplication = afterDeduplication;
    this.scoring = scoring;
  }

  public static PaymentsGraph of(PipelineConfig config) {
    return new PaymentsGraph(config, null, null, null);
  }

  /** Writes through {@code services} instead of BigQuery: the local stand-in, or a fake. */
  public PaymentsGraph withServices(BigQueryServices services) {
    return new PaymentsGraph(config, services, afterDeduplication, scoring);
  }

  /**
   * Scores payments with {@code scoring} instead of {@link #scoreFraud}: for the benchmark, which
   * measures what the velocity rule's stage costs by running the graph without it.
   */
  public PaymentsGraph withFraudScoring(PTransform<PCollection<Payment>, PCollection<ScoredPayment>> scoring) {
    return new PaymentsGraph(config, services, afterDeduplication, scoring);
  }

  /**
   * Adds a stage between deduplication and fraud scoring that passes every payment on: where a
   * local run's failure drill throws once, to show the runner restoring from its checkpoint.
   */
  public PaymentsGraph withDrillAfterDeduplication(PTransform<PCollection<Payment>, PCollection<Payment>> drill) {
    return new PaymentsGraph(config, services, drill, scoring);
  }

  @Override
  public PDone expand(PCollection<KafkaRecord<byte[], byte[]>> records) {
    PCollectionTuple parsed = records.apply("ParsePayments", parse(config));
    PCollectionTuple deduplicated =
        parsed.get(ParsePayments.PAYMENTS).apply("DeduplicatePayments", deduplicate(config));
    PCollection<Payment> unique = deduplicated.get(DeduplicatePayments.UNIQUE);
    if (afterDeduplication != null) {
      unique = unique.apply("FailureDrill", afterDeduplication);
    }
    PCollection<ScoredPayment> scored =
        unique.apply("FraudScoring", scoring == null ? scoreFraud(config) : scoring);
    PCollection<DeadLetter> deadLetters =
        PCollectionList.of(parsed.get(ParsePayments.DEAD_LETTERS))
            .and(deduplicated.get(DeduplicatePayments.LATE))
            .apply("CollectDeadLetters", Flatten.pCollections());
    return PCollectionTuple.of(WriteToBigQuery.TRANSACTIONS, unique)
        .and(WriteToBigQuery.FRAUD, scored)
        .and(WriteToBigQuery.METRICS, scored.apply("PaymentMetrics", aggregate(config)))
        .and(WriteToBigQuery.AUDIT, deduplicated.get(DeduplicatePayments.AUDIT))
        .and(WriteToBigQuery.DEAD_LETTERS, deadLetters)
        .apply("WriteToBigQuery", write(config, services));
  }

  public static ParsePayments parse(PipelineConfig config) {
    return ParsePayments.create().withMaxClockSkew(config.maxClockSkew());
  }

  public static DeduplicatePayments deduplicate(PipelineConfig config) {
    return DeduplicatePayments.create()
        .withHorizon(config.horizon())
        .withWindowSize(config.dedupWindow())
        .withMaxClockSkew(config.maxClockSkew());
  }

  /** Keeps its state as long as deduplication lets a payment through. */
  public static FraudScoring scoreFraud(PipelineConfig config) {
    return FraudScoring.create()
        .withRules(
            FraudRules.defaults()
                .withAmountThresholds(config.fraudMediumAmount(), config.fraudHighAmount())
                .withVelocity(config.velocityMaxPayments(), config.velocityWindow()))
        .withLateness(config.latestPassThrough());
  }

  /** Keeps its windows open as long as deduplication lets a payment through. */
  public static PaymentMetrics aggregate(PipelineConfig config) {
    return PaymentMetrics.create()
        .withWindowSize(config.metricsWindow())
        .withAllowedLateness(config.latestPassThrough());
  }

  public static WriteToBigQuery write(PipelineConfig config, @Nullable BigQueryServices services) {
    WriteToBigQuery write =
        WriteToBigQuery.to(config.tables())
            .withWriteMode(config.writeModeChoice().mode())
            .withTriggeringFrequency(config.writeTriggeringFrequency())
            .withNumStreams(config.writeStreams());
    return services == null ? write : write.withServices(services);
  }
}
