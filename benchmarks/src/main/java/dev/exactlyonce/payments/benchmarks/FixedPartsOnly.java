package dev.exactlyonce.payments.benchmarks;

import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ModelCoders;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.PaymentCoder;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.pipeline.PaymentsGraph;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.transforms.bigquery.WriteToBigQuery;
import dev.exactlyonce.payments.transforms.parse.ParsePayments;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import dev.exactlyonce.payments.transforms.dedup.DeduplicatePayments;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * {@link Stages#floor}: the parts of the graph the product and issue 17 fix (KafkaIO, {@code
 * Deduplicate.keyedValues()}, the five tables through BigQueryIO's Storage Write API), with the
 * peers' work between them and none of the product's own stages: no judging of copies, no audit,
 * no velocity. What it costs per payment is a floor under the product's figure on the same runner.
 */
final class FixedPartsOnly {
  private FixedPartsOnly() {}

  /**
   * With {@code productsExchanges}, payments also pass through the product's two other keyed
   * exchanges, into stages that do nothing else ({@link Stages#floor_keyed}).
   */
  static void build(
      Pipeline pipeline, PipelineConfig config, ReadFromKafka read, BigQueryServices tables, boolean productsExchanges) {
    PCollectionTuple parsed =
        pipeline.apply("ReadFromKafka", read).apply("ParsePayments", PaymentsGraph.parse(config));
    // As in the product, where the raw record stops riding along once no dead letter can need it.
    PCollection<Payment> payments =
        parsed
            .get(ParsePayments.PAYMENTS)
            .apply("DropRawValue",
                MapElements.into(TypeDescriptor.of(Payment.class)).via(payment -> payment.toBuilder().setRawValue(null).build()))
            .setCoder(PaymentCoder.of());
    if (productsExchanges) {
      payments = payments.apply("ByShardOfTransactionId", new PassThroughKeyedStage<>(
          payment -> Math.floorMod(payment.getTransactionId().hashCode(), DeduplicatePayments.DEFAULT_SHARDS),
          VarIntCoder.of(), TypeDescriptors.integers()));
    }
    PCollection<KV<String, Payment>> byTransactionId =
        payments
            .apply("KeyByTransactionId",
                WithKeys.of(Payment::getTransactionId).withKeyType(TypeDescriptors.strings()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), PaymentCoder.of()));
    PCollection<Payment> unique =
        PaymentsGraph.deduplicate(config)
            .keepFirstCopies(byTransactionId)
            .apply("DropKeys", Values.create())
            .apply("GlobalWindow", Window.into(new GlobalWindows()));
    if (productsExchanges) {
      unique = unique.apply("BySender", new PassThroughKeyedStage<>(Payment::getSenderAccount, StringUtf8Coder.of(), TypeDescriptors.strings()));
    }
    PCollection<ScoredPayment> scored = unique.apply("FraudScoring", new AmountOnlyScoring(config));
    PCollection<DuplicateAudit> noAudit =
        unique
            .apply("NoAudit", ParDo.of(new NoAuditFn()))
            .setCoder(ModelCoders.of(pipeline, DuplicateAudit.class));
    PCollectionTuple.of(WriteToBigQuery.TRANSACTIONS, unique)
        .and(WriteToBigQuery.FRAUD, scored)
        .and(WriteToBigQuery.METRICS, scored.apply("PaymentMetrics", PaymentsGraph.aggregate(config)))
        .and(WriteToBigQuery.AUDIT, noAudit)
        .and(WriteToBigQuery.DEAD_LETTERS, parsed.get(ParsePayments.DEAD_LETTERS))
        .apply("WriteToBigQuery", PaymentsGraph.write(config, null).withServices(tables));
  }

  /**
   * A keyed exchange into a stage that passes every payment on: a state it never touches makes the
   * runner key it, so what it costs is the exchange and the keyed stage's machinery alone.
   */
  private static final class PassThroughKeyedStage<K> extends PTransform<PCollection<Payment>, PCollection<Payment>> {
    private final SerializableFunction<Payment, K> key;
    private final Coder<K> keyCoder;
    private final TypeDescriptor<K> keyType;

    PassThroughKeyedStage(SerializableFunction<Payment, K> key, Coder<K> keyCoder, TypeDescriptor<K> keyType) {
      this.key = key;
      this.keyCoder = keyCoder;
      this.keyType = keyType;
    }

    @Override
    public PCollection<Payment> expand(PCollection<Payment> payments) {
      return payments
          .apply("Key", WithKeys.of(key).withKeyType(keyType))
          .setCoder(KvCoder.of(keyCoder, PaymentCoder.of()))
          .apply("PassOn", ParDo.of(new PassOnFn<K>()))
          .setCoder(PaymentCoder.of());
    }
  }

  private static final class PassOnFn<K> extends DoFn<KV<K, Payment>, Payment> {
    @StateId("untouched")
    private final StateSpec<ValueState<Integer>> untouched = StateSpecs.value(VarIntCoder.of());

    @ProcessElement
    public void process(@Element KV<K, Payment> keyed, OutputReceiver<Payment> out) {
      out.output(keyed.getValue());
    }
  }

  /** The peers keep no audit: the table is written, empty. */
  private static final class NoAuditFn extends DoFn<Payment, DuplicateAudit> {
    @ProcessElement
    public void process(@Element Payment payment) {}
  }
}
