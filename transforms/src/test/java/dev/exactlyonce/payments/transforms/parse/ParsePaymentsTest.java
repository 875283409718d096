package dev.exactlyonce.payments.transforms.parse;

import static dev.exactlyonce.payments.transforms.TestEvents.T0;
import static dev.exactlyonce.payments.transforms.TestEvents.TOPIC;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.TestEvents;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link ParsePayments} over Kafka records as KafkaIO emits them: every record comes out exactly
 * once, as a payment or as a dead letter that keeps its bytes, key, coordinates and reason.
 */
@RunWith(JUnit4.class)
public class ParsePaymentsTest {
  private static final Coder<KafkaRecord<byte[], byte[]>> RECORD_CODER =
      KafkaRecordCoder.of(NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of()));

  private static final int PARTITION = 3;
  private static final Instant KAFKA_TIME = T0.plus(Duration.standardSeconds(7));

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static TestStream.Builder<KafkaRecord<byte[], byte[]>> stream() {
    return TestStream.create(RECORD_CODER);
  }

  private PCollectionTuple parse(TestStream<KafkaRecord<byte[], byte[]>> records) {
    return pipeline.apply("Records", records).apply("Parse", ParsePayments.create());
  }

  private static KafkaRecord<byte[], byte[]> record(long offset, String json) {
    return TestEvents.record(PARTITION, offset, json, KAFKA_TIME);
  }

  private static String validJson(String transactionId) {
    return TestEvents.json(transactionId, "12.3", "USD", T0);
  }

  private static String unparseableJson() {
    return "{\"transaction_id\":\"tx-u\",\"amount\":";
  }

  private static String missingCurrencyJson() {
    return TestEvents.json("tx-m", "10.00", "USD", T0).replace(",\"currency\":\"USD\"", "");
  }

  private static String negativeAmountJson() {
    return TestEvents.json("tx-a", "-10.00", "USD", T0);
  }

  private static String lowerCaseCurrencyJson() {
    return TestEvents.json("tx-c", "10.00", "usd", T0);
  }

  private static String eventTimeWithoutOffsetJson() {
    return TestEvents.json("tx-t", "10.00", "USD", T0).replace(T0.toString(), "2026-03-01T10:00:00");
  }

  /**
   * Checks that exactly one dead letter came out and that it describes the record at {@code offset}
   * of {@link #PARTITION}, holding {@code rawValue} as it was sent.
   */
  private static SerializableFunction<Iterable<DeadLetter>, Void> oneDeadLetter(
      ErrorKind kind, long offset, String rawValue, String transactionId, Instant eventTime) {
    return deadLetters -> {
      List<DeadLetter> all = new ArrayList<>();
      deadLetters.forEach(all::add);
      assertEquals(1, all.size());
      DeadLetter dead = all.get(0);
      assertEquals(kind, dead.getErrorKind());
      assertEquals(KafkaCoordinates.of(TOPIC, PARTITION, offset), dead.getSource());
      assertEquals(TOPIC, dead.getSource().getTopic());
      assertEquals(PARTITION, dead.getSource().getPartition());
      assertEquals(offset, dead.getSource().getOffset());
      if (rawValue == null) {
        assertNull(dead.getRawValue());
      } else {
        assertArrayEquals(rawValue.getBytes(UTF_8), dead.getRawValue());
      }
      assertArrayEquals(("key-" + offset).getBytes(UTF_8), dead.getRawKey());
      assertEquals(transactionId, dead.getTransactionId());
      assertEquals(eventTime, dead.getEventTime());
      assertEquals(KAFKA_TIME, dead.getReceivedAt());
      assertFalse(dead.getMessage().isBlank());
      return null;
    };
  }

  @Test
  public void testValidRecordsComeOutAsPayments() {
    String first = validJson("tx-1");
    String second = TestEvents.json("tx-2", "ACC-7", "ACC-8", "\"99.5\"", "EUR", T0.plus(60_000));
    PCollectionTuple result =
        parse(stream().addElements(record(1, first), record(2, second)).advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.PAYMENTS))
        .containsInAnyOrder(expectedPayment(1, first), expectedPayment(2, second));
    PAssert.that(result.get(ParsePayments.DEAD_LETTERS)).empty();
    pipeline.run();
  }

  /** What a valid record read from {@link #PARTITION} at {@link #KAFKA_TIME} must parse to. */
  private static Payment expectedPayment(long offset, String json) {
    PaymentJsonParser.Outcome outcome =
        PaymentJsonParser.parse(
            json.getBytes(UTF_8), KafkaCoordinates.of(TOPIC, PARTITION, offset), KAFKA_TIME);
    return ((PaymentJsonParser.Valid) outcome).payment();
  }

  @Test
  public void testPaymentKeepsCoordinatesReceivedAtAndScaledAmount() {
    PCollectionTuple result =
        parse(stream().addElements(record(41, validJson("tx-1"))).advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.PAYMENTS))
        .satisfies(ParsePaymentsTest::assertPaymentFromOffset41);
    pipeline.run();
  }

  private static Void assertPaymentFromOffset41(Iterable<Payment> payments) {
    List<Payment> all = new ArrayList<>();
    payments.forEach(all::add);
    assertEquals(1, all.size());
    Payment payment = all.get(0);
    assertEquals("tx-1", payment.getTransactionId());
    assertEquals(new BigDecimal("12.30"), payment.getAmount());
    assertEquals(T0, payment.getEventTime());
    assertEquals(KafkaCoordinates.of(TOPIC, PARTITION, 41), payment.getSource());
    assertEquals(KAFKA_TIME, payment.getReceivedAt());
    assertArrayEquals(validJson("tx-1").getBytes(UTF_8), payment.getRawValue());
    return null;
  }

  @Test
  public void testUnparseableRecordIsDeadLetteredAsUnparseable() {
    PCollectionTuple result =
        parse(stream().addElements(record(5, unparseableJson())).advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.DEAD_LETTERS))
        .satisfies(oneDeadLetter(ErrorKind.UNPARSEABLE, 5, unparseableJson(), null, null));
    PAssert.that(result.get(ParsePayments.PAYMENTS)).empty();
    pipeline.run();
  }

  @Test
  public void testRecordMissingAFieldIsDeadLetteredAsMissingField() {
    PCollectionTuple result =
        parse(stream().addElements(record(6, missingCurrencyJson())).advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.DEAD_LETTERS))
        .satisfies(oneDeadLetter(ErrorKind.MISSING_FIELD, 6, missingCurrencyJson(), "tx-m", T0));
    PAssert.that(result.get(ParsePayments.PAYMENTS)).empty();
    pipeline.run();
  }

  @Test
  public void testRecordWithInvalidAmountIsDeadLetteredAsInvalidField() {
    PCollectionTuple result =
        parse(stream().addElements(record(7, negativeAmountJson())).advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.DEAD_LETTERS))
        .satisfies(oneDeadLetter(ErrorKind.INVALID_FIELD, 7, negativeAmountJson(), "tx-a", T0));
    PAssert.that(result.get(ParsePayments.PAYMENTS)).empty();
    pipeline.run();
  }

  @Test
  public void testRecordWithInvalidCurrencyIsDeadLetteredAsInvalidField() {
    PCollectionTuple result =
        parse(stream().addElements(record(8, lowerCaseCurrencyJson())).advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.DEAD_LETTERS))
        .satisfies(oneDeadLetter(ErrorKind.INVALID_FIELD, 8, lowerCaseCurrencyJson(), "tx-c", T0));
    PAssert.that(result.get(ParsePayments.PAYMENTS)).empty();
    pipeline.run();
  }

  @Test
  public void testRecordWithBadTimestampIsDeadLetteredAsBadTimestamp() {
    PCollectionTuple result =
        parse(
            stream()
                .addElements(record(9, eventTimeWithoutOffsetJson()))
                .advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.DEAD_LETTERS))
        .satisfies(
            oneDeadLetter(ErrorKind.BAD_TIMESTAMP, 9, eventTimeWithoutOffsetJson(), "tx-t", null));
    PAssert.that(result.get(ParsePayments.PAYMENTS)).empty();
    pipeline.run();
  }

  @Test
  public void testPaymentAnHourAheadOfItsKafkaRecordIsBadTimestampUnlessTheSkewAllowsIt() {
    Instant anHourAhead = KAFKA_TIME.plus(Duration.standardHours(1));
    String json = TestEvents.json("tx-f", "10.00", "USD", anHourAhead);
    TestStream<KafkaRecord<byte[], byte[]>> records =
        stream().addElements(record(10, json)).advanceWatermarkToInfinity();

    PCollectionTuple byDefault = pipeline.apply("Records", records).apply("Parse", ParsePayments.create());
    PCollectionTuple lenient = pipeline.apply("SameRecords", records)
        .apply("ParseAllowingTwoHours", ParsePayments.create().withMaxClockSkew(Duration.standardHours(2)));

    PAssert.that(byDefault.get(ParsePayments.DEAD_LETTERS))
        .satisfies(oneDeadLetter(ErrorKind.BAD_TIMESTAMP, 10, json, "tx-f", anHourAhead));
    PAssert.that(byDefault.get(ParsePayments.PAYMENTS)).empty();
    PAssert.that(lenient.get(ParsePayments.DEAD_LETTERS)).empty();
    PAssert.that(lenient.get(ParsePayments.PAYMENTS)).containsInAnyOrder(expectedPayment(10, json));
    pipeline.run();
  }

  @Test
  public void testTombstoneIsDeadLetteredAsUnparseableWithItsKey() {
    PCollectionTuple result =
        parse(stream().addElements(record(10, null)).advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.DEAD_LETTERS))
        .satisfies(oneDeadLetter(ErrorKind.UNPARSEABLE, 10, null, null, null));
    PAssert.that(result.get(ParsePayments.PAYMENTS)).empty();
    pipeline.run();
  }

  @Test
  public void testElementTimestampsPassThroughUnchanged() {
    Instant validAt = T0.plus(Duration.standardSeconds(30));
    Instant rejectedAt = T0.plus(Duration.standardMinutes(2));
    PCollectionTuple result =
        parse(
            stream()
                .addElements(
                    TimestampedValue.of(record(1, validJson("tx-1")), validAt),
                    TimestampedValue.of(record(2, unparseableJson()), rejectedAt))
                .advanceWatermarkToInfinity());

    PAssert.that(result.get(ParsePayments.PAYMENTS).apply("PaymentTimestamps", ParDo.of(new PaymentTimestamp())))
        .containsInAnyOrder("tx-1@" + validAt);
    PAssert.that(
            result
                .get(ParsePayments.DEAD_LETTERS)
                .apply("DeadLetterTimestamps", ParDo.of(new DeadLetterTimestamp())))
        .containsInAnyOrder("2@" + rejectedAt);
    pipeline.run();
  }

  /** "transactionId@elementTimestamp" of a payment. */
  private static final class PaymentTimestamp extends DoFn<Payment, String> {
    @ProcessElement
    public void process(@Element Payment payment, @Timestamp Instant timestamp, OutputReceiver<String> out) {
      out.output(payment.getTransactionId() + "@" + timestamp);
    }
  }

  /** "offset@elementTimestamp" of a dead letter. */
  private static final class DeadLetterTimestamp extends DoFn<DeadLetter, String> {
    @ProcessElement
    public void process(@Element DeadLetter dead, @Timestamp Instant timestamp, OutputReceiver<String> out) {
      out.output(dead.getSource().getOffset() + "@" + timestamp);
    }
  }

  @Test
  public void testEveryRecordComesOutExactlyOnce() {
    PCollection<KafkaRecord<byte[], byte[]>> records =
        pipeline.apply(
            "Records",
            stream()
                .addElements(
                    record(0, validJson("tx-1")),
                    record(1, unparseableJson()),
                    record(2, missingCurrencyJson()),
                    record(3, negativeAmountJson()))
                .addElements(
                    record(4, lowerCaseCurrencyJson()),
                    record(5, eventTimeWithoutOffsetJson()),
                    record(6, null),
                    record(7, validJson("tx-2")))
                .advanceWatermarkToInfinity());
    PCollectionTuple result = records.apply("Parse", ParsePayments.create());
    PCollection<Payment> payments = result.get(ParsePayments.PAYMENTS);
    PCollection<DeadLetter> deadLetters = result.get(ParsePayments.DEAD_LETTERS);

    PCollection<KV<String, Long>> counts =
        PCollectionList.of(countOf("records", records))
            .and(countOf("payments", payments))
            .and(countOf("deadLetters", deadLetters))
            .apply("AllCounts", Flatten.pCollections());
    PAssert.that(counts).satisfies(ParsePaymentsTest::assertPaymentsPlusDeadLettersEqualRecords);

    PCollection<Long> offsets =
        PCollectionList.of(
                payments.apply(
                    "PaymentOffsets",
                    MapElements.into(TypeDescriptors.longs()).via(ParsePaymentsTest::paymentOffset)))
            .and(
                deadLetters.apply(
                    "DeadLetterOffsets",
                    MapElements.into(TypeDescriptors.longs()).via(ParsePaymentsTest::deadLetterOffset)))
            .apply("AllOffsets", Flatten.pCollections());
    PAssert.that(offsets).containsInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);

    PAssert.that(
            deadLetters.apply(
                "DeadLetterKinds",
                MapElements.into(TypeDescriptors.strings()).via(ParsePaymentsTest::kindName)))
        .containsInAnyOrder(
            "UNPARSEABLE", "MISSING_FIELD", "INVALID_FIELD", "INVALID_FIELD", "BAD_TIMESTAMP", "UNPARSEABLE");

    PipelineResult run = pipeline.run();
    run.waitUntilFinish();
    assertEquals(8, counter(run, "records_read"));
    assertEquals(2, counter(run, "records_parsed"));
    assertEquals(6, counter(run, "records_rejected"));
  }

  /** The number of elements of an unbounded collection once it is complete, keyed by label. */
  private static <T> PCollection<KV<String, Long>> countOf(String label, PCollection<T> elements) {
    return elements
        .apply(
            "Window" + label,
            Window.<T>into(new GlobalWindows())
                .triggering(AfterWatermark.pastEndOfWindow())
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes())
        .apply("Count" + label, Count.globally())
        .apply(
            "Label" + label,
            MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
                .via(n -> KV.of(label, n)));
  }

  private static Void assertPaymentsPlusDeadLettersEqualRecords(Iterable<KV<String, Long>> counts) {
    Map<String, Long> byLabel = new HashMap<>();
    counts.forEach(kv -> byLabel.put(kv.getKey(), kv.getValue()));
    assertEquals(Long.valueOf(8), byLabel.get("records"));
    assertEquals(Long.valueOf(2), byLabel.get("payments"));
    assertEquals(Long.valueOf(6), byLabel.get("deadLetters"));
    assertEquals(byLabel.get("records").longValue(), byLabel.get("payments") + byLabel.get("deadLetters"));
    return null;
  }

  private static Long paymentOffset(Payment payment) {
    return payment.getSource().getOffset();
  }

  private static Long deadLetterOffset(DeadLetter dead) {
    return dead.getSource().getOffset();
  }

  private static String kindName(DeadLetter dead) {
    return dead.getErrorKind().name();
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineCounters.attempted(result, MetricName.named(PipelineCounters.NAMESPACE, name));
  }

}
