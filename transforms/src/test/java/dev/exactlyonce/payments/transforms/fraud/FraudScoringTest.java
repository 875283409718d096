package dev.exactlyonce.payments.transforms.fraud;

import dev.exactlyonce.payments.model.PaymentCoder;
import static dev.exactlyonce.payments.transforms.TestEvents.T0;

import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.RiskLevel;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.transforms.TestEvents;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Fraud scoring. Element timestamps follow PaymentTimestampPolicy: the event time, or the
 * watermark at arrival for a payment older than the watermark.
 */
@RunWith(JUnit4.class)
public class FraudScoringTest {
  private static final Duration VELOCITY_WINDOW = Duration.standardMinutes(10);

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private TestStream.Builder<Payment> stream() {
    return TestStream.create(PaymentCoder.of());
  }

  private PCollection<ScoredPayment> score(TestStream<Payment> events, FraudScoring scoring) {
    return pipeline.apply(events).apply(scoring);
  }

  /** Default amount thresholds; at most two payments per sender in ten minutes. */
  private static FraudScoring twoPerTenMinutes() {
    return FraudScoring.create()
        .withRules(FraudRules.defaults().withVelocity(2, VELOCITY_WINDOW));
  }

  private static Instant at(Duration offset) {
    return T0.plus(offset);
  }

  private static Instant minutes(int minutes) {
    return T0.plus(Duration.standardMinutes(minutes));
  }

  private static Payment payment(
      long offset, String transactionId, String sender, String receiver, String amount, Instant eventTime) {
    return TestEvents.payment(
        offset, TestEvents.json(transactionId, sender, receiver, amount, "USD", eventTime));
  }

  private static TimestampedValue<Payment> onTime(Payment payment) {
    return TimestampedValue.of(payment, payment.getEventTime());
  }

  private static ScoredPayment low(Payment payment) {
    return ScoredPayment.of(payment, 0, RiskLevel.LOW, List.of());
  }

  private static ScoredPayment velocity(Payment payment) {
    return ScoredPayment.of(payment, 30, RiskLevel.LOW, List.of(FraudRules.VELOCITY));
  }

  // ---------------------------------------------------------------- amount bands

  @Test
  public void testHighAmountIsHighRiskOnTime() {
    Payment justOver = payment(1, "tx-1", "ACC-1", "ACC-2", "5000.01", T0);
    Payment far = payment(2, "tx-2", "ACC-3", "ACC-4", "250000.00", T0);
    PCollection<ScoredPayment> scored =
        score(
            stream().addElements(onTime(justOver), onTime(far)).advanceWatermarkToInfinity(),
            FraudScoring.create());

    PAssert.that(scored)
        .containsInAnyOrder(
            ScoredPayment.of(justOver, 70, RiskLevel.HIGH, List.of(FraudRules.AMOUNT_HIGH)),
            ScoredPayment.of(far, 70, RiskLevel.HIGH, List.of(FraudRules.AMOUNT_HIGH)));
    pipeline.run();
  }

  @Test
  public void testMediumAmountIsMediumRiskOnTime() {
    Payment justOver = payment(1, "tx-1", "ACC-1", "ACC-2", "1000.01", T0);
    Payment atHighThreshold = payment(2, "tx-2", "ACC-3", "ACC-4", "5000.00", T0);
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(justOver), onTime(atHighThreshold))
                .advanceWatermarkToInfinity(),
            FraudScoring.create());

    PAssert.that(scored)
        .containsInAnyOrder(
            ScoredPayment.of(justOver, 40, RiskLevel.MEDIUM, List.of(FraudRules.AMOUNT_MEDIUM)),
            // Exactly at the high threshold is not above it.
            ScoredPayment.of(atHighThreshold, 40, RiskLevel.MEDIUM, List.of(FraudRules.AMOUNT_MEDIUM)));
    pipeline.run();
  }

  @Test
  public void testSmallAmountIsLowRiskWithNoReasonsOnTime() {
    Payment atMediumThreshold = payment(1, "tx-1", "ACC-1", "ACC-2", "1000.00", T0);
    Payment small = payment(2, "tx-2", "ACC-3", "ACC-4", "0.01", T0);
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(atMediumThreshold), onTime(small))
                .advanceWatermarkToInfinity(),
            FraudScoring.create());

    PAssert.that(scored).containsInAnyOrder(low(atMediumThreshold), low(small));
    pipeline.run();
  }

  @Test
  public void testCustomAmountThresholdsOnTime() {
    Payment medium = payment(1, "tx-1", "ACC-1", "ACC-2", "100.01", T0);
    Payment high = payment(2, "tx-2", "ACC-3", "ACC-4", "500.01", T0);
    Payment small = payment(3, "tx-3", "ACC-5", "ACC-6", "100.00", T0);
    PCollection<ScoredPayment> scored =
        score(
            stream().addElements(onTime(medium), onTime(high), onTime(small)).advanceWatermarkToInfinity(),
            FraudScoring.create()
                .withRules(
                    FraudRules.defaults()
                        .withAmountThresholds(new BigDecimal("100"), new BigDecimal("500"))));

    PAssert.that(scored)
        .containsInAnyOrder(
            ScoredPayment.of(medium, 40, RiskLevel.MEDIUM, List.of(FraudRules.AMOUNT_MEDIUM)),
            ScoredPayment.of(high, 70, RiskLevel.HIGH, List.of(FraudRules.AMOUNT_HIGH)),
            low(small));
    pipeline.run();
  }

  // ---------------------------------------------------------------- self-transfer

  @Test
  public void testSelfTransferIsMediumRiskOnTime() {
    Payment self = payment(1, "tx-1", "ACC-1", "ACC-1", "10.00", T0);
    Payment other = payment(2, "tx-2", "ACC-2", "ACC-3", "10.00", T0);
    PCollection<ScoredPayment> scored =
        score(
            stream().addElements(onTime(self), onTime(other)).advanceWatermarkToInfinity(),
            FraudScoring.create());

    PAssert.that(scored)
        .containsInAnyOrder(
            ScoredPayment.of(self, 40, RiskLevel.MEDIUM, List.of(FraudRules.SELF_TRANSFER)),
            low(other));
    pipeline.run();
  }

  @Test
  public void testSelfTransferAddsToAmountRulesAndScoreIsCappedOnTime() {
    Payment mediumSelf = payment(1, "tx-1", "ACC-1", "ACC-1", "2000.00", T0);
    Payment highSelf = payment(2, "tx-2", "ACC-2", "ACC-2", "9000.00", T0);
    PCollection<ScoredPayment> scored =
        score(
            stream().addElements(onTime(mediumSelf), onTime(highSelf)).advanceWatermarkToInfinity(),
            FraudScoring.create());

    PAssert.that(scored)
        .containsInAnyOrder(
            ScoredPayment.of(
                mediumSelf,
                80,
                RiskLevel.HIGH,
                List.of(FraudRules.AMOUNT_MEDIUM, FraudRules.SELF_TRANSFER)),
            // 70 + 40 is capped at 100.
            ScoredPayment.of(
                highSelf,
                100,
                RiskLevel.HIGH,
                List.of(FraudRules.AMOUNT_HIGH, FraudRules.SELF_TRANSFER)));
    pipeline.run();
  }

  // ---------------------------------------------------------------- velocity

  @Test
  public void testVelocityFlagsPaymentsBeyondLimitInWindowOnTime() {
    Payment first = payment(1, "tx-1", "ACC-1", "ACC-9", "10.00", minutes(0));
    Payment second = payment(2, "tx-2", "ACC-1", "ACC-9", "10.00", minutes(1));
    Payment third = payment(3, "tx-3", "ACC-1", "ACC-9", "10.00", minutes(2));
    Payment fourth = payment(4, "tx-4", "ACC-1", "ACC-9", "2000.00", minutes(9));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(first), onTime(second))
                .addElements(onTime(third), onTime(fourth))
                .advanceWatermarkToInfinity(),
            twoPerTenMinutes());

    PAssert.that(scored)
        .containsInAnyOrder(
            low(first),
            low(second),
            velocity(third),
            ScoredPayment.of(
                fourth, 70, RiskLevel.HIGH, List.of(FraudRules.AMOUNT_MEDIUM, FraudRules.VELOCITY)));
    pipeline.run();
  }

  @Test
  public void testVelocityIgnoresPaymentsOutsideWindowOnTime() {
    // Five payments in 21 minutes, but never more than two in any ten minutes. The window is
    // (t - 10 min, t]: a payment exactly ten minutes earlier is outside it.
    Payment p0 = payment(1, "tx-0", "ACC-1", "ACC-9", "10.00", minutes(0));
    Payment p5 = payment(2, "tx-5", "ACC-1", "ACC-9", "10.00", minutes(5));
    Payment p10 = payment(3, "tx-10", "ACC-1", "ACC-9", "10.00", minutes(10));
    Payment p20 = payment(4, "tx-20", "ACC-1", "ACC-9", "10.00", minutes(20));
    Payment p21 = payment(5, "tx-21", "ACC-1", "ACC-9", "10.00", minutes(21));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(p0), onTime(p5), onTime(p10))
                .advanceWatermarkTo(minutes(15))
                .addElements(onTime(p20), onTime(p21))
                .advanceWatermarkToInfinity(),
            twoPerTenMinutes());

    PAssert.that(scored).containsInAnyOrder(low(p0), low(p5), low(p10), low(p20), low(p21));
    pipeline.run();
  }

  @Test
  public void testVelocityWindowSlidesWithEventTimeOnTime() {
    // 12:00 sees 5 and 10 (0 is exactly ten minutes back, outside); 9:59 still sees 0.
    Payment p0 = payment(1, "tx-0", "ACC-1", "ACC-9", "10.00", minutes(0));
    Payment p5 = payment(2, "tx-5", "ACC-1", "ACC-9", "10.00", minutes(5));
    Payment p959 =
        payment(3, "tx-959", "ACC-1", "ACC-9", "10.00", at(Duration.standardSeconds(9 * 60 + 59)));
    Payment p12 = payment(4, "tx-12", "ACC-1", "ACC-9", "10.00", minutes(12));
    Payment p20 = payment(5, "tx-20", "ACC-1", "ACC-9", "10.00", minutes(20));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(p0), onTime(p5), onTime(p959), onTime(p12), onTime(p20))
                .advanceWatermarkToInfinity(),
            twoPerTenMinutes());

    PAssert.that(scored)
        .containsInAnyOrder(
            low(p0),
            low(p5),
            velocity(p959), // 0, 5, 9:59
            velocity(p12), // 5, 9:59, 12
            low(p20)); // 9:59 is more than ten minutes back: 12, 20
    pipeline.run();
  }

  @Test
  public void testVelocityCountsEachSenderSeparatelyOnTime() {
    Payment a1 = payment(1, "tx-a1", "ACC-A", "ACC-9", "10.00", minutes(0));
    Payment b1 = payment(2, "tx-b1", "ACC-B", "ACC-9", "10.00", minutes(1));
    Payment a2 = payment(3, "tx-a2", "ACC-A", "ACC-9", "10.00", minutes(2));
    Payment c1 = payment(4, "tx-c1", "ACC-C", "ACC-A", "10.00", minutes(3));
    Payment b2 = payment(5, "tx-b2", "ACC-B", "ACC-9", "10.00", minutes(4));
    Payment a3 = payment(6, "tx-a3", "ACC-A", "ACC-9", "10.00", minutes(5));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(a1), onTime(b1), onTime(a2), onTime(c1), onTime(b2), onTime(a3))
                .advanceWatermarkToInfinity(),
            twoPerTenMinutes());

    // Six payments in five minutes, but only ACC-A made more than two.
    PAssert.that(scored)
        .containsInAnyOrder(low(a1), low(b1), low(a2), low(c1), low(b2), velocity(a3));
    pipeline.run();
  }

  @Test
  public void testVelocitySameWhateverArrivalOrderOutOfOrder() {
    // Two senders make the same five payments, a minute apart. ACC-IN's arrive in event-time
    // order; ACC-OUT's arrive shuffled, each while the watermark is still behind its event time
    // (so stamped with it), and the middle one only after the watermark has released the
    // earliest two.
    Payment[] inOrder = new Payment[5];
    Payment[] shuffled = new Payment[5];
    for (int i = 0; i < 5; i++) {
      inOrder[i] = payment(i, "tx-in-" + (i + 1), "ACC-IN", "ACC-9", "10.00", minutes(i + 1));
      shuffled[i] = payment(10 + i, "tx-out-" + (i + 1), "ACC-OUT", "ACC-9", "10.00", minutes(i + 1));
    }
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(inOrder[0]), onTime(inOrder[1]))
                .addElements(onTime(shuffled[3]), onTime(shuffled[1]))
                .addElements(onTime(inOrder[2]), onTime(shuffled[4]), onTime(shuffled[0]))
                // Releases minutes 1 and 2 of both senders before ACC-OUT's minute 3 arrives.
                .advanceWatermarkTo(minutes(2).plus(Duration.standardSeconds(30)))
                .addElements(onTime(inOrder[3]), onTime(shuffled[2]), onTime(inOrder[4]))
                .advanceWatermarkToInfinity(),
            twoPerTenMinutes());

    List<ScoredPayment> expected = new ArrayList<>();
    for (Payment[] sender : List.of(inOrder, shuffled)) {
      expected.add(low(sender[0]));
      expected.add(low(sender[1]));
      expected.add(velocity(sender[2]));
      expected.add(velocity(sender[3]));
      expected.add(velocity(sender[4]));
    }
    PAssert.that(scored).containsInAnyOrder(expected);
    pipeline.run();
  }

  @Test
  public void testVelocityTieBrokenByTransactionIdWhateverArrivalOrderOnTime() {
    // Same sender, same event time, limit one: the smaller transaction id counts as first.
    FraudScoring onePerTenMinutes =
        FraudScoring.create().withRules(FraudRules.defaults().withVelocity(1, VELOCITY_WINDOW));
    Payment a = payment(1, "tx-a", "ACC-1", "ACC-9", "10.00", minutes(1));
    Payment b = payment(2, "tx-b", "ACC-1", "ACC-9", "10.00", minutes(1));
    PCollection<ScoredPayment> scored =
        score(
            stream().addElements(onTime(b)).addElements(onTime(a)).advanceWatermarkToInfinity(),
            onePerTenMinutes);

    PAssert.that(scored).containsInAnyOrder(low(a), velocity(b));
    pipeline.run();
  }

  @Test
  public void testLatePaymentsArrivingTogetherScoredInEventTimeOrderLate() {
    // Both late payments are stamped with the same watermark and released by one timer; they
    // arrive newest first and must still be counted oldest first.
    Payment first = payment(1, "tx-1", "ACC-1", "ACC-9", "10.00", minutes(1));
    Payment second = payment(2, "tx-2", "ACC-1", "ACC-9", "10.00", minutes(2));
    Payment third = payment(3, "tx-3", "ACC-1", "ACC-9", "10.00", minutes(3));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(first))
                .advanceWatermarkTo(minutes(20))
                .addElements(
                    TimestampedValue.of(third, minutes(20)), TimestampedValue.of(second, minutes(20)))
                .advanceWatermarkToInfinity(),
            twoPerTenMinutes());

    PAssert.that(scored).containsInAnyOrder(low(first), low(second), velocity(third));
    pipeline.run();
  }

  @Test
  public void testLatePaymentWithinLatenessCountedAgainstItsNeighboursLate() {
    Payment first = payment(1, "tx-1", "ACC-1", "ACC-9", "10.00", minutes(1));
    Payment second = payment(2, "tx-2", "ACC-1", "ACC-9", "10.00", minutes(2));
    Payment late = payment(3, "tx-3", "ACC-1", "ACC-9", "10.00", minutes(3));
    Payment afterWindow = payment(4, "tx-4", "ACC-1", "ACC-9", "10.00", minutes(30));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(first), onTime(second))
                .advanceWatermarkTo(minutes(20))
                // Seventeen minutes behind the watermark, inside the default hour of lateness.
                .addElements(TimestampedValue.of(late, minutes(20)), onTime(afterWindow))
                .advanceWatermarkToInfinity(),
            twoPerTenMinutes());

    PAssert.that(scored)
        .containsInAnyOrder(low(first), low(second), velocity(late), low(afterWindow));
    pipeline.run();
  }

  @Test
  public void testPaymentLaterThanLatenessScoredWithoutForgottenNeighboursLate() {
    Payment first = payment(1, "tx-1", "ACC-1", "ACC-9", "10.00", minutes(1));
    Payment second = payment(2, "tx-2", "ACC-1", "ACC-9", "10.00", minutes(2));
    Payment late = payment(3, "tx-3", "ACC-1", "ACC-9", "10.00", minutes(3));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(first), onTime(second))
                .advanceWatermarkTo(minutes(40))
                // History is kept for the ten-minute window plus five minutes of lateness.
                .addElements(TimestampedValue.of(late, minutes(40)))
                .advanceWatermarkToInfinity(),
            twoPerTenMinutes().withLateness(Duration.standardMinutes(5)));

    PAssert.that(scored).containsInAnyOrder(low(first), low(second), low(late));
    pipeline.run();
  }

  // ---------------------------------------------------------------- held until the watermark

  @Test
  public void testPaymentEmittedOnlyAfterWatermarkPassesIt() {
    // All three arrive before the watermark moves. Each must come out in the step where the
    // watermark passes its timestamp, alone: a downstream trigger that fires on every element
    // shows which step released what.
    Payment a = payment(1, "tx-a", "ACC-1", "ACC-9", "10.00", minutes(1));
    Payment b = payment(2, "tx-b", "ACC-1", "ACC-9", "10.00", minutes(3));
    Payment c = payment(3, "tx-c", "ACC-2", "ACC-9", "10.00", minutes(2));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(a), onTime(b), onTime(c))
                .advanceWatermarkTo(minutes(1).plus(Duration.standardSeconds(30)))
                .advanceWatermarkTo(minutes(2).plus(Duration.standardSeconds(30)))
                .advanceWatermarkTo(minutes(3).plus(Duration.standardSeconds(30)))
                .advanceWatermarkToInfinity(),
            FraudScoring.create());

    PAssert.that(releases(scored)).containsInAnyOrder("pane 0: tx-a", "pane 1: tx-c", "pane 2: tx-b");
    pipeline.run();
  }

  @Test
  public void testPaymentsOfOneSecondReleasedTogetherOnceTheWatermarkPassesThatSecond() {
    // Payments wait in one-second buckets: a watermark inside the second releases nothing of it,
    // a watermark just past the second's end releases all of it, and nothing of the next second.
    // Just past, not at: a timer fires once the watermark has passed its time, and were both
    // buckets released by the last step, their two releases could reach the regrouping in either
    // order.
    Instant second = minutes(1);
    Payment a = payment(1, "tx-a", "ACC-1", "ACC-9", "10.00", second.plus(Duration.millis(200)));
    Payment b = payment(2, "tx-b", "ACC-1", "ACC-9", "10.00", second.plus(Duration.millis(700)));
    Payment c = payment(3, "tx-c", "ACC-1", "ACC-9", "10.00", second.plus(Duration.millis(1_200)));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(a), onTime(b), onTime(c))
                .advanceWatermarkTo(second.plus(Duration.millis(800)))
                .advanceWatermarkTo(second.plus(Duration.millis(1_001)))
                .advanceWatermarkToInfinity(),
            FraudScoring.create());

    PAssert.that(releases(scored)).containsInAnyOrder("pane 0: tx-a, tx-b", "pane 1: tx-c");
    pipeline.run();
  }

  @Test
  public void testCopiesOfOneTransactionThatDeduplicationKeptApartAreEachScored() {
    // Copies whose event times fall in different deduplication windows (0:59.7 and 1:00.0,
    // either side of a window boundary) both get through. Both wait in the second ending at 1:00.0, and neither
    // may replace the other there.
    Payment first = payment(1, "tx-a", "ACC-1", "ACC-9", "10.00", minutes(1).minus(Duration.millis(300)));
    Payment copy = payment(2, "tx-a", "ACC-1", "ACC-9", "10.00", minutes(1));
    PCollection<ScoredPayment> scored =
        score(stream().addElements(onTime(first), onTime(copy)).advanceWatermarkToInfinity(), FraudScoring.create());

    PAssert.that(scored).containsInAnyOrder(low(first), low(copy));
    pipeline.run();
  }

  @Test
  public void testNothingEmittedBeforeWatermarkPassesOutOfOrder() {
    // The later payment arrives first and the watermark moves, but not past it: it is held until
    // the earlier one, which arrives next, has been released.
    Payment early = payment(1, "tx-early", "ACC-1", "ACC-9", "10.00", minutes(2));
    Payment later = payment(2, "tx-later", "ACC-1", "ACC-9", "10.00", minutes(4));
    PCollection<ScoredPayment> scored =
        score(
            stream()
                .addElements(onTime(later))
                .advanceWatermarkTo(minutes(1))
                .addElements(onTime(early))
                .advanceWatermarkTo(minutes(3))
                .advanceWatermarkToInfinity(),
            FraudScoring.create());

    PAssert.that(releases(scored)).containsInAnyOrder("pane 0: tx-early", "pane 1: tx-later");
    pipeline.run();
  }

  /**
   * Regroups scored payments into the global window with a trigger that fires on every element,
   * so each pane holds what the scorer released in one step of the test stream.
   */
  private static PCollection<String> releases(PCollection<ScoredPayment> scored) {
    return scored
        .apply(
            "KeyAll",
            MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                .via(FraudScoringTest::keyedTransactionId))
        .apply(
            "EveryRelease",
            Window.<KV<String, String>>into(new GlobalWindows())
                .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
                .withAllowedLateness(Duration.ZERO)
                .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY)
                .discardingFiredPanes())
        .apply("GroupRelease", GroupByKey.create())
        .apply("DescribeRelease", ParDo.of(new DescribePaneFn()));
  }

  private static KV<String, String> keyedTransactionId(ScoredPayment scored) {
    return KV.of("all", scored.getPayment().getTransactionId());
  }

  /** "pane N: id, id" for each pane, ids sorted. */
  private static final class DescribePaneFn extends DoFn<KV<String, Iterable<String>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<String>> element, PaneInfo pane, OutputReceiver<String> out) {
      List<String> ids = new ArrayList<>();
      element.getValue().forEach(ids::add);
      Collections.sort(ids);
      out.output("pane " + pane.getIndex() + ": " + String.join(", ", ids));
    }
  }

  @Test
  public void testQuietSenderHistoryIsForgottenOnceWindowPlusLatenessHasPassedAndNotBefore() {
    // History is kept for the ten-minute window plus five minutes of lateness after the sender's
    // latest payment. Forgotten exactly twice: when the watermark passes 29:30 (14:30 + 15), and at
    // the end. Forgetting 15 minutes after the first payment, before the second reset it, would make
    // it three times; never forgetting a quiet sender until the end, once.
    FraudScoring scoring = twoPerTenMinutes().withLateness(Duration.standardMinutes(5));
    score(
        stream()
            .addElements(onTime(payment(1, "tx-1", "ACC-1", "ACC-2", "10.00", minutes(0))))
            .advanceWatermarkTo(minutes(14))
            .addElements(onTime(payment(2, "tx-2", "ACC-1", "ACC-2", "10.00", minutes(14).plus(Duration.standardSeconds(30)))))
            .advanceWatermarkTo(minutes(31))
            .addElements(onTime(payment(3, "tx-3", "ACC-1", "ACC-2", "10.00", minutes(32))))
            .advanceWatermarkToInfinity(),
        scoring);

    org.apache.beam.sdk.PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    long forgotten = 0;
    for (org.apache.beam.sdk.metrics.MetricResult<Long> counter :
        result
            .metrics()
            .queryMetrics(
                org.apache.beam.sdk.metrics.MetricsFilter.builder()
                    .addNameFilter(
                        org.apache.beam.sdk.metrics.MetricNameFilter.named(
                            FraudScoring.class, "sender_histories_forgotten"))
                    .build())
            .getCounters()) {
      forgotten += counter.getAttempted();
    }
    org.junit.Assert.assertEquals(2, forgotten);
  }
}
