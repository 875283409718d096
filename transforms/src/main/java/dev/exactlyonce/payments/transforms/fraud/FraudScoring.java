package dev.exactlyonce.payments.transforms.fraud;

import dev.exactlyonce.payments.transforms.time.MirroredTimer;
import dev.exactlyonce.payments.transforms.time.TimeBounds;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.PaymentCoder;
import dev.exactlyonce.payments.model.ScoredPaymentCoder;
import dev.exactlyonce.payments.model.ScoredPayment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.ListCoder;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Scores each unique payment with {@link FraudRules}.
 *
 * <p>Sender velocity needs every payment of the sender in the sliding event-time window ending at
 * the payment's event time. To give the same answer whatever order Kafka delivers in, payments are
 * held per sender until the watermark passes them, then scored in event-time order against the
 * sender's recent event times. Output therefore trails input by the watermark's delay (the
 * out-of-orderness bound), plus up to a second: payments wait in one-second buckets. A payment
 * arriving later than that is scored with what is known when it arrives. Recent event times are
 * kept for the velocity window plus {@link #withLateness lateness}, so late payments within it are
 * still counted against the right neighbours.
 */
public final class FraudScoring extends PTransform<PCollection<Payment>, PCollection<ScoredPayment>> {

  /** The latest a payment gets through deduplication, with the default horizon and clock skew. */
  public static final Duration DEFAULT_LATENESS = TimeBounds.DEFAULT_LATEST_PASS_THROUGH;

  private final FraudRules rules;
  private final Duration lateness;

  private FraudScoring(FraudRules rules, Duration lateness) {
    this.rules = rules;
    this.lateness = lateness;
  }

  public static FraudScoring create() {
    return new FraudScoring(FraudRules.defaults(), DEFAULT_LATENESS);
  }

  public FraudScoring withRules(FraudRules rules) {
    return new FraudScoring(rules, lateness);
  }

  /** How far behind the watermark a payment may arrive and still see its true neighbours. */
  public FraudScoring withLateness(Duration lateness) {
    return new FraudScoring(rules, lateness);
  }

  @Override
  public PCollection<ScoredPayment> expand(PCollection<Payment> payments) {
    Coder<Payment> paymentCoder = PaymentCoder.of();
    return payments
        // Per-sender history spans windows of any kind; the global window never expires it early.
        .apply("GlobalWindow", Window.into(new GlobalWindows()))
        .apply("KeyBySender", WithKeys.of(Payment::getSenderAccount).withKeyType(TypeDescriptors.strings()))
        .apply(
            "ScoreInEventTimeOrder",
            ParDo.of(new ScoreFn(rules, rules.velocityWindow().plus(lateness), paymentCoder)))
        .setCoder(ScoredPaymentCoder.of());
  }

  private static final class ScoreFn extends DoFn<KV<String, Payment>, ScoredPayment> {
    private static final String PENDING = "pendingBySecond";
    private static final String RECENT = "recentEventTimes";
    private static final String FLUSH_AT = "flushAt";
    private static final String FLUSH = "flush";
    private static final String FORGET = "forget";
    /**
     * Payments wait in buckets of this much event time and are scored a bucket at a time: a
     * sender's state is written once per payment and read once per bucket, where rewriting one
     * waiting list on every watermark step cost a write per waiting payment per step. Scores come
     * out at most this much later than the watermark allows.
     */
    private static final long BUCKET_MILLIS = 1_000;
    private static final Instant LATEST = GlobalWindow.INSTANCE.maxTimestamp();

    @StateId(PENDING)
    private final StateSpec<MapState<Instant, List<Payment>>> pendingSpec;

    @StateId(RECENT)
    private final StateSpec<BagState<Instant>> recentSpec = StateSpecs.bag(InstantCoder.of());

    @StateId(FLUSH_AT)
    private final StateSpec<ValueState<Instant>> flushAtSpec = StateSpecs.value(InstantCoder.of());

    @TimerId(FLUSH)
    private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId(FORGET)
    private final TimerSpec forgetSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    private final FraudRules rules;
    private final Duration history;
    private final Counter scored = PipelineCounters.counter(PipelineCounters.PAYMENTS_SCORED);
    private final Counter forgotten = PipelineCounters.counter(PipelineCounters.SENDER_HISTORIES_FORGOTTEN);

    ScoreFn(FraudRules rules, Duration history, Coder<Payment> paymentCoder) {
      this.rules = rules;
      this.history = history;
      this.pendingSpec = StateSpecs.map(InstantCoder.of(), ListCoder.of(paymentCoder));
    }

    /** The end of the bucket holding {@code timestamp}: the watermark must pass it first. */
    private static Instant bucketEnd(Instant timestamp) {
      long millis = timestamp.getMillis();
      long end = Math.floorDiv(millis + BUCKET_MILLIS - 1, BUCKET_MILLIS) * BUCKET_MILLIS;
      Instant bucket = new Instant(end);
      return bucket.isAfter(LATEST) ? LATEST : bucket;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Payment> element,
        @Timestamp Instant timestamp,
        @StateId(PENDING) MapState<Instant, List<Payment>> pending,
        @StateId(FLUSH_AT) ValueState<Instant> flushAt,
        @TimerId(FLUSH) Timer flush) {
      Instant bucket = bucketEnd(timestamp);
      List<Payment> waiting = pending.get(bucket).read();
      List<Payment> extended = new ArrayList<>(waiting == null ? 1 : waiting.size() + 1);
      if (waiting != null) {
        extended.addAll(waiting);
      }
      extended.add(element.getValue());
      pending.put(bucket, extended);
      MirroredTimer.setUnlessEarlier(flush, flushAt, bucket);
    }

    @OnTimer(FLUSH)
    public void onFlush(
        OnTimerContext context,
        @StateId(PENDING) MapState<Instant, List<Payment>> pending,
        @StateId(RECENT) BagState<Instant> recent,
        @StateId(FLUSH_AT) ValueState<Instant> flushAt,
        @TimerId(FLUSH) Timer flush,
        @TimerId(FORGET) Timer forget) {
      Instant watermarkPassed = context.fireTimestamp();
      List<Payment> ready = new ArrayList<>();
      Instant next = null;
      List<Instant> buckets = new ArrayList<>();
      pending.keys().read().forEach(buckets::add);
      for (Instant bucket : buckets) {
        if (bucket.isAfter(watermarkPassed)) {
          next = next == null || bucket.isBefore(next) ? bucket : next;
        } else {
          ready.addAll(pending.get(bucket).read());
          pending.remove(bucket);
        }
      }
      ready.sort(
          Comparator.comparing(Payment::getEventTime).thenComparing(Payment::getTransactionId));

      Instant keepFrom = watermarkPassed.minus(history);
      List<Instant> times = new ArrayList<>();
      int forgottenTimes = 0;
      for (Instant time : recent.read()) {
        if (time.isBefore(keepFrom)) {
          forgottenTimes++;
        } else {
          times.add(time);
        }
      }
      int kept = times.size();
      SortedTimes sorted = new SortedTimes(times);
      for (Payment payment : ready) {
        times.add(payment.getEventTime());
        sorted.add(payment.getEventTime());
        context.output(rules.score(payment, countInWindowEndingAt(sorted, payment.getEventTime())));
        scored.inc();
      }

      // Rewritten only once most of it has expired, so each time is written about twice in all;
      // expired times left in between are filtered out above.
      if (forgottenTimes > kept) {
        recent.clear();
        times.forEach(recent::add);
      } else {
        times.subList(kept, times.size()).forEach(recent::add);
      }
      times.stream()
          .max(Comparator.naturalOrder())
          // A sender who goes quiet must not keep state forever; the timer emits nothing, so it
          // holds no watermark.
          .ifPresent(latest -> forget.withNoOutputTimestamp().set(latest.plus(history)));
      MirroredTimer.set(flush, flushAt, next);
    }

    @OnTimer(FORGET)
    public void onForget(
        @StateId(PENDING) MapState<Instant, List<Payment>> pending,
        @StateId(RECENT) BagState<Instant> recent) {
      // Payments still waiting will be scored by a flush that sets this timer again.
      if (pending.isEmpty().read()) {
        recent.clear();
        forgotten.inc();
      }
    }

    /** Payments with event time in (end - window, end], the one at {@code end} included. */
    private int countInWindowEndingAt(SortedTimes times, Instant end) {
      return times.countIn(end.minus(rules.velocityWindow()).getMillis(), end.getMillis());
    }
  }

  /**
   * A sender's event times in order: a busy sender's history runs to thousands of times over the
   * lateness, and counting the whole list for every payment made a flush quadratic in it.
   */
  static final class SortedTimes {
    private long[] millis;
    private int size;

    SortedTimes(List<Instant> times) {
      millis = new long[Math.max(16, times.size() * 2)];
      for (Instant time : times) {
        millis[size++] = time.getMillis();
      }
      Arrays.sort(millis, 0, size);
    }

    /** Usually at the end: payments are scored in event-time order. */
    void add(Instant time) {
      if (size == millis.length) {
        millis = Arrays.copyOf(millis, size * 2);
      }
      int at = after(time.getMillis());
      System.arraycopy(millis, at, millis, at + 1, size - at);
      millis[at] = time.getMillis();
      size++;
    }

    /** How many times lie in (startExclusive, endInclusive]. */
    int countIn(long startExclusive, long endInclusive) {
      return after(endInclusive) - after(startExclusive);
    }

    /** The position after the last time at or before {@code value}. */
    private int after(long value) {
      int low = 0;
      int high = size;
      while (low < high) {
        int middle = (low + high) >>> 1;
        if (millis[middle] <= value) {
          low = middle + 1;
        } else {
          high = middle;
        }
      }
      return low;
    }
  }
}
