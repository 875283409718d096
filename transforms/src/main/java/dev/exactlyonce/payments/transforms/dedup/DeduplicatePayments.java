package dev.exactlyonce.payments.transforms.dedup;

import dev.exactlyonce.payments.transforms.time.MirroredTimer;
import dev.exactlyonce.payments.transforms.time.TimeBounds;
import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.PaymentCoder;
import dev.exactlyonce.payments.model.ModelCoders;
import dev.exactlyonce.payments.transforms.time.EventTimeWindows;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Deduplicate;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Drops every copy of a payment but the first, by {@code transaction_id}, whatever event time each
 * copy carries, with {@link Deduplicate#keyedValues()}.
 *
 * <p><b>Semantics.</b> Each copy has an <i>arrival</i>: its Kafka record's timestamp, which every
 * reading of the record sees the same (see {@link #arrivalOf}). The first copy of a transaction to
 * arrive on time is kept; its event time is the payment's. Every later copy whose arrival is at
 * most {@link #withHorizon horizon} after that first copy's event time is a duplicate, whether
 * its own {@code event_time} is the same, later or earlier (a producer that re-serialises a
 * payment on retry stamps it anew). A copy arriving after that goes to {@link #LATE} as a dead
 * letter, and so does a transaction never seen before that arrives more than the horizon after its
 * own event time. Nothing is dropped without a trace and nothing is passed on twice.
 *
 * <p><b>Why arrival, not the watermark.</b> A verdict taken against the watermark depends on when
 * the record is read: a replay after a restore, or a backlog read later, could decide otherwise,
 * and the first reading's row would then stand beside the replay's LATE dead letter. The Kafka
 * timestamp is part of the record, so every reading decides the same.
 *
 * <p><b>How.</b> {@code JudgeCopiesByShard}, in the global window, keeps the first copy's event time
 * and copy count per transaction (in one map per {@link #withShards shard} of the transaction
 * ids), decides LATE, and hands every copy that is not LATE to
 * {@code Deduplicate}, carrying the first copy's event time. The copies of a transaction therefore
 * meet in one event-time window however far apart their own event times were, and {@code
 * Deduplicate} drops all but the first there. Both keep state by absolute event time, never
 * relative to a watermark that is still at its minimum while a backlog is read.
 *
 * <p><b>Limits.</b> A copy whose event time is more than the horizon after its first copy's can be
 * taken for a new payment once the first copy is forgotten. A transaction's state lives until the
 * watermark passes its first event time plus twice the horizon plus the clock skew, and up to a
 * quarter of the horizon more; its audit row comes out once the watermark passes the first event
 * time plus {@link #latestPassThrough()}, at the shard's next sweep (up to a quarter of the horizon
 * later). The
 * verdict equals the Kafka-timestamp one as long as a partition's Kafka timestamps do not run
 * backwards by more than the clock skew minus the out-of-orderness bound (see {@link #arrivalOf}).
 */
public final class DeduplicatePayments extends PTransform<PCollection<Payment>, PCollectionTuple> {

  /**
   * One copy of each payment, without its raw record ({@link Payment#getRawValue()} is null): past
   * this point no payment is dead-lettered as received.
   */
  public static final TupleTag<Payment> UNIQUE = new TupleTag<Payment>() {};
  public static final TupleTag<DeadLetter> LATE = new TupleTag<DeadLetter>() {};
  public static final TupleTag<DuplicateAudit> AUDIT = new TupleTag<DuplicateAudit>() {};

  /**
   * Granularity of {@code Deduplicate}'s state: a window's flags are forgotten together when it
   * closes, and the runner stalls while it fires their timers, so windows stay short.
   */
  public static final Duration DEFAULT_WINDOW_SIZE = Duration.standardSeconds(10);

  /**
   * Twice Flink's default 128 key groups, so that the subtasks get close to even shares; few
   * enough that each shard's map holds many transactions. A job spread over many more subtasks
   * wants more shards ({@link #withShards}).
   */
  public static final int DEFAULT_SHARDS = 256;

  /**
   * A shard is swept for due audits and forgettable transactions at most this many times per
   * horizon: each sweep reads the shard's whole map, and an audit row comes out up to a horizon
   * over this after its time.
   */
  static final int SWEEPS_PER_HORIZON = 4;

  /**
   * Long enough that the watermark plus this is past the end of any window even while the
   * watermark is at its minimum, short enough not to overflow when added to a real watermark: Beam
   * then caps {@code Deduplicate}'s timer at the window's end.
   */
  static final Duration UNTIL_WINDOW_CLOSES = Duration.millis(Long.MAX_VALUE / 256);

  private static final TupleTag<KV<String, Payment>> IN_TIME =
      new TupleTag<KV<String, Payment>>() {};

  private final Duration horizon;
  private final Duration windowSize;
  private final Duration maxClockSkew;
  private final int shards;

  private DeduplicatePayments(Duration horizon, Duration windowSize, Duration maxClockSkew, int shards) {
    if (!horizon.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("deduplication horizon must be positive, was " + horizon);
    }
    if (maxClockSkew.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("clock skew must not be negative, was " + maxClockSkew);
    }
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, was " + shards);
    }
    this.horizon = horizon;
    this.windowSize = windowSize;
    this.maxClockSkew = maxClockSkew;
    this.shards = shards;
  }

  public static DeduplicatePayments create() {
    return new DeduplicatePayments(
        TimeBounds.DEFAULT_HORIZON, DEFAULT_WINDOW_SIZE, TimeBounds.DEFAULT_MAX_CLOCK_SKEW, DEFAULT_SHARDS);
  }

  /** How long after a payment's first event time its copies are still caught. */
  public DeduplicatePayments withHorizon(Duration horizon) {
    return new DeduplicatePayments(horizon, windowSize, maxClockSkew, shards);
  }

  /** Granularity of the event-time windows {@code Deduplicate} keeps its flags in. */
  public DeduplicatePayments withWindowSize(Duration windowSize) {
    return new DeduplicatePayments(horizon, windowSize, maxClockSkew, shards);
  }

  /**
   * The parser's bound on how far an event time may be ahead of its Kafka timestamp: no record is
   * stamped further than this after its arrival, and state is kept this much longer.
   */
  public DeduplicatePayments withMaxClockSkew(Duration maxClockSkew) {
    return new DeduplicatePayments(horizon, windowSize, maxClockSkew, shards);
  }

  /** How many keys {@code JudgeCopiesByShard} spreads the transactions over: the most it runs in parallel. */
  public DeduplicatePayments withShards(int shards) {
    return new DeduplicatePayments(horizon, windowSize, maxClockSkew, shards);
  }

  /** The shard of a transaction: {@link String#hashCode()} is specified, so every JVM agrees. */
  static int shardOf(String transactionId, int shards) {
    return Math.floorMod(transactionId.hashCode(), shards);
  }

  /**
   * How far behind the watermark a payment can still come out on {@link #UNIQUE}: it arrived at
   * most the horizon after its event time, and was stamped at most the clock skew after it
   * arrived. Later stages keep their state that long.
   */
  public Duration latestPassThrough() {
    return TimeBounds.latestPassThrough(horizon, maxClockSkew);
  }

  /**
   * The moment a copy is judged by: its Kafka timestamp, unless its element timestamp is more
   * than the clock skew after that. It never is while a partition's Kafka timestamps do not run
   * backwards (the timestamp policy stamps a record at its event time, which the parser bounds by
   * the Kafka timestamp plus the skew, or at a watermark made of earlier records' event times or a
   * clock reading that the record's append came after). Taking the later of the two keeps the
   * state a copy needs alive whatever the Kafka timestamps say.
   */
  static Instant arrivalOf(Payment copy, Instant elementTimestamp, Duration maxClockSkew) {
    Instant bound = elementTimestamp.minus(maxClockSkew);
    return bound.isAfter(copy.getReceivedAt()) ? bound : copy.getReceivedAt();
  }

  /** The windows {@code Deduplicate} runs in, chosen by the first copy's event time. */
  EventTimeWindows<KV<String, Payment>> windows() {
    return EventTimeWindows.<KV<String, Payment>>of(
            windowSize, keyed -> keyed.getValue().getEventTime())
        .extendedBy(latestPassThrough());
  }

  @Override
  public PCollectionTuple expand(PCollection<Payment> payments) {
    Coder<Payment> paymentCoder = PaymentCoder.of();
    PCollectionTuple judged =
        payments
            .apply(
                "KeyByShardOfTransactionId",
                WithKeys.of((Payment payment) -> shardOf(payment.getTransactionId(), shards))
                    .withKeyType(TypeDescriptors.integers()))
            .setCoder(KvCoder.of(VarIntCoder.of(), paymentCoder))
            // Named apart from the fifth pass's step keyed by transaction id, so that Flink refuses
            // to restore that step's state into this one (README, "Resuming after a crash").
            .apply(
                "JudgeCopiesByShard",
                ParDo.of(new JudgeCopiesFn(horizon, maxClockSkew))
                    .withOutputTags(IN_TIME, TupleTagList.of(LATE).and(AUDIT)));
    judged.get(IN_TIME).setCoder(KvCoder.of(StringUtf8Coder.of(), paymentCoder));
    judged.get(LATE).setCoder(ModelCoders.of(payments.getPipeline(), DeadLetter.class));
    judged.get(AUDIT).setCoder(ModelCoders.of(payments.getPipeline(), DuplicateAudit.class));

    PCollection<Payment> unique = keepFirstCopies(judged.get(IN_TIME)).apply("DropKeys", Values.create());
    return PCollectionTuple.of(UNIQUE, unique)
        .and(LATE, judged.get(LATE))
        .and(AUDIT, judged.get(AUDIT));
  }

  /**
   * {@code Deduplicate.keyedValues()} by transaction id, in the event-time windows of each
   * payment's event time: the first copy's, once judged. Applied in the caller's scope, so the
   * steps keep their names (and their state) wherever they have run before. Public for the
   * benchmark, which measures this step without the judging in front of it.
   */
  public PCollection<KV<String, Payment>> keepFirstCopies(PCollection<KV<String, Payment>> byTransactionId) {
    return byTransactionId
        .apply("FirstCopyEventTimeWindows", Window.into(windows()))
        .apply(
            "DeduplicateByTransactionId",
            Deduplicate.<String, Payment>keyedValues()
                .withTimeDomain(TimeDomain.EVENT_TIME)
                .withDuration(UNTIL_WINDOW_CLOSES));
  }

  /**
   * Per transaction: the first copy's event time, when copies were seen and how many were
   * dropped. Splits off LATE copies before the stages that would drop them without a trace, and
   * writes the audit once no copy can be a duplicate any more.
   *
   * <p>Keyed by a {@link #shardOf shard} of the transaction id: a shard's transactions are one map,
   * swept by one timer. Keyed by transaction id, every payment paid for a timer of its own, set,
   * fired and cleared one by one; on RocksDB that is a handful of native calls per payment, and
   * the runner's machinery for each firing on top (docs/benchmarks.md, sixth pass).
   */
  private static final class JudgeCopiesFn extends DoFn<KV<Integer, Payment>, KV<String, Payment>> {
    private static final String FIRST_COPIES = "firstCopies";
    private static final String NEXT_SWEEP = "nextSweep";
    private static final String SWEEP = "sweep";

    @StateId(FIRST_COPIES)
    private final StateSpec<MapState<String, FirstCopy>> firstCopiesSpec =
        StateSpecs.map(StringUtf8Coder.of(), FirstCopy.Coder.of());

    /** When the sweep timer is set for; a timer cannot be read back. */
    @StateId(NEXT_SWEEP)
    private final StateSpec<ValueState<Instant>> nextSweepSpec = StateSpecs.value(InstantCoder.of());

    @TimerId(SWEEP)
    private final TimerSpec sweepSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    private final Duration horizon;
    private final Duration maxClockSkew;
    private final long sweepEveryMillis;
    private final Counter late = PipelineCounters.counter(PipelineCounters.PAYMENTS_LATE);
    private final Counter duplicates = PipelineCounters.counter(PipelineCounters.DUPLICATES_DROPPED);
    private final Counter accepted = PipelineCounters.counter(PipelineCounters.PAYMENTS_ACCEPTED);

    JudgeCopiesFn(Duration horizon, Duration maxClockSkew) {
      this.horizon = horizon;
      this.maxClockSkew = maxClockSkew;
      this.sweepEveryMillis = Math.max(1, horizon.getMillis() / SWEEPS_PER_HORIZON);
    }

    /**
     * Once the watermark is past this, no copy can arrive within the horizon of the first: the
     * audit is final. One millisecond on, because a timer fires once the watermark reaches it.
     */
    private Instant auditAt(Instant firstEventTime) {
      return firstEventTime.plus(horizon).plus(maxClockSkew).plus(Duration.millis(1));
    }

    /**
     * A copy whose own event time is up to the horizon after the first's is LATE by its own
     * horizon once this has passed, so the first copy can be forgotten without letting it through.
     */
    private Instant forgetAt(Instant firstEventTime) {
      return auditAt(firstEventTime).plus(horizon);
    }

    /** What the next sweep must do for this transaction, and from when. */
    private Instant dueAt(FirstCopy first) {
      return first.auditPending() ? auditAt(first.eventTime()) : forgetAt(first.eventTime());
    }

    /**
     * Sweeps fall on multiples of the sweep interval, so that one sweep serves every transaction
     * due in the interval before it: a transaction's audit and forgetting come up to one interval
     * after their time.
     */
    private Instant sweepFor(Instant due) {
      long millis = due.getMillis();
      return new Instant(Math.floorDiv(millis, sweepEveryMillis) * sweepEveryMillis
          + (Math.floorMod(millis, sweepEveryMillis) == 0 ? 0 : sweepEveryMillis));
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Payment> element,
        @Timestamp Instant timestamp,
        @StateId(FIRST_COPIES) MapState<String, FirstCopy> firstCopies,
        @StateId(NEXT_SWEEP) ValueState<Instant> nextSweep,
        @TimerId(SWEEP) Timer sweep,
        MultiOutputReceiver out) {
      Payment copy = element.getValue();
      String transactionId = copy.getTransactionId();
      Instant arrival = arrivalOf(copy, timestamp, maxClockSkew);
      FirstCopy first = firstCopies.get(transactionId).read();
      Instant firstEventTime = first == null ? copy.getEventTime() : first.eventTime();
      Instant deadline = firstEventTime.plus(horizon);
      if (arrival.isAfter(deadline)) {
        late.inc();
        out.get(LATE).output(lateDeadLetter(copy, arrival, deadline, first != null));
        return;
      }
      Payment kept = copy.toBuilder().setRawValue(null).setEventTime(firstEventTime).build();
      FirstCopy now;
      if (first == null) {
        accepted.inc();
        now = FirstCopy.of(firstEventTime, copy.getReceivedAt());
      } else {
        duplicates.inc();
        now = first.withCopySeenAt(copy.getReceivedAt());
      }
      firstCopies.put(transactionId, now);
      if (first == null || first.duplicateCopies() == 0) {
        // New, or newly copied: due earlier than anything this transaction was due for before.
        // Never before the element: a timer's output may not precede the element's timestamp.
        Instant at = sweepFor(dueAt(now));
        MirroredTimer.setUnlessEarlier(sweep, nextSweep, at.isBefore(timestamp) ? timestamp : at);
      }
      out.get(IN_TIME).output(KV.of(transactionId, kept));
    }

    @OnTimer(SWEEP)
    public void onSweep(
        OnTimerContext context,
        @StateId(FIRST_COPIES) MapState<String, FirstCopy> firstCopies,
        @StateId(NEXT_SWEEP) ValueState<Instant> nextSweep,
        @TimerId(SWEEP) Timer sweep) {
      Instant now = context.fireTimestamp();
      List<String> forgotten = new ArrayList<>();
      Map<String, FirstCopy> audited = new HashMap<>();
      Instant nextDue = null;
      for (Map.Entry<String, FirstCopy> entry : firstCopies.entries().read()) {
        FirstCopy first = entry.getValue();
        if (first.auditPending() && !now.isBefore(auditAt(first.eventTime()))) {
          context.output(
              AUDIT,
              DuplicateAudit.of(
                  entry.getKey(), first.eventTime(), first.firstSeenAt(), first.lastSeenAt(), first.duplicateCopies()));
          first = first.withAuditWritten();
        }
        if (!now.isBefore(forgetAt(first.eventTime()))) {
          forgotten.add(entry.getKey());
          continue;
        }
        if (first != entry.getValue()) {
          audited.put(entry.getKey(), first);
        }
        if (nextDue == null || dueAt(first).isBefore(nextDue)) {
          nextDue = dueAt(first);
        }
      }
      // Changed after the read, not while iterating it: a state backend may read the map lazily.
      forgotten.forEach(firstCopies::remove);
      audited.forEach(firstCopies::put);
      Instant next = null;
      if (nextDue != null) {
        Instant at = sweepFor(nextDue);
        next = at.isAfter(now) ? at : now.plus(Duration.millis(1));
      }
      MirroredTimer.set(sweep, nextSweep, next);
    }

    private static DeadLetter lateDeadLetter(
        Payment copy, Instant arrival, Instant deadline, boolean seenBefore) {
      return DeadLetter.builder()
          .setErrorKind(ErrorKind.LATE)
          .setMessage(
              "arrived at "
                  + arrival
                  + ", after deduplication for "
                  + (seenBefore ? "its first copy" : "it")
                  + " closed at "
                  + deadline
                  + " (event time plus the horizon)")
          .setSource(copy.getSource())
          .setRawKey(copy.getTransactionId().getBytes(StandardCharsets.UTF_8))
          .setRawValue(copy.getRawValue())
          .setTransactionId(copy.getTransactionId())
          .setEventTime(copy.getEventTime())
          .setReceivedAt(copy.getReceivedAt())
          .build();
    }
  }
}
