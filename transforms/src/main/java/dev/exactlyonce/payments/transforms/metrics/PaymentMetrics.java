package dev.exactlyonce.payments.transforms.metrics;

import dev.exactlyonce.payments.transforms.time.TimeBounds;
import dev.exactlyonce.payments.model.RiskLevel;
import dev.exactlyonce.payments.model.ModelCoders;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.model.WindowMetrics;
import dev.exactlyonce.payments.transforms.time.EventTimeWindows;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Per event-time window and currency: count, total, average, max and high-risk count, in exact
 * decimals.
 *
 * <p>A window fires once when the watermark passes its end (ON_TIME), then again for each bundle of
 * payments that arrives later but within {@link #withAllowedLateness allowed lateness} (LATE; a
 * bundle's payments reach the combine as one partial total). Panes accumulate, so the pane with the
 * highest payment count is the window's total (a runner may deliver panes out of order). Allowed lateness must
 * cover how late the upstream stages let a payment through (the deduplication horizon plus the
 * clock skew, {@link TimeBounds#latestPassThrough}) or late payments would miss their
 * window's totals.
 */
public final class PaymentMetrics
    extends PTransform<PCollection<ScoredPayment>, PCollection<WindowMetrics>> {

  public static final Duration DEFAULT_WINDOW_SIZE = Duration.standardMinutes(1);
  public static final Duration DEFAULT_ALLOWED_LATENESS = TimeBounds.DEFAULT_LATEST_PASS_THROUGH;
  /** BigQuery NUMERIC's scale. */
  static final int AVERAGE_SCALE = 9;

  private final Duration windowSize;
  private final Duration allowedLateness;

  private PaymentMetrics(Duration windowSize, Duration allowedLateness) {
    this.windowSize = windowSize;
    this.allowedLateness = allowedLateness;
  }

  public static PaymentMetrics create() {
    return new PaymentMetrics(DEFAULT_WINDOW_SIZE, DEFAULT_ALLOWED_LATENESS);
  }

  public PaymentMetrics withWindowSize(Duration windowSize) {
    return new PaymentMetrics(windowSize, allowedLateness);
  }

  public PaymentMetrics withAllowedLateness(Duration allowedLateness) {
    return new PaymentMetrics(windowSize, allowedLateness);
  }

  @Override
  public PCollection<WindowMetrics> expand(PCollection<ScoredPayment> scored) {
    Coder<Totals> totalsCoder = ModelCoders.of(scored.getPipeline(), Totals.class);
    return scored
        .apply(
            "EventTimeWindows",
            Window.<ScoredPayment>into(
                    EventTimeWindows.of(windowSize, s -> s.getPayment().getEventTime()))
                .triggering(
                    AfterWatermark.pastEndOfWindow()
                        .withLateFirings(AfterPane.elementCountAtLeast(1)))
                .withAllowedLateness(allowedLateness)
                .accumulatingFiredPanes()
                // A late payment's timestamp is after its window; END_OF_WINDOW would move it back.
                .withTimestampCombiner(TimestampCombiner.EARLIEST))
        .apply("SumPerBundle", ParDo.of(new SumPerBundleFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), totalsCoder))
        .apply("SumPerCurrency", Combine.perKey(new MergeTotalsFn(totalsCoder)))
        .apply("ToWindowMetrics", ParDo.of(new ToWindowMetricsFn()))
        .setCoder(ModelCoders.of(scored.getPipeline(), WindowMetrics.class));
  }

  /**
   * Sums each bundle's payments per window and currency before they are grouped by currency: one
   * element per window and currency leaves the bundle instead of one per payment, so the exchange
   * and the combine see a few partial totals. Exact: totals are sums, and a runner moves no
   * watermark past a bundle that is still open, so a partial is never later than its payments. It
   * carries the earliest of their timestamps, as the window's combiner keeps.
   */
  static final class SumPerBundleFn extends DoFn<ScoredPayment, KV<String, Totals>> {
    private transient Map<BoundedWindow, Map<String, Partial>> partials;

    /** The totals so far of one window and currency in this bundle, and their earliest time. */
    private static final class Partial {
      Totals totals = Totals.EMPTY;
      Instant earliest = BoundedWindow.TIMESTAMP_MAX_VALUE;
    }

    @StartBundle
    public void startBundle() {
      partials = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element ScoredPayment scored, @Timestamp Instant timestamp, BoundedWindow window) {
      Partial partial =
          partials.computeIfAbsent(window, w -> new HashMap<>())
              .computeIfAbsent(scored.getPayment().getCurrency(), currency -> new Partial());
      partial.totals = partial.totals.plus(scored.getPayment().getAmount(), scored.getRiskLevel() == RiskLevel.HIGH);
      if (timestamp.isBefore(partial.earliest)) {
        partial.earliest = timestamp;
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      partials.forEach((window, byCurrency) -> byCurrency.forEach((currency, partial) ->
          context.output(KV.of(currency, partial.totals), partial.earliest, window)));
      partials = null;
    }
  }

  private static final class MergeTotalsFn extends Combine.CombineFn<Totals, Totals, Totals> {
    private final Coder<Totals> totalsCoder;

    MergeTotalsFn(Coder<Totals> totalsCoder) {
      this.totalsCoder = totalsCoder;
    }

    @Override
    public Totals createAccumulator() {
      return Totals.EMPTY;
    }

    @Override
    public Totals addInput(Totals totals, Totals partial) {
      return totals.merge(partial);
    }

    @Override
    public Totals mergeAccumulators(Iterable<Totals> accumulators) {
      Totals merged = Totals.EMPTY;
      for (Totals totals : accumulators) {
        merged = merged.merge(totals);
      }
      return merged;
    }

    @Override
    public Totals extractOutput(Totals totals) {
      return totals;
    }

    @Override
    public Coder<Totals> getAccumulatorCoder(CoderRegistry registry, Coder<Totals> input) {
      return totalsCoder;
    }

    @Override
    public Coder<Totals> getDefaultOutputCoder(CoderRegistry registry, Coder<Totals> input) {
      return totalsCoder;
    }
  }

  private static final class ToWindowMetricsFn extends DoFn<KV<String, Totals>, WindowMetrics> {
    @ProcessElement
    public void process(
        @Element KV<String, Totals> element,
        IntervalWindow window,
        PaneInfo pane,
        OutputReceiver<WindowMetrics> out) {
      Totals totals = element.getValue();
      if (totals.getCount() == 0) {
        // Flink can fire a pane whose accumulator saw no payment; such a pane has nothing to say.
        return;
      }
      out.output(
          WindowMetrics.builder()
              .setWindowStart(window.start())
              .setWindowEnd(window.end())
              .setCurrency(element.getKey())
              .setPaymentCount(totals.getCount())
              .setTotalAmount(totals.getTotal())
              .setAverageAmount(
                  totals
                      .getTotal()
                      .divide(
                          BigDecimal.valueOf(totals.getCount()), AVERAGE_SCALE, RoundingMode.HALF_EVEN))
              .setMaxAmount(totals.getMax())
              .setHighRiskCount(totals.getHighRiskCount())
              .setPaneIndex(pane.getIndex())
              .setPaneTiming(pane.getTiming().name())
              .build());
    }
  }
}
