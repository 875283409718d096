package dev.exactlyonce.payments.transforms.dedup;

import dev.exactlyonce.payments.transforms.time.TimeBounds;
import dev.exactlyonce.payments.model.PaymentCoder;
import static dev.exactlyonce.payments.transforms.TestEvents.T0;
import static dev.exactlyonce.payments.transforms.TestEvents.payment;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.TestEvents;
import java.util.ArrayList;
import java.util.List;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricName;
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
 * Deduplication under event-time windows. Element timestamps follow EventTimePolicy: the
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
    return TestStream.create(PaymentCoder.of());
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
  public void testCopyLaterThanHorizonGoesToDeadLetterAsLate() {
    Instant muchLater = T0.plus(HORIZON).plus(Duration.standardMinutes(2));
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(first))
                .advanceWatermarkTo(muchLater)
                // Its Kafka timestamp says it reached Kafka two minutes after the horizon.
                .addElements(TimestampedValue.of(payment(2, TestEvents.json("tx-1", "10.00", "USD", T0), muchLater), muchLater))
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
                .addElements(
                    TimestampedValue.of(payment(1, TestEvents.json("tx-1", "10.00", "USD", T0), muchLater), muchLater),
                    onTime(payment(5, "tx-9", "3.00", "USD", muchLater)))
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
  public void testVerdictFollowsTheKafkaTimestampWhateverTheWatermarkWasWhenRead() {
    // A replay reads the same records under another watermark: the verdicts must not change.
    String event = TestEvents.json("tx-5", "5.00", "USD", T0);
    Payment arrivedInTime = payment(20, event, T0.plus(Duration.standardMinutes(59)));
    Payment arrivedTooLate =
        payment(21, TestEvents.json("tx-6", "6.00", "USD", T0), T0.plus(Duration.standardMinutes(61)));
    PCollectionTuple result =
        deduplicate(
            stream()
                // Read early, in a backlog: the watermark is far behind its arrival.
                .addElements(onTime(arrivedTooLate))
                .advanceWatermarkTo(T0.plus(Duration.standardMinutes(63)))
                // Read after an idle partition's watermark ran four minutes past its arrival.
                .addElements(TimestampedValue.of(arrivedInTime, T0.plus(Duration.standardMinutes(63))))
                .advanceWatermarkToInfinity());

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE))).containsInAnyOrder("tx-5");
    PAssert.that(
            result
                .get(DeduplicatePayments.LATE)
                .apply(
                    "LateTransactionIds",
                    MapElements.into(TypeDescriptors.strings()).via(DeadLetter::getTransactionId)))
        .containsInAnyOrder("tx-6");
    pipeline.run();
  }

  @Test
  public void testCopiesInABacklogReadBeforeTheFirstWatermarkAreDropped() {
    // The whole backlog is read while the watermark is at its minimum: an exact copy and copies in
    // other windows than the original; the last copy comes after the watermark has moved half an
    // hour on. Deduplicate's own timer, relative to that minimum, would expire at the first advance.
    Instant halfHour = T0.plus(Duration.standardMinutes(30));
    Payment original = payment(30, TestEvents.json("tx-7", "7.00", "USD", T0), T0);
    Payment exact = payment(34, TestEvents.json("tx-7", "7.00", "USD", T0), T0);
    Payment later = payment(31, TestEvents.json("tx-7", "7.00", "USD", T0.plus(Duration.standardSeconds(11))), T0);
    Payment earlier = payment(32, TestEvents.json("tx-7", "7.00", "USD", T0.minus(Duration.standardMinutes(20))), T0);
    Payment last = payment(33, TestEvents.json("tx-7", "7.00", "USD", T0.minus(Duration.standardMinutes(59))), halfHour);
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(original), onTime(exact), onTime(later), onTime(earlier), onTime(second))
                .advanceWatermarkTo(halfHour)
                .addElements(TimestampedValue.of(last, halfHour))
                .advanceWatermarkToInfinity());

    PAssert.that(result.get(DeduplicatePayments.UNIQUE))
        .containsInAnyOrder(withoutRawRecord(original), withoutRawRecord(second));
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    PAssert.that(result.get(DeduplicatePayments.AUDIT))
        .containsInAnyOrder(DuplicateAudit.of("tx-7", T0, T0, halfHour, 4));
    pipeline.run();
  }

  @Test
  public void testDriftedCopyAfterTheFirstCopysHorizonGoesLate() {
    // Its own event time is half an hour later, so its own horizon is still open: the first copy's
    // has passed, and that one decides.
    Instant arrival = T0.plus(HORIZON).plus(Duration.standardMinutes(1));
    assertLateAfterTheFirstCopy(
        payment(40, TestEvents.json("tx-1", "10.00", "USD", T0.plus(Duration.standardMinutes(30))), arrival), arrival);
  }

  @Test
  public void testDriftedCopyAfterTheFirstCopyIsForgottenIsLateByItsOwnHorizon() {
    // Drifted the whole horizon later and arriving after the first copy's state is gone: its own
    // horizon has passed too, so it is never taken for a new payment.
    Instant arrival = T0.plus(HORIZON).plus(HORIZON).plus(Duration.standardMinutes(10));
    assertLateAfterTheFirstCopy(payment(41, TestEvents.json("tx-1", "10.00", "USD", T0.plus(HORIZON)), arrival), arrival);
  }

  /** The first copy on time, then {@code copy} read once the watermark reached {@code arrival}. */
  private void assertLateAfterTheFirstCopy(Payment copy, Instant arrival) {
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(first))
                .advanceWatermarkTo(arrival)
                .addElements(TimestampedValue.of(copy, arrival))
                .advanceWatermarkToInfinity());

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE))).containsInAnyOrder("tx-1");
    PAssert.that(
            result
                .get(DeduplicatePayments.LATE)
                .apply(
                    "LateOffsets",
                    MapElements.into(TypeDescriptors.longs()).via(late -> late.getSource().getOffset())))
        .containsInAnyOrder(copy.getSource().getOffset());
    PAssert.that(result.get(DeduplicatePayments.AUDIT)).empty();
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
  public void testAuditCountsCopiesOfEachTransactionApart() {
    Instant halfHourLater = T0.plus(Duration.standardMinutes(30));
    Instant secondTime = second.getEventTime();
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(onTime(first), onTime(second), onTime(payment(10, "tx-3", "7.00", "USD", T0)))
                .addElements(onTime(firstCopy), onTime(payment(12, "tx-2", "25.50", "EUR", secondTime)))
                .addElements(onTime(payment(13, "tx-2", "25.50", "EUR", secondTime)))
                .advanceWatermarkTo(halfHourLater)
                .addElements(
                    onTime(payment(11, "tx-4", "8.00", "EUR", halfHourLater)),
                    onTime(payment(14, "tx-4", "8.00", "EUR", halfHourLater)))
                .advanceWatermarkToInfinity());

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE)))
        .containsInAnyOrder("tx-1", "tx-2", "tx-3", "tx-4");
    PAssert.that(result.get(DeduplicatePayments.AUDIT))
        .containsInAnyOrder(
            DuplicateAudit.of("tx-1", T0, T0, T0, 1),
            DuplicateAudit.of("tx-2", secondTime, T0, T0, 2),
            DuplicateAudit.of("tx-4", halfHourLater, T0, T0, 1));
    pipeline.run();
  }

  /**
   * Every transaction in one shard: its map is swept several times, at different moments for
   * different transactions, and each audit row still comes out once, with every copy counted.
   */
  @Test
  public void testOneShardSweptRepeatedlyAuditsEachTransactionOnce() {
    Instant halfHourLater = T0.plus(Duration.standardMinutes(30));
    Instant pastFirstAudit = T0.plus(HORIZON).plus(TimeBounds.DEFAULT_MAX_CLOCK_SKEW).plus(HORIZON.dividedBy(4));
    String laterEvent = TestEvents.json("tx-4", "8.00", "EUR", halfHourLater);
    PCollectionTuple result =
        pipeline
            .apply(
                stream()
                    .addElements(onTime(first), onTime(firstCopy), onTime(second))
                    .advanceWatermarkTo(halfHourLater)
                    .addElements(onTime(payment(11, laterEvent, halfHourLater)), onTime(payment(14, laterEvent, halfHourLater)))
                    .advanceWatermarkTo(pastFirstAudit)
                    .addElements(TimestampedValue.of(payment(15, laterEvent, pastFirstAudit), halfHourLater))
                    .advanceWatermarkToInfinity())
            .apply(DeduplicatePayments.create().withHorizon(HORIZON).withShards(1));

    PAssert.that(ids(result.get(DeduplicatePayments.UNIQUE))).containsInAnyOrder("tx-1", "tx-2", "tx-4");
    PAssert.that(result.get(DeduplicatePayments.AUDIT))
        .containsInAnyOrder(
            DuplicateAudit.of("tx-1", T0, T0, T0, 1),
            DuplicateAudit.of("tx-4", halfHourLater, halfHourLater, pastFirstAudit, 2));
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    pipeline.run();
  }

  @Test
  public void testNoShardsRefused() {
    assertThrows(IllegalArgumentException.class, () -> DeduplicatePayments.create().withShards(0));
  }

  @Test
  public void testLatestPassThroughIsTheHorizonPlusTheClockSkew() {
    assertEquals(
        Duration.standardMinutes(30).plus(Duration.standardSeconds(20)),
        DeduplicatePayments.create()
            .withHorizon(Duration.standardMinutes(30))
            .withMaxClockSkew(Duration.standardSeconds(20))
            .latestPassThrough());
  }

  @Test
  public void testNegativeClockSkewRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> DeduplicatePayments.create().withMaxClockSkew(Duration.millis(-1)));
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineCounters.attempted(result, MetricName.named(PipelineCounters.NAMESPACE, name));
  }

}
