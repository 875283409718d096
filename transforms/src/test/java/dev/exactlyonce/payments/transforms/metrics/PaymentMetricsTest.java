package dev.exactlyonce.payments.transforms.metrics;

import dev.exactlyonce.payments.model.ScoredPaymentCoder;
import static dev.exactlyonce.payments.transforms.TestEvents.T0;
import static org.junit.Assert.assertEquals;

import dev.exactlyonce.payments.model.RiskLevel;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.model.WindowMetrics;
import dev.exactlyonce.payments.transforms.TestEvents;
import dev.exactlyonce.payments.transforms.fraud.FraudRules;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import dev.exactlyonce.payments.transforms.time.EventTimeWindows;
import dev.exactlyonce.payments.model.ModelCoders;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Per-window, per-currency totals. Element timestamps follow EventTimePolicy: the event
 * time, or the watermark at arrival for a payment older than the watermark; windows follow the
 * event time.
 */
@RunWith(JUnit4.class)
public class PaymentMetricsTest {
  private static final Duration MINUTE = Duration.standardMinutes(1);
  private static final FraudRules RULES = FraudRules.defaults();

  private static final IntervalWindow FIRST_MINUTE = new IntervalWindow(T0, minutes(1));
  private static final IntervalWindow SECOND_MINUTE = new IntervalWindow(minutes(1), minutes(2));
  private static final IntervalWindow THIRD_MINUTE = new IntervalWindow(minutes(2), minutes(3));

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private TestStream.Builder<ScoredPayment> stream() {
    return TestStream.create(ScoredPaymentCoder.of());
  }

  private PCollection<WindowMetrics> metrics(TestStream<ScoredPayment> events) {
    return metrics(events, PaymentMetrics.create());
  }

  private PCollection<WindowMetrics> metrics(
      TestStream<ScoredPayment> events, PaymentMetrics paymentMetrics) {
    return pipeline.apply(events).apply(paymentMetrics);
  }

  /** Every payment arrives on time, all in one step, then the watermark passes everything. */
  private TestStream<ScoredPayment> arrivingTogetherOnTime(List<ScoredPayment> payments) {
    List<TimestampedValue<ScoredPayment>> arrivals =
        payments.stream().map(PaymentMetricsTest::onTime).toList();
    return stream()
        .addElements(arrivals.get(0), arrivals.subList(1, arrivals.size()).toArray(timestampedArray()))
        .advanceWatermarkToInfinity();
  }

  private TestStream<ScoredPayment> arrivingTogetherOnTime(ScoredPayment... payments) {
    return arrivingTogetherOnTime(List.of(payments));
  }

  /** Checks the rows of {@code window}'s on-time pane; the pipeline still has to run. */
  private static void assertOnTimePane(
      PCollection<WindowMetrics> metrics, IntervalWindow window, WindowMetrics... expected) {
    PAssert.that(metrics).inOnTimePane(window).containsInAnyOrder(expected);
  }

  /** Checks the rows of every pane of {@code window}; the pipeline still has to run. */
  private static void assertAllPanes(
      PCollection<WindowMetrics> metrics, IntervalWindow window, WindowMetrics... expected) {
    PAssert.that(metrics).inWindow(window).containsInAnyOrder(expected);
  }

  private static Instant minutes(long minutes) {
    return T0.plus(MINUTE.multipliedBy(minutes));
  }

  private static Instant seconds(long seconds) {
    return T0.plus(Duration.standardSeconds(seconds));
  }

  /** Scored by the default rules: above 5000 is HIGH risk, above 1000 MEDIUM. */
  private static ScoredPayment scored(
      long offset, String transactionId, String amount, String currency, Instant eventTime) {
    return RULES.score(TestEvents.payment(offset, transactionId, amount, currency, eventTime), 1);
  }

  /** Payment number {@code n}, transaction tx-n, {@link #scored} by the default rules. */
  private static ScoredPayment scored(long n, String amount, String currency, Instant eventTime) {
    return scored(n, "tx-" + n, amount, currency, eventTime);
  }

  private static ScoredPayment usd(long n, String amount, Instant eventTime) {
    return scored(n, amount, "USD", eventTime);
  }

  private static TimestampedValue<ScoredPayment> onTime(ScoredPayment scored) {
    return TimestampedValue.of(scored, scored.getPayment().getEventTime());
  }

  /** A payment that arrived after the watermark passed its event time: stamped at the watermark. */
  private static TimestampedValue<ScoredPayment> arrivedAtWatermark(
      ScoredPayment scored, Instant watermark) {
    return TimestampedValue.of(scored, watermark);
  }

  private static WindowMetrics row(
      IntervalWindow window,
      String currency,
      long count,
      String total,
      String average,
      String max,
      long highRisk,
      long paneIndex,
      String paneTiming) {
    return WindowMetrics.builder()
        .setWindowStart(window.start())
        .setWindowEnd(window.end())
        .setCurrency(currency)
        .setPaymentCount(count)
        .setTotalAmount(new BigDecimal(total))
        .setAverageAmount(new BigDecimal(average))
        .setMaxAmount(new BigDecimal(max))
        .setHighRiskCount(highRisk)
        .setPaneIndex(paneIndex)
        .setPaneTiming(paneTiming)
        .build();
  }

  private static WindowMetrics onTimeRow(
      IntervalWindow window,
      String currency,
      long count,
      String total,
      String average,
      String max,
      long highRisk) {
    return row(window, currency, count, total, average, max, highRisk, 0, "ON_TIME");
  }

  @Test
  public void testABundleLeavesAsOnePartialTotalPerWindowAndCurrency() {
    // One TestStream step is one bundle on the DirectRunner.
    TestStream<ScoredPayment> events =
        arrivingTogetherOnTime(
            usd(1, "10.00", seconds(5)),
            usd(2, "6000.00", seconds(20)),
            usd(3, "0.50", seconds(59)),
            scored(4, "7.25", "EUR", seconds(30)),
            usd(5, "2.00", seconds(65)));

    PCollection<KV<String, Totals>> partials =
        pipeline
            .apply(events)
            .apply(Window.into(EventTimeWindows.of(MINUTE, (ScoredPayment s) -> s.getPayment().getEventTime())))
            .apply(ParDo.of(new PaymentMetrics.SumPerBundleFn()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ModelCoders.of(pipeline, Totals.class)));

    PAssert.that(partials)
        .inWindow(FIRST_MINUTE)
        .containsInAnyOrder(
            KV.of("USD", Totals.of(3, new BigDecimal("6010.50"), new BigDecimal("6000.00"), 1)),
            KV.of("EUR", Totals.of(1, new BigDecimal("7.25"), new BigDecimal("7.25"), 0)));
    PAssert.that(partials)
        .inWindow(SECOND_MINUTE)
        .containsInAnyOrder(KV.of("USD", Totals.of(1, new BigDecimal("2.00"), new BigDecimal("2.00"), 0)));
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void testTotalsPerWindowAndCurrencyOnTime() {
    ScoredPayment high = usd(3, "6000.00", seconds(30));
    assertEquals(RiskLevel.HIGH, high.getRiskLevel());
    PCollection<WindowMetrics> metrics =
        metrics(
            stream()
                .addElements(onTime(usd(1, "0.10", seconds(5))), onTime(usd(2, "1500.05", seconds(10))))
                .addElements(onTime(high), onTime(usd(4, "0.20", seconds(59))))
                .advanceWatermarkToInfinity());

    WindowMetrics expected =
        onTimeRow(FIRST_MINUTE, "USD", 4, "7500.35", "1875.087500000", "6000.00", 1);
    assertOnTimePane(metrics, FIRST_MINUTE, expected);
    PAssert.that(metrics).containsInAnyOrder(expected);
    pipeline.run();
  }

  @Test
  public void testAmountsAddUpExactlyToTheCentOnTime() {
    // 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
    PCollection<WindowMetrics> metrics =
        metrics(arrivingTogetherOnTime(usd(1, "0.10", seconds(1)), usd(2, "0.20", seconds(2))));

    assertOnTimePane(
        metrics, FIRST_MINUTE, onTimeRow(FIRST_MINUTE, "USD", 2, "0.30", "0.150000000", "0.20", 0));
    PAssert.that(metrics).satisfies(PaymentMetricsTest::assertAmountScales);
    pipeline.run();
  }

  /** Totals and maxima keep the cents' scale; averages have BigQuery NUMERIC's nine places. */
  private static Void assertAmountScales(Iterable<WindowMetrics> rows) {
    int seen = 0;
    for (WindowMetrics row : rows) {
      assertEquals(2, row.getTotalAmount().scale());
      assertEquals(2, row.getMaxAmount().scale());
      assertEquals(9, row.getAverageAmount().scale());
      seen++;
    }
    assertEquals(1, seen);
    return null;
  }

  @Test
  public void testAverageRoundsHalfEvenToNineDecimalsOnTime() {
    // 2.57 / 256 = 0.0100390625 and 2.59 / 256 = 0.0101171875: both exactly halfway at the
    // tenth place. Half-even rounds the first down and the second up.
    List<ScoredPayment> payments = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      payments.add(scored(i, "usd-" + i, i == 0 ? "0.02" : "0.01", "USD", seconds(i % 60)));
      payments.add(scored(1000 + i, "eur-" + i, i < 3 ? "0.02" : "0.01", "EUR", seconds(i % 60)));
    }
    PCollection<WindowMetrics> metrics = metrics(arrivingTogetherOnTime(payments));

    assertOnTimePane(
        metrics,
        FIRST_MINUTE,
        onTimeRow(FIRST_MINUTE, "USD", 256, "2.57", "0.010039062", "0.02", 0),
        onTimeRow(FIRST_MINUTE, "EUR", 256, "2.59", "0.010117188", "0.02", 0));
    pipeline.run();
  }

  @SuppressWarnings("unchecked")
  private static TimestampedValue<ScoredPayment>[] timestampedArray() {
    return (TimestampedValue<ScoredPayment>[]) new TimestampedValue<?>[0];
  }

  @Test
  public void testTwoCurrenciesInSameWindowGiveTwoRowsOnTime() {
    PCollection<WindowMetrics> metrics =
        metrics(
            arrivingTogetherOnTime(
                usd(1, "0.10", seconds(1)),
                scored(2, "10.00", "EUR", seconds(2)),
                usd(3, "0.20", seconds(3)),
                scored(4, "5000.01", "EUR", seconds(4)),
                scored(5, "0.20", "EUR", seconds(5))));

    assertOnTimePane(
        metrics,
        FIRST_MINUTE,
        onTimeRow(FIRST_MINUTE, "USD", 2, "0.30", "0.150000000", "0.20", 0),
        onTimeRow(FIRST_MINUTE, "EUR", 3, "5010.21", "1670.070000000", "5000.01", 1));
    pipeline.run();
  }

  @Test
  public void testPaymentsInDifferentWindowsGiveSeparateRowsOnTime() {
    PCollection<WindowMetrics> metrics =
        metrics(
            arrivingTogetherOnTime(
                usd(1, "1.00", seconds(0)),
                usd(2, "2.00", minutes(1).minus(Duration.millis(1))),
                usd(3, "4.00", minutes(1)),
                usd(4, "8.00", seconds(150))));

    WindowMetrics first = onTimeRow(FIRST_MINUTE, "USD", 2, "3.00", "1.500000000", "2.00", 0);
    WindowMetrics second = onTimeRow(SECOND_MINUTE, "USD", 1, "4.00", "4.000000000", "4.00", 0);
    WindowMetrics third = onTimeRow(THIRD_MINUTE, "USD", 1, "8.00", "8.000000000", "8.00", 0);
    assertAllPanes(metrics, FIRST_MINUTE, first);
    assertAllPanes(metrics, SECOND_MINUTE, second);
    assertAllPanes(metrics, THIRD_MINUTE, third);
    PAssert.that(metrics).containsInAnyOrder(first, second, third);
    pipeline.run();
  }

  @Test
  public void testOnTimePaneFiresWhenWatermarkPassesWindowEndOnTime() {
    Instant lastInstantOfWindow = minutes(1).minus(Duration.millis(1));
    PCollection<WindowMetrics> metrics =
        metrics(
            stream()
                .addElements(onTime(usd(1, "0.10", seconds(10))))
                .advanceWatermarkTo(lastInstantOfWindow)
                // Behind the watermark, so stamped at it, but its window has not ended yet.
                .addElements(
                    arrivedAtWatermark(usd(2, "0.20", seconds(50)), lastInstantOfWindow),
                    onTime(usd(3, "7.00", seconds(70))))
                .advanceWatermarkTo(minutes(1))
                .advanceWatermarkToInfinity());

    WindowMetrics onTime = onTimeRow(FIRST_MINUTE, "USD", 2, "0.30", "0.150000000", "0.20", 0);
    assertOnTimePane(metrics, FIRST_MINUTE, onTime);
    // One firing only: nothing early, nothing after.
    assertAllPanes(metrics, FIRST_MINUTE, onTime);
    assertOnTimePane(
        metrics, SECOND_MINUTE, onTimeRow(SECOND_MINUTE, "USD", 1, "7.00", "7.000000000", "7.00", 0));
    pipeline.run();
  }

  @Test
  public void testLatePaymentsUpdateWindowInAccumulatingLatePanesLate() {
    Instant watermark = minutes(2);
    Instant laterWatermark = minutes(30);
    PCollection<WindowMetrics> metrics =
        metrics(
            stream()
                .addElements(
                    onTime(usd(1, "0.10", seconds(10))),
                    onTime(usd(2, "0.20", seconds(20))))
                .advanceWatermarkTo(watermark)
                .addElements(arrivedAtWatermark(usd(3, "7000.00", seconds(30)), watermark))
                .advanceWatermarkTo(laterWatermark)
                .addElements(arrivedAtWatermark(usd(4, "0.30", seconds(40)), laterWatermark))
                .advanceWatermarkToInfinity());

    WindowMetrics onTime = onTimeRow(FIRST_MINUTE, "USD", 2, "0.30", "0.150000000", "0.20", 0);
    WindowMetrics firstLate =
        row(FIRST_MINUTE, "USD", 3, "7000.30", "2333.433333333", "7000.00", 1, 1, "LATE");
    WindowMetrics secondLate =
        row(FIRST_MINUTE, "USD", 4, "7000.60", "1750.150000000", "7000.00", 1, 2, "LATE");
    assertOnTimePane(metrics, FIRST_MINUTE, onTime);
    PAssert.that(metrics).inLatePane(FIRST_MINUTE).containsInAnyOrder(firstLate, secondLate);
    assertAllPanes(metrics, FIRST_MINUTE, onTime, firstLate, secondLate);
    pipeline.run();
  }

  @Test
  public void testWindowChosenByEventTimeNotElementTimestampLate() {
    // Stamped at 1:10 (the watermark when it arrived) but paid at 0:50: it belongs to the first
    // minute, not the second one its timestamp falls in.
    Instant watermark = seconds(70);
    PCollection<WindowMetrics> metrics =
        metrics(
            stream()
                .advanceWatermarkTo(watermark)
                .addElements(
                    arrivedAtWatermark(usd(1, "3.00", seconds(50)), watermark),
                    onTime(usd(2, "5.00", seconds(75))))
                .advanceWatermarkToInfinity());

    assertAllPanes(
        metrics, FIRST_MINUTE, row(FIRST_MINUTE, "USD", 1, "3.00", "3.000000000", "3.00", 0, 0, "LATE"));
    assertOnTimePane(
        metrics, SECOND_MINUTE, onTimeRow(SECOND_MINUTE, "USD", 1, "5.00", "5.000000000", "5.00", 0));
    pipeline.run();
  }

  @Test
  public void testPaymentBeyondAllowedLatenessNotCountedLate() {
    Instant watermark = minutes(10);
    PCollection<WindowMetrics> metrics =
        metrics(
            stream()
                .addElements(onTime(usd(1, "1.00", seconds(10))))
                .advanceWatermarkTo(watermark)
                .addElements(arrivedAtWatermark(usd(2, "2.00", seconds(20)), watermark))
                .advanceWatermarkToInfinity(),
            PaymentMetrics.create().withAllowedLateness(Duration.standardMinutes(5)));

    assertAllPanes(
        metrics, FIRST_MINUTE, onTimeRow(FIRST_MINUTE, "USD", 1, "1.00", "1.000000000", "1.00", 0));
    pipeline.run();
  }

  @Test
  public void testCustomWindowSizeOnTime() {
    Duration fiveMinutes = Duration.standardMinutes(5);
    IntervalWindow firstFive = new IntervalWindow(T0, T0.plus(fiveMinutes));
    PCollection<WindowMetrics> metrics =
        metrics(
            arrivingTogetherOnTime(usd(1, "1.00", seconds(10)), usd(2, "2.00", seconds(250))),
            PaymentMetrics.create().withWindowSize(fiveMinutes));

    assertOnTimePane(
        metrics, firstFive, onTimeRow(firstFive, "USD", 2, "3.00", "1.500000000", "2.00", 0));
    pipeline.run();
  }
}
