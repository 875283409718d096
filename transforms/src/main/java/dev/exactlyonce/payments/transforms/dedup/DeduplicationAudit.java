package dev.exactlyonce.payments.transforms.dedup;

import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.SchemaCoders;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * Counts the copies of each transaction in its deduplication window and, when the window closes,
 * emits one {@link DuplicateAudit} per transaction that had more than one copy. Exactly one row
 * per duplicated transaction, so the audit table stays keyed by transaction id. The {@code
 * duplicates_dropped} counter rises as copies arrive.
 *
 * <p>Input: payments keyed by transaction id, already in their deduplication windows. Each is cut
 * down to a one-copy {@link DuplicateAudit} and keyed by a {@link #withShards shard} of its
 * transaction id, not by the id itself: the counts of a shard's transactions live in one map per
 * window, expired by one timer. Keyed by transaction id, every payment left a window-expiry timer
 * of its own, which the DirectRunner scans on every step and fires as a bundle of its own.
 */
public final class DeduplicationAudit
    extends PTransform<PCollection<KV<String, Payment>>, PCollection<DuplicateAudit>> {

  /**
   * Twice Flink's default 128 key groups, so a few subtasks get close to even shares (hashed into
   * key groups, about 17 of them get no shard); few enough that each key's map holds many
   * transactions. A job spread over many more subtasks wants more shards.
   */
  public static final int DEFAULT_SHARDS = 256;

  private final int shards;

  private DeduplicationAudit(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("audit shards must be at least 1, was " + shards);
    }
    this.shards = shards;
  }

  public static DeduplicationAudit create() {
    return new DeduplicationAudit(DEFAULT_SHARDS);
  }

  /** How many keys the transactions are spread over: the stage's parallelism. */
  public DeduplicationAudit withShards(int shards) {
    return new DeduplicationAudit(shards);
  }

  @Override
  public PCollection<DuplicateAudit> expand(PCollection<KV<String, Payment>> windowedPayments) {
    Coder<DuplicateAudit> auditCoder =
        SchemaCoders.of(windowedPayments.getPipeline(), DuplicateAudit.class);
    return windowedPayments
        .apply("OneCopySeen", ParDo.of(new OneCopySeenFn(shards)))
        .setCoder(KvCoder.of(VarIntCoder.of(), auditCoder))
        // Named apart from the step keyed by transaction id it replaced, so Flink refuses to restore
        // that step's state into this one (README, "Resuming after a crash").
        .apply("CountCopiesByShard", ParDo.of(new CountCopiesFn(auditCoder)))
        .setCoder(auditCoder);
  }

  /** The shard of a transaction: {@link String#hashCode()} is specified, so every JVM agrees. */
  private static int shardOf(String transactionId, int shards) {
    return Math.floorMod(transactionId.hashCode(), shards);
  }

  private static final class OneCopySeenFn
      extends DoFn<KV<String, Payment>, KV<Integer, DuplicateAudit>> {
    private final int shards;

    OneCopySeenFn(int shards) {
      this.shards = shards;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Payment> element, OutputReceiver<KV<Integer, DuplicateAudit>> out) {
      Payment copy = element.getValue();
      out.output(
          KV.of(
              shardOf(element.getKey(), shards),
              DuplicateAudit.of(
                  copy.getTransactionId(),
                  copy.getEventTime(),
                  copy.getReceivedAt(),
                  copy.getReceivedAt(),
                  0)));
    }
  }

  private static final class CountCopiesFn
      extends DoFn<KV<Integer, DuplicateAudit>, DuplicateAudit> {
    private static final String SEEN = "seen";

    @StateId(SEEN)
    private final StateSpec<MapState<String, DuplicateAudit>> seenSpec;

    private final Counter duplicates =
        Metrics.counter(DeduplicatePayments.class, "duplicates_dropped");

    CountCopiesFn(Coder<DuplicateAudit> auditCoder) {
      this.seenSpec = StateSpecs.map(StringUtf8Coder.of(), auditCoder);
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, DuplicateAudit> element,
        @StateId(SEEN) MapState<String, DuplicateAudit> seen) {
      DuplicateAudit copy = element.getValue();
      String transactionId = copy.getTransactionId();
      DuplicateAudit before = seen.get(transactionId).read();
      if (before == null) {
        seen.put(transactionId, copy);
        return;
      }
      duplicates.inc();
      seen.put(
          transactionId,
          DuplicateAudit.of(
              transactionId,
              before.getEventTime(),
              earlier(before.getFirstSeenAt(), copy.getFirstSeenAt()),
              later(before.getLastSeenAt(), copy.getLastSeenAt()),
              before.getDuplicateCopies() + copy.getDuplicateCopies() + 1));
    }

    private static Instant earlier(Instant a, Instant b) {
      return b.isBefore(a) ? b : a;
    }

    private static Instant later(Instant a, Instant b) {
      return b.isAfter(a) ? b : a;
    }

    @OnWindowExpiration
    public void onWindowClosed(
        @StateId(SEEN) MapState<String, DuplicateAudit> seen, OutputReceiver<DuplicateAudit> out) {
      for (Map.Entry<String, DuplicateAudit> transaction : seen.entries().read()) {
        if (transaction.getValue().getDuplicateCopies() > 0) {
          out.output(transaction.getValue());
        }
      }
    }
  }
}
