package dev.exactlyonce.payments.transforms.fraud;

import static dev.exactlyonce.payments.model.RiskLevel.HIGH;
import static dev.exactlyonce.payments.model.RiskLevel.LOW;
import static dev.exactlyonce.payments.model.RiskLevel.MEDIUM;
import static dev.exactlyonce.payments.transforms.TestEvents.T0;
import static dev.exactlyonce.payments.transforms.fraud.FraudRules.AMOUNT_HIGH;
import static dev.exactlyonce.payments.transforms.fraud.FraudRules.AMOUNT_MEDIUM;
import static dev.exactlyonce.payments.transforms.fraud.FraudRules.SELF_TRANSFER;
import static dev.exactlyonce.payments.transforms.fraud.FraudRules.VELOCITY;
import static org.junit.Assert.assertEquals;

import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.PaymentCoder;
import dev.exactlyonce.payments.model.RiskLevel;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.transforms.TestEvents;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import org.apache.beam.sdk.PipelineResult;
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
 * Fraud scoring. Element timestamps follow EventTimePolicy: the event time, or the
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

  /** Runs the pipeline and checks that {@code scoring} turns {@code events} into {@code expected}. */
  private void assertScores(
      TestStream<Payment> events, FraudScoring scoring, ScoredPayment... expected) {
    PAssert.that(score(events, scoring)).containsInAnyOrder(expected);
    pipeline.run();
  }

  /**
   * As {@link #assertScores}, with the expected payments arriving on time, all in one step of the
   * stream, in the order given.
   */
  private void assertScoresArrivingTogether(FraudScoring scoring, ScoredPayment... expected) {
    List<Payment> payments = Arrays.stream(expected).map(ScoredPayment::getPayment).toList();
    assertScores(
        stream()
            .addElements(onTime(payments.get(0)), onTime(payments.subList(1, payments.size())))
            .advanceWatermarkToInfinity(),
        scoring,
        expected);
  }

  /** Runs the pipeline and checks which payments the scorer released in each step, and alone. */
  private void assertReleases(TestStream<Payment> events, String... panes) {
    PAssert.that(releases(score(events, FraudScoring.create()))).containsInAnyOrder(panes);
    pipeline.run();
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

  /** 10.00 from {@code sender} to ACC-9: too small for the amount rules, so only velocity counts. */
  private static Payment small(long offset, String transactionId, String sender, Instant eventTime) {
    return payment(offset, transactionId, sender, "ACC-9", "10.00", eventTime);
  }

  /** A {@link #small} payment from ACC-1, the sender of most velocity tests. */
  private static Payment small(long offset, String transactionId, Instant eventTime) {
    return small(offset, transactionId, "ACC-1", eventTime);
  }

  /**
   * ACC-1's payments at minutes 1, 2 and 3: under a limit of two in ten minutes the third is one
   * too many, unless the first two have been forgotten.
   */
  private static final Payment AT_MINUTE_1 = small(1, "tx-1", minutes(1));
  private static final Payment AT_MINUTE_2 = small(2, "tx-2", minutes(2));
  private static final Payment AT_MINUTE_3 = small(3, "tx-3", minutes(3));

  private static TimestampedValue<Payment> onTime(Payment payment) {
    return TimestampedValue.of(payment, payment.getEventTime());
  }

  /** A payment that arrived after the watermark passed its event time: stamped at the watermark. */
  private static TimestampedValue<Payment> arrivedAt(Instant watermark, Payment payment) {
    return TimestampedValue.of(payment, watermark);
  }

  @SuppressWarnings("unchecked")
  private static TimestampedValue<Payment>[] onTime(List<Payment> payments) {
    return payments.stream().map(FraudScoringTest::onTime).toArray(TimestampedValue[]::new);
  }

  private static ScoredPayment scored(Payment payment, int score, RiskLevel level, String... reasons) {
    return ScoredPayment.of(payment, score, level, List.of(reasons));
  }

  private static ScoredPayment low(Payment payment) {
    return scored(payment, 0, LOW);
  }

  private static ScoredPayment velocity(Payment payment) {
    return scored(payment, 30, LOW, VELOCITY);
  }

  // ---------------------------------------------------------------- amount bands

  @Test
  public void testHighAmountIsHighRiskOnTime() {
    assertScoresArrivingTogether(
        FraudScoring.create(),
        scored(payment(1, "tx-1", "ACC-1", "ACC-2", "5000.01", T0), 70, HIGH, AMOUNT_HIGH),
        scored(payment(2, "tx-2", "ACC-3", "ACC-4", "250000.00", T0), 70, HIGH, AMOUNT_HIGH));
  }

  @Test
  public void testMediumAmountIsMediumRiskOnTime() {
    assertScoresArrivingTogether(
        FraudScoring.create(),
        scored(payment(1, "tx-1", "ACC-1", "ACC-2", "1000.01", T0), 40, MEDIUM, AMOUNT_MEDIUM),
        // Exactly at the high threshold is not above it.
        scored(payment(2, "tx-2", "ACC-3", "ACC-4", "5000.00", T0), 40, MEDIUM, AMOUNT_MEDIUM));
  }

  @Test
  public void testSmallAmountIsLowRiskWithNoReasonsOnTime() {
    assertScoresArrivingTogether(
        FraudScoring.create(),
        low(payment(1, "tx-1", "ACC-1", "ACC-2", "1000.00", T0)),
        low(payment(2, "tx-2", "ACC-3", "ACC-4", "0.01", T0)));
  }

  @Test
  public void testCustomAmountThresholdsOnTime() {
    assertScoresArrivingTogether(
        FraudScoring.create()
            .withRules(
                FraudRules.defaults()
                    .withAmountThresholds(new BigDecimal("100"), new BigDecimal("500"))),
        scored(payment(1, "tx-1", "ACC-1", "ACC-2", "100.01", T0), 40, MEDIUM, AMOUNT_MEDIUM),
        scored(payment(2, "tx-2", "ACC-3", "ACC-4", "500.01", T0), 70, HIGH, AMOUNT_HIGH),
        low(payment(3, "tx-3", "ACC-5", "ACC-6", "100.00", T0)));
  }

  // ---------------------------------------------------------------- self-transfer

  @Test
  public void testSelfTransferIsMediumRiskOnTime() {
    assertScoresArrivingTogether(
        FraudScoring.create(),
        scored(payment(1, "tx-1", "ACC-1", "ACC-1", "10.00", T0), 40, MEDIUM, SELF_TRANSFER),
        low(payment(2, "tx-2", "ACC-2", "ACC-3", "10.00", T0)));
  }

  @Test
  public void testSelfTransferAddsToAmountRulesAndScoreIsCappedOnTime() {
    assertScoresArrivingTogether(
        FraudScoring.create(),
        scored(
            payment(1, "tx-1", "ACC-1", "ACC-1", "2000.00", T0), 80, HIGH, AMOUNT_MEDIUM, SELF_TRANSFER),
        // 70 + 40 is capped at 100.
        scored(
            payment(2, "tx-2", "ACC-2", "ACC-2", "9000.00", T0), 100, HIGH, AMOUNT_HIGH, SELF_TRANSFER));
  }

  // ---------------------------------------------------------------- velocity

  @Test
  public void testVelocityFlagsPaymentsBeyondLimitInWindowOnTime() {
    Payment first = small(1, "tx-1", minutes(0));
    Payment second = small(2, "tx-2", minutes(1));
    Payment third = small(3, "tx-3", minutes(2));
    Payment fourth = payment(4, "tx-4", "ACC-1", "ACC-9", "2000.00", minutes(9));

    assertScores(
        stream()
            .addElements(onTime(first), onTime(second))
            .addElements(onTime(third), onTime(fourth))
            .advanceWatermarkToInfinity(),
        twoPerTenMinutes(),
        low(first),
        low(second),
        velocity(third),
        scored(fourth, 70, HIGH, AMOUNT_MEDIUM, VELOCITY));
  }

  @Test
  public void testVelocityIgnoresPaymentsOutsideWindowOnTime() {
    // Five payments in 21 minutes, but never more than two in any ten minutes. The window is
    // (t - 10 min, t]: a payment exactly ten minutes earlier is outside it.
    Payment p0 = small(1, "tx-0", minutes(0));
    Payment p5 = small(2, "tx-5", minutes(5));
    Payment p10 = small(3, "tx-10", minutes(10));
    Payment p20 = small(4, "tx-20", minutes(20));
    Payment p21 = small(5, "tx-21", minutes(21));

    assertScores(
        stream()
            .addElements(onTime(p0), onTime(p5), onTime(p10))
            .advanceWatermarkTo(minutes(15))
            .addElements(onTime(p20), onTime(p21))
            .advanceWatermarkToInfinity(),
        twoPerTenMinutes(),
        low(p0), low(p5), low(p10), low(p20), low(p21));
  }

  @Test
  public void testVelocityWindowSlidesWithEventTimeOnTime() {
    // 12:00 sees 5 and 10 (0 is exactly ten minutes back, outside); 9:59 still sees 0.
    Payment p0 = small(1, "tx-0", minutes(0));
    Payment p5 = small(2, "tx-5", minutes(5));
    Payment p959 = small(3, "tx-959", at(Duration.standardSeconds(9 * 60 + 59)));
    Payment p12 = small(4, "tx-12", minutes(12));
    Payment p20 = small(5, "tx-20", minutes(20));

    assertScoresArrivingTogether(
        twoPerTenMinutes(),
        low(p0),
        low(p5),
        velocity(p959), // 0, 5, 9:59
        velocity(p12), // 5, 9:59, 12
        low(p20)); // 9:59 is more than ten minutes back: 12, 20
  }

  @Test
  public void testVelocityCountsEachSenderSeparatelyOnTime() {
    // Six payments in five minutes, but only ACC-A made more than two.
    assertScoresArrivingTogether(
        twoPerTenMinutes(),
        low(small(1, "tx-a1", "ACC-A", minutes(0))),
        low(small(2, "tx-b1", "ACC-B", minutes(1))),
        low(small(3, "tx-a2", "ACC-A", minutes(2))),
        low(payment(4, "tx-c1", "ACC-C", "ACC-A", "10.00", minutes(3))),
        low(small(5, "tx-b2", "ACC-B", minutes(4))),
        velocity(small(6, "tx-a3", "ACC-A", minutes(5))));
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
      inOrder[i] = small(i, "tx-in-" + (i + 1), "ACC-IN", minutes(i + 1));
      shuffled[i] = small(10 + i, "tx-out-" + (i + 1), "ACC-OUT", minutes(i + 1));
    }
    List<ScoredPayment> expected = new ArrayList<>();
    for (Payment[] sender : List.of(inOrder, shuffled)) {
      expected.add(low(sender[0]));
      expected.add(low(sender[1]));
      expected.add(velocity(sender[2]));
      expected.add(velocity(sender[3]));
      expected.add(velocity(sender[4]));
    }

    assertScores(
        stream()
            .addElements(onTime(inOrder[0]), onTime(inOrder[1]))
            .addElements(onTime(shuffled[3]), onTime(shuffled[1]))
            .addElements(onTime(inOrder[2]), onTime(shuffled[4]), onTime(shuffled[0]))
            // Releases minutes 1 and 2 of both senders before ACC-OUT's minute 3 arrives.
            .advanceWatermarkTo(minutes(2).plus(Duration.standardSeconds(30)))
            .addElements(onTime(inOrder[3]), onTime(shuffled[2]), onTime(inOrder[4]))
            .advanceWatermarkToInfinity(),
        twoPerTenMinutes(),
        expected.toArray(new ScoredPayment[0]));
  }

  @Test
  public void testVelocityTieBrokenByTransactionIdWhateverArrivalOrderOnTime() {
    // Same sender, same event time, limit one: the smaller transaction id counts as first.
    FraudScoring onePerTenMinutes =
        FraudScoring.create().withRules(FraudRules.defaults().withVelocity(1, VELOCITY_WINDOW));
    Payment a = small(1, "tx-a", minutes(1));
    Payment b = small(2, "tx-b", minutes(1));

    assertScores(
        stream().addElements(onTime(b)).addElements(onTime(a)).advanceWatermarkToInfinity(),
        onePerTenMinutes,
        low(a),
        velocity(b));
  }

  @Test
  public void testLatePaymentsArrivingTogetherScoredInEventTimeOrderLate() {
    // Both late payments are stamped with the same watermark and released by one timer; they
    // arrive newest first and must still be counted oldest first.
    assertScores(
        stream()
            .addElements(onTime(AT_MINUTE_1))
            .advanceWatermarkTo(minutes(20))
            .addElements(arrivedAt(minutes(20), AT_MINUTE_3), arrivedAt(minutes(20), AT_MINUTE_2))
            .advanceWatermarkToInfinity(),
        twoPerTenMinutes(),
        low(AT_MINUTE_1),
        low(AT_MINUTE_2),
        velocity(AT_MINUTE_3));
  }

  @Test
  public void testLatePaymentWithinLatenessCountedAgainstItsNeighboursLate() {
    Payment afterWindow = small(4, "tx-4", minutes(30));

    assertScores(
        stream()
            .addElements(onTime(AT_MINUTE_1), onTime(AT_MINUTE_2))
            .advanceWatermarkTo(minutes(20))
            // Seventeen minutes behind the watermark, inside the default hour of lateness.
            .addElements(arrivedAt(minutes(20), AT_MINUTE_3), onTime(afterWindow))
            .advanceWatermarkToInfinity(),
        twoPerTenMinutes(),
        low(AT_MINUTE_1),
        low(AT_MINUTE_2),
        velocity(AT_MINUTE_3),
        low(afterWindow));
  }

  @Test
  public void testPaymentLaterThanLatenessScoredWithoutForgottenNeighboursLate() {
    // History is kept for the ten-minute window plus five minutes of lateness: at minute 40 the
    // first two are forgotten when the third arrives.
    assertScores(
        stream()
            .addElements(onTime(AT_MINUTE_1), onTime(AT_MINUTE_2))
            .advanceWatermarkTo(minutes(40))
            .addElements(arrivedAt(minutes(40), AT_MINUTE_3))
            .advanceWatermarkToInfinity(),
        twoPerTenMinutes().withLateness(Duration.standardMinutes(5)),
        low(AT_MINUTE_1),
        low(AT_MINUTE_2),
        low(AT_MINUTE_3));
  }

  // ---------------------------------------------------------------- held until the watermark

  @Test
  public void testPaymentEmittedOnlyAfterWatermarkPassesIt() {
    // All three arrive before the watermark moves. Each must come out in the step where the
    // watermark passes its timestamp, alone: a downstream trigger that fires on every element
    // shows which step released what.
    Payment a = small(1, "tx-a", minutes(1));
    Payment b = small(2, "tx-b", minutes(3));
    Payment c = small(3, "tx-c", "ACC-2", minutes(2));

    assertReleases(
        stream()
            .addElements(onTime(a), onTime(b), onTime(c))
            .advanceWatermarkTo(minutes(1).plus(Duration.standardSeconds(30)))
            .advanceWatermarkTo(minutes(2).plus(Duration.standardSeconds(30)))
            .advanceWatermarkTo(minutes(3).plus(Duration.standardSeconds(30)))
            .advanceWatermarkToInfinity(),
        "pane 0: tx-a",
        "pane 1: tx-c",
        "pane 2: tx-b");
  }

  @Test
  public void testPaymentsOfOneSecondReleasedTogetherOnceTheWatermarkPassesThatSecond() {
    // Payments wait in one-second buckets: a watermark inside the second releases nothing of it,
    // a watermark just past the second's end releases all of it, and nothing of the next second.
    // Just past, not at: a timer fires once the watermark has passed its time, and were both
    // buckets released by the last step, their two releases could reach the regrouping in either
    // order.
    Instant second = minutes(1);
    Payment a = small(1, "tx-a", second.plus(Duration.millis(200)));
    Payment b = small(2, "tx-b", second.plus(Duration.millis(700)));
    Payment c = small(3, "tx-c", second.plus(Duration.millis(1_200)));

    assertReleases(
        stream()
            .addElements(onTime(a), onTime(b), onTime(c))
            .advanceWatermarkTo(second.plus(Duration.millis(800)))
            .advanceWatermarkTo(second.plus(Duration.millis(1_001)))
            .advanceWatermarkToInfinity(),
        "pane 0: tx-a, tx-b",
        "pane 1: tx-c");
  }

  @Test
  public void testCopiesOfOneTransactionThatDeduplicationKeptApartAreEachScored() {
    // Copies whose event times fall in different deduplication windows (0:59.7 and 1:00.0,
    // either side of a window boundary) both get through. Both wait in the second ending at 1:00.0, and neither
    // may replace the other there.
    assertScoresArrivingTogether(
        FraudScoring.create(),
        low(small(1, "tx-a", minutes(1).minus(Duration.millis(300)))),
        low(small(2, "tx-a", minutes(1))));
  }

  @Test
  public void testNothingEmittedBeforeWatermarkPassesOutOfOrder() {
    // The later payment arrives first and the watermark moves, but not past it: it is held until
    // the earlier one, which arrives next, has been released.
    assertReleases(
        stream()
            .addElements(onTime(small(2, "tx-later", minutes(4))))
            .advanceWatermarkTo(minutes(1))
            .addElements(onTime(small(1, "tx-early", minutes(2))))
            .advanceWatermarkTo(minutes(3))
            .advanceWatermarkToInfinity(),
        "pane 0: tx-early",
        "pane 1: tx-later");
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
            .addElements(
                onTime(
                    payment(
                        2, "tx-2", "ACC-1", "ACC-2", "10.00", minutes(14).plus(Duration.standardSeconds(30)))))
            .advanceWatermarkTo(minutes(31))
            .addElements(onTime(payment(3, "tx-3", "ACC-1", "ACC-2", "10.00", minutes(32))))
            .advanceWatermarkToInfinity(),
        scoring);

    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertEquals(2, PipelineCounters.attempted(result, PipelineCounters.SENDER_HISTORIES_FORGOTTEN));
  }
}
