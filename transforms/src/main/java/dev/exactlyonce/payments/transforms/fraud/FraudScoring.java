package dev.exactlyonce.payments.transforms.fraud;

import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.SchemaCoders;
import dev.exactlyonce.payments.model.ScoredPayment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
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
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
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
 * out-of-orderness bound). A payment arriving later than that is scored with what is known when it
 * arrives. Recent event times are kept for the velocity window plus {@link #withLateness lateness},
 * so late payments within it are still counted against the right neighbours.
 */
public final class FraudScoring extends PTransform<PCollection<Payment>, PCollection<ScoredPayment>> {

  /** The default deduplication horizon plus its window: the latest a payment gets through. */
  public static final Duration DEFAULT_LATENESS =
      Duration.standardHours(1).plus(Duration.standardMinutes(1));

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
    Coder<Payment> paymentCoder = SchemaCoders.of(payments.getPipeline(), Payment.class);
    return payments
        // Per-sender history spans windows of any kind; the global window never expires it early.
        .apply("GlobalWindow", Window.into(new GlobalWindows()))
        .apply("KeyBySender", WithKeys.of(Payment::getSenderAccount).withKeyType(TypeDescriptors.strings()))
        .apply(
            "ScoreInEventTimeOrder",
            ParDo.of(new ScoreFn(rules, rules.velocityWindow().plus(lateness), paymentCoder)))
        .setCoder(SchemaCoders.of(payments.getPipeline(), ScoredPayment.class));
  }

  private static final class ScoreFn extends DoFn<KV<String, Payment>, ScoredPayment> {
    private static final String PENDING = "pending";
    private static final String RECENT = "recentEventTimes";
    private static final String FLUSH_AT = "flushAt";
    private static final String FLUSH = "flush";
    private static final String FORGET = "forget";

    @StateId(PENDING)
    private final StateSpec<BagState<TimestampedValue<Payment>>> pendingSpec;

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
    private final Counter scored = Metrics.counter(FraudScoring.class, "payments_scored");
    private final Counter forgotten = Metrics.counter(FraudScoring.class, "sender_histories_forgotten");

    ScoreFn(FraudRules rules, Duration history, Coder<Payment> paymentCoder) {
      this.rules = rules;
      this.history = history;
      this.pendingSpec = StateSpecs.bag(TimestampedValue.TimestampedValueCoder.of(paymentCoder));
    }

    @ProcessElement
    public void process(
        @Element KV<String, Payment> element,
        @Timestamp Instant timestamp,
        @StateId(PENDING) BagState<TimestampedValue<Payment>> pending,
        @StateId(FLUSH_AT) ValueState<Instant> flushAt,
        @TimerId(FLUSH) Timer flush) {
      pending.add(TimestampedValue.of(element.getValue(), timestamp));
      Instant scheduled = flushAt.read();
      if (scheduled == null || timestamp.isBefore(scheduled)) {
        flush.set(timestamp);
        flushAt.write(timestamp);
      }
    }

    @OnTimer(FLUSH)
    public void onFlush(
        OnTimerContext context,
        @StateId(PENDING) BagState<TimestampedValue<Payment>> pending,
        @StateId(RECENT) BagState<Instant> recent,
        @StateId(FLUSH_AT) ValueState<Instant> flushAt,
        @TimerId(FLUSH) Timer flush,
        @TimerId(FORGET) Timer forget) {
      Instant watermarkPassed = context.fireTimestamp();
      List<Payment> ready = new ArrayList<>();
      List<TimestampedValue<Payment>> waiting = new ArrayList<>();
      for (TimestampedValue<Payment> held : pending.read()) {
        if (held.getTimestamp().isAfter(watermarkPassed)) {
          waiting.add(held);
        } else {
          ready.add(held.getValue());
        }
      }
      ready.sort(
          Comparator.comparing(Payment::getEventTime).thenComparing(Payment::getTransactionId));

      Instant keepFrom = watermarkPassed.minus(history);
      List<Instant> times = new ArrayList<>();
      for (Instant time : recent.read()) {
        if (!time.isBefore(keepFrom)) {
          times.add(time);
        }
      }
      for (Payment payment : ready) {
        times.add(payment.getEventTime());
        context.output(rules.score(payment, countInWindowEndingAt(times, payment.getEventTime())));
        scored.inc();
      }

      recent.clear();
      times.forEach(recent::add);
      times.stream()
          .max(Comparator.naturalOrder())
          // A sender who goes quiet must not keep state forever; the timer emits nothing, so it
          // holds no watermark.
          .ifPresent(latest -> forget.withNoOutputTimestamp().set(latest.plus(history)));
      pending.clear();
      waiting.forEach(pending::add);
      Instant next =
          waiting.stream().map(TimestampedValue::getTimestamp).min(Comparator.naturalOrder()).orElse(null);
      if (next == null) {
        flushAt.clear();
      } else {
        flush.set(next);
        flushAt.write(next);
      }
    }

    @OnTimer(FORGET)
    public void onForget(
        @StateId(PENDING) BagState<TimestampedValue<Payment>> pending,
        @StateId(RECENT) BagState<Instant> recent) {
      // Payments still waiting will be scored by a flush that sets this timer again.
      if (pending.isEmpty().read()) {
        recent.clear();
        forgotten.inc();
      }
    }

    /** Payments with event time in (end - window, end], the one at {@code end} included. */
    private int countInWindowEndingAt(List<Instant> times, Instant end) {
      Instant start = end.minus(rules.velocityWindow());
      int count = 0;
      for (Instant time : times) {
        if (time.isAfter(start) && !time.isAfter(end)) {
          count++;
        }
      }
      return count;
    }
  }
}
