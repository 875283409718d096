package dev.exactlyonce.payments.transforms.dedup;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.time.EventTimeWindows;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.Deduplicate;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Drops every copy of a payment but one, by {@code transaction_id}, with {@link
 * Deduplicate#keyedValues()} under event-time windows.
 *
 * <p><b>Semantics.</b> Payments are windowed by their event time into windows of {@link
 * #withWindowSize window size}; every copy of a payment carries the same event time, so all copies
 * meet in the same window. The window stays open until the watermark passes its end plus the
 * {@link #withHorizon horizon}. Every copy that arrives while its window is open is compared with
 * the others; exactly one comes out on {@link #UNIQUE}. A copy that arrives after its window
 * closed cannot be compared any more: it comes out on {@link #LATE} as a dead letter, never
 * dropped and never passed on as new. So a payment is guaranteed to be deduplicated against
 * copies that arrive up to {@code horizon} after the watermark passed its event time, and up to
 * {@code horizon + window size} at most.
 *
 * <p><b>Why not the obvious configuration.</b> {@code Deduplicate} sets its expiry timer relative
 * to the input watermark. Payments read from a backlog before the first watermark advance get a
 * timer at the minimum timestamp plus the duration, which fires at the first advance, and their
 * copies later get through. Here the duration is effectively unbounded, so the timer always lands
 * at the window's end (Beam caps it there): state lives exactly as long as the window.
 *
 * <p>The input must come from a source that never emits behind its watermark (see {@code
 * PaymentTimestampPolicy}); element timestamps at or after a payment's event time say how late it
 * arrived.
 *
 * <p><b>Limits.</b> Copies that differ in event time are duplicates only if they fall in the same
 * window. State is one flag per transaction and window (plus the audit's counts, one map entry per
 * transaction), kept for about {@code horizon + window size} of event time.
 */
public final class DeduplicatePayments extends PTransform<PCollection<Payment>, PCollectionTuple> {

  /**
   * One copy of each payment, without its raw record ({@link Payment#getRawValue()} is null): past
   * this point no payment is dead-lettered as received.
   */
  public static final TupleTag<Payment> UNIQUE = new TupleTag<Payment>() {};
  public static final TupleTag<DeadLetter> LATE = new TupleTag<DeadLetter>() {};
  public static final TupleTag<DuplicateAudit> AUDIT = new TupleTag<DuplicateAudit>() {};

  public static final Duration DEFAULT_HORIZON = Duration.standardHours(1);
  /**
   * Every transaction of a window is forgotten at once when it closes, and the runner stalls while
   * it fires their timers: with ten seconds' worth of payments at a time, once the job had warmed
   * up, no row waited more than 2.5 s at 10,000 payments/s on 2 cores, where a minute's worth held
   * rows back for 7 s (docs/benchmarks.md).
   */
  public static final Duration DEFAULT_WINDOW_SIZE = Duration.standardSeconds(10);

  /**
   * Long enough that the watermark plus this is past the end of any window even while the
   * watermark is at its minimum, short enough not to overflow when added to a real watermark.
   */
  static final Duration UNTIL_WINDOW_CLOSES = Duration.millis(Long.MAX_VALUE / 256);

  private static final TupleTag<KV<String, Payment>> IN_TIME =
      new TupleTag<KV<String, Payment>>() {};

  private final Duration horizon;
  private final Duration windowSize;
  private final DeduplicationAudit audit;

  private DeduplicatePayments(Duration horizon, Duration windowSize, DeduplicationAudit audit) {
    if (!horizon.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("deduplication horizon must be positive, was " + horizon);
    }
    this.horizon = horizon;
    this.windowSize = windowSize;
    this.audit = audit;
  }

  public static DeduplicatePayments create() {
    return new DeduplicatePayments(DEFAULT_HORIZON, DEFAULT_WINDOW_SIZE, DeduplicationAudit.create());
  }

  /** How long after the watermark passes a payment's event time its copies are still caught. */
  public DeduplicatePayments withHorizon(Duration horizon) {
    return new DeduplicatePayments(horizon, windowSize, audit);
  }

  /** Granularity of the event-time windows; the horizon's precision. */
  public DeduplicatePayments withWindowSize(Duration windowSize) {
    return new DeduplicatePayments(horizon, windowSize, audit);
  }

  /** How many keys the audit spreads transactions over (see {@link DeduplicationAudit}). */
  public DeduplicatePayments withAuditShards(int shards) {
    return new DeduplicatePayments(horizon, windowSize, audit.withShards(shards));
  }

  /**
   * How far behind the watermark a payment can still come out on {@link #UNIQUE}: a copy is
   * compared, and the first let through, until its window closes, up to the horizon plus a window
   * after its event time. Later stages keep their state that long.
   */
  public Duration latestPassThrough() {
    return horizon.plus(windowSize);
  }

  /** The windows this transform deduplicates in. */
  public EventTimeWindows<KV<String, Payment>> windows() {
    return EventTimeWindows.<KV<String, Payment>>of(
            windowSize, keyed -> keyed.getValue().getEventTime())
        .extendedBy(horizon);
  }

  @Override
  public PCollectionTuple expand(PCollection<Payment> payments) {
    EventTimeWindows<KV<String, Payment>> windows = windows();
    PCollectionTuple routed =
        payments.apply(
            "RouteLatePayments",
            ParDo.of(new RouteLateFn(windows)).withOutputTags(IN_TIME, TupleTagList.of(LATE)));
    PCollection<KV<String, Payment>> windowed =
        routed.get(IN_TIME).apply("EventTimeWindows", Window.into(windows));
    PCollection<Payment> unique =
        windowed
            .apply(
                "DeduplicateByTransactionId",
                Deduplicate.<String, Payment>keyedValues()
                    .withTimeDomain(TimeDomain.EVENT_TIME)
                    .withDuration(UNTIL_WINDOW_CLOSES))
            .apply("DropKeys", Values.create());
    PCollection<DuplicateAudit> audits = windowed.apply("DeduplicationAudit", audit);
    return PCollectionTuple.of(UNIQUE, unique).and(LATE, routed.get(LATE)).and(AUDIT, audits);
  }

  /**
   * Splits off payments whose window has already closed, before the stateful stages that would
   * drop them without a trace.
   */
  private static final class RouteLateFn extends DoFn<Payment, KV<String, Payment>> {
    private final EventTimeWindows<KV<String, Payment>> windows;
    private final Counter late = Metrics.counter(DeduplicatePayments.class, "payments_late");

    RouteLateFn(EventTimeWindows<KV<String, Payment>> windows) {
      this.windows = windows;
    }

    @ProcessElement
    public void process(@Element Payment payment, @Timestamp Instant arrival, MultiOutputReceiver out) {
      IntervalWindow window = windows.windowFor(payment.getEventTime());
      if (arrival.isAfter(window.maxTimestamp())) {
        late.inc();
        out.get(LATE).output(lateDeadLetter(payment, arrival, window));
      } else {
        out.get(IN_TIME)
            .output(KV.of(payment.getTransactionId(), payment.toBuilder().setRawValue(null).build()));
      }
    }

    private static DeadLetter lateDeadLetter(Payment payment, Instant arrival, IntervalWindow window) {
      return DeadLetter.builder()
          .setErrorKind(ErrorKind.LATE)
          .setMessage(
              "arrived at watermark "
                  + arrival
                  + ", after deduplication for event time "
                  + payment.getEventTime()
                  + " closed at "
                  + window.maxTimestamp())
          .setSource(payment.getSource())
          .setRawKey(payment.getTransactionId().getBytes(StandardCharsets.UTF_8))
          .setRawValue(payment.getRawValue())
          .setTransactionId(payment.getTransactionId())
          .setEventTime(payment.getEventTime())
          .setReceivedAt(payment.getReceivedAt())
          .build();
    }
  }
}
