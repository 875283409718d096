package dev.exactlyonce.payments.transforms.dedup;

import static dev.exactlyonce.payments.transforms.TestEvents.T0;
import static dev.exactlyonce.payments.transforms.TestEvents.payment;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.SchemaCoders;
import dev.exactlyonce.payments.transforms.TestEvents;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
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
 * Deduplication under event-time windows. Element timestamps follow PaymentTimestampPolicy: the
 * event time, or the watermark at arrival for a payment older than the watermark.
 */
@RunWith(JUnit4.class)
public class DeduplicatePaymentsTest {
  private static final Duration HORIZON = Duration.standardHours(1);

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private final Payment first = payment(1, "tx-1", "10.00", "USD", T0);
  private final Payment firstCopy = payment(2, "tx-1", "10.00", "USD", T0);
  private final Payment second = payment(3, "tx-2", "25.50", "EUR", T0.plus(Duration.standardSeconds(20)));

  private TestStream.Builder<Payment> stream() {
    return TestStream.create(SchemaCoders.of(pipeline, Payment.class));
  }

  private PCollectionTuple deduplicate(TestStream<Payment> events) {
    return pipeline.apply(events).apply(DeduplicatePayments.create().withHorizon(HORIZON));
  }

  private static TimestampedValue<Payment> onTime(Payment payment) {
    return TimestampedValue.of(payment, payment.getEventTime());
  }

  private static PCollection<String> ids(PCollection<Payment> payments) {
    return payments.apply(
        "TransactionIds",
        MapElements.into(TypeDescriptors.strings()).via(Payment::getTransactionId));
  }

  /** What comes out on UNIQUE: the payment, its raw record left behind. */
  private static Payment withoutRawRecord(Payment payment) {
    return payment.toBuilder().setRawValue(null).build();
  }

  @Test
  public void testOnTimePaymentsPassThroughOnce() {
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(first), onTime(second))
                .advanceWatermarkToInfinity());

    PAssert.that(result.get(DeduplicatePayments.UNIQUE))
        .containsInAnyOrder(withoutRawRecord(first), withoutRawRecord(second));
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    PAssert.that(result.get(DeduplicatePayments.AUDIT)).empty();
    pipeline.run();
  }

  @Test
  public void testExactDuplicateDropped() {
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(first), onTime(second))
                .addElements(onTime(firstCopy))
                .advanceWatermarkToInfinity());

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE))).containsInAnyOrder("tx-1", "tx-2");
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    PipelineResult run = pipeline.run();
    run.waitUntilFinish();
    assertEquals(1, counter(run, "duplicates_dropped"));
  }

  @Test
  public void testOutOfOrderDuplicateDropped() {
    Instant later = T0.plus(Duration.standardMinutes(40));
    Payment newer = payment(4, "tx-3", "1.00", "USD", later);
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(first))
                .advanceWatermarkTo(T0.plus(Duration.standardMinutes(5)))
                .addElements(onTime(newer))
                .advanceWatermarkTo(later)
                // Forty minutes behind the watermark, inside the one-hour horizon.
                .addElements(TimestampedValue.of(firstCopy, later))
                .advanceWatermarkToInfinity());

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE))).containsInAnyOrder("tx-1", "tx-3");
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    pipeline.run();
  }

  @Test
  public void testBacklogDuplicateDropped() {
    // Replaying a backlog: both copies are read before the watermark first moves, and a third copy
    // arrives after it has moved. Deduplicate's default timer would expire at the first advance.
    Payment thirdCopy = payment(9, "tx-1", "10.00", "USD", T0);
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(first), onTime(firstCopy), onTime(second))
                .advanceWatermarkTo(T0.plus(Duration.standardMinutes(30)))
                .addElements(TimestampedValue.of(thirdCopy, T0.plus(Duration.standardMinutes(30))))
                .advanceWatermarkToInfinity());

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE))).containsInAnyOrder("tx-1", "tx-2");
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    PAssert.that(result.get(DeduplicatePayments.AUDIT))
        .containsInAnyOrder(DuplicateAudit.of("tx-1", T0, T0, T0, 2));
    pipeline.run();
  }

  @Test
  public void testCopyLaterThanHorizonGoesToDeadLetterAsLate() {
    Instant muchLater = T0.plus(HORIZON).plus(Duration.standardMinutes(2));
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(first))
                .advanceWatermarkTo(muchLater)
                .addElements(TimestampedValue.of(firstCopy, muchLater))
                .advanceWatermarkToInfinity());

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE))).containsInAnyOrder("tx-1");
    PAssert.that(result.get(DeduplicatePayments.LATE))
        .satisfies(deadLetters -> assertLateCopyOf(deadLetters, "tx-1", 2));
    pipeline.run();
  }

  private static Void assertLateCopyOf(
      Iterable<DeadLetter> deadLetters, String transactionId, long offset) {
    List<DeadLetter> all = new ArrayList<>();
    deadLetters.forEach(all::add);
    assertEquals(1, all.size());
    DeadLetter late = all.get(0);
    assertEquals(ErrorKind.LATE, late.getErrorKind());
    assertEquals(transactionId, late.getTransactionId());
    assertEquals(offset, late.getSource().getOffset());
    assertEquals(TestEvents.json(transactionId, "10.00", "USD", T0), new String(late.getRawValue(), UTF_8));
    return null;
  }

  @Test
  public void testLatePaymentNeverSeenBeforeGoesToDeadLetter() {
    Instant muchLater = T0.plus(HORIZON).plus(Duration.standardMinutes(2));
    PCollectionTuple result =
        deduplicate(
            stream()
                .advanceWatermarkTo(muchLater)
                .addElements(TimestampedValue.of(first, muchLater), onTime(payment(5, "tx-9", "3.00", "USD", muchLater)))
                .advanceWatermarkToInfinity());

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE))).containsInAnyOrder("tx-9");
    PAssert.that(
            result
                .get(DeduplicatePayments.LATE)
                .apply(
                    "LateTransactionIds",
                    MapElements.into(TypeDescriptors.strings()).via(DeadLetter::getTransactionId)))
        .containsInAnyOrder("tx-1");
    pipeline.run();
  }

  @Test
  public void testAuditReportsFirstSeenAndCopyCount() {
    Instant retryTime = T0.plus(Duration.standardSeconds(3));
    String event = TestEvents.json("tx-1", "10.00", "USD", T0);
    Payment retried = payment(7, event, retryTime);
    Payment original = payment(6, event, T0);
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(retried), onTime(original), onTime(second))
                .advanceWatermarkToInfinity());

    PAssert.that(result.get(DeduplicatePayments.AUDIT))
        .containsInAnyOrder(DuplicateAudit.of("tx-1", T0, T0, retryTime, 1));
    pipeline.run();
  }

  @Test
  public void testAuditKeepsTransactionsThatShareAShardApart() {
    // One shard: every transaction's count lives in one map per window, here three windows (T0,
    // T0 + 20 s, T0 + 30 min). The test payments were all received at T0.
    Instant halfHourLater = T0.plus(Duration.standardMinutes(30));
    Instant secondTime = second.getEventTime();
    PCollectionTuple result =
        pipeline
            .apply(
                stream()
                    .addElements(onTime(first), onTime(second), onTime(payment(10, "tx-3", "7.00", "USD", T0)))
                    .addElements(onTime(firstCopy), onTime(payment(12, "tx-2", "25.50", "EUR", secondTime)))
                    .addElements(onTime(payment(13, "tx-2", "25.50", "EUR", secondTime)))
                    .advanceWatermarkTo(halfHourLater)
                    .addElements(
                        onTime(payment(11, "tx-4", "8.00", "EUR", halfHourLater)),
                        onTime(payment(14, "tx-4", "8.00", "EUR", halfHourLater)))
                    .advanceWatermarkToInfinity())
            .apply(DeduplicatePayments.create().withHorizon(HORIZON).withAuditShards(1));

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE)))
        .containsInAnyOrder("tx-1", "tx-2", "tx-3", "tx-4");
    PAssert.that(result.get(DeduplicatePayments.AUDIT))
        .containsInAnyOrder(
            DuplicateAudit.of("tx-1", T0, T0, T0, 1),
            DuplicateAudit.of("tx-2", secondTime, T0, T0, 2),
            DuplicateAudit.of("tx-4", halfHourLater, T0, T0, 1));
    pipeline.run();
  }

  @Test
  public void testLatestPassThroughIsTheHorizonPlusAWindow() {
    assertEquals(
        Duration.standardMinutes(30).plus(Duration.standardSeconds(20)),
        DeduplicatePayments.create()
            .withHorizon(Duration.standardMinutes(30))
            .withWindowSize(Duration.standardSeconds(20))
            .latestPassThrough());
  }

  @Test
  public void testAuditShardsMustBePositive() {
    assertThrows(
        IllegalArgumentException.class, () -> DeduplicatePayments.create().withAuditShards(0));
  }

  private static long counter(PipelineResult result, String name) {
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(DeduplicatePayments.class, name))
                    .build());
    long total = 0;
    for (MetricResult<Long> counter : metrics.getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }
}
