package dev.exactlyonce.payments.benchmarks;

import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.pipeline.PaymentsGraph;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.transforms.dedup.DeduplicatePayments;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import dev.exactlyonce.payments.transforms.parse.ParsePayments;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * How much of the pipeline a benchmark runs. The shorter graphs end in a step that counts each
 * payment as it would be written, so the same figures and invariants apply; run one after the
 * other, they show what each part of the graph costs per payment on the runner.
 */
enum Stages {
  /** Kafka read and JSON parse: every copy arrives, duplicates included. */
  parse,
  /** Kafka read, parse and deduplication with its audit: the stages the product fixes. */
  deduplicate,
  /** And fraud scoring: everything but the metrics and the writes to BigQuery. */
  score,
  /** The whole production graph, through BigQueryIO's Storage Write API to the counting tables. */
  all,
  /**
   * Not the product: the whole graph with fraud scored by amount alone ({@link AmountOnlyScoring}),
   * without the velocity rule's keyed stage: what that stage costs.
   */
  no_velocity,
  /**
   * Not the product: the peers' work on the parts the product fixes, to show what those parts cost
   * on their own. The Kafka read, the parse, {@code Deduplicate.keyedValues()} keyed by transaction
   * id in the event-time windows of the payment's own event time, fraud scored by amount alone (no
   * velocity, so no state), the metrics, and the five tables through the production write. Without
   * the product's judging of copies, a retry re-stamped with another event time is not caught: the
   * benchmark's load has none.
   */
  floor,
  /**
   * Not the product: {@link #floor} with the two other keyed exchanges of the product's graph, each
   * into a keyed stage that touches no state and passes every payment on: by shard of the
   * transaction id before {@code Deduplicate}, as the product's judging of copies is, and by sender
   * before scoring, as its velocity scoring is. The least the product's shape can cost.
   */
  floor_keyed;

  /** Whether this runs the start of the product's graph, up to a stage of it. */
  boolean prefix() {
    return this == parse || this == deduplicate || this == score;
  }

  /** Whether a payment counted twice breaks the invariants: only where something deduplicates. */
  boolean deduplicates() {
    return this != parse;
  }

  void build(Pipeline pipeline, PipelineConfig config, ReadFromKafka read, BigQueryServices tables) {
    if (this == all || this == no_velocity) {
      PaymentsGraph graph = PaymentsGraph.of(config).withServices(tables);
      PaymentsPipeline.build(pipeline, read, this == all ? graph : graph.withFraudScoring(new AmountOnlyScoring(config)));
      return;
    }
    if (this == floor || this == floor_keyed) {
      FixedPartsOnly.build(pipeline, config, read, tables, this == floor_keyed);
      return;
    }
    PCollection<Payment> payments =
        pipeline
            .apply("ReadFromKafka", read)
            .apply("ParsePayments", PaymentsGraph.parse(config))
            .get(ParsePayments.PAYMENTS);
    if (this != parse) {
      payments =
          payments.apply("DeduplicatePayments", PaymentsGraph.deduplicate(config)).get(DeduplicatePayments.UNIQUE);
    }
    if (this == score) {
      payments =
          payments
              .apply("FraudScoring", PaymentsGraph.scoreFraud(config))
              .apply("ScoredPayments", MapElements.into(TypeDescriptor.of(Payment.class)).via(ScoredPayment::getPayment))
              .setCoder(payments.getCoder());
    }
    payments.apply("CountArrivals", ParDo.of(new CountArrivalsFn()));
  }

  /** Counts payments where the tables would receive their rows; same process, so same tally. */
  private static final class CountArrivalsFn extends DoFn<Payment, Void> {
    @ProcessElement
    public void process(@Element Payment payment) {
      CountingTables.arrived(
          CountingTables.tally(),
          payment.getTransactionId(),
          payment.getAmount(),
          payment.getCurrency(),
          payment.getReceivedAt().getMillis(),
          System.currentTimeMillis());
    }
  }
}
