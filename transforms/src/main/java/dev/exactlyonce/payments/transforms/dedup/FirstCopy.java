package dev.exactlyonce.payments.transforms.dedup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.joda.time.Instant;

/**
 * What {@code JudgeCopiesByShard} keeps per transaction: the first copy's event time, when copies were
 * first and last seen (Kafka timestamps), how many were dropped, and whether the audit row is
 * written. Read and written once per copy, so its coder is four variable-length longs and a flag
 * rather than a schema row; the transaction id is the map key and is not repeated in it.
 */
record FirstCopy(Instant eventTime, Instant firstSeenAt, Instant lastSeenAt, long duplicateCopies, boolean audited) {

  static FirstCopy of(Instant eventTime, Instant seenAt) {
    return new FirstCopy(eventTime, seenAt, seenAt, 0, false);
  }

  /** One more copy, seen at {@code seenAt}. */
  FirstCopy withCopySeenAt(Instant seenAt) {
    return new FirstCopy(
        eventTime,
        seenAt.isBefore(firstSeenAt) ? seenAt : firstSeenAt,
        seenAt.isAfter(lastSeenAt) ? seenAt : lastSeenAt,
        duplicateCopies + 1,
        audited);
  }

  FirstCopy withAuditWritten() {
    return new FirstCopy(eventTime, firstSeenAt, lastSeenAt, duplicateCopies, true);
  }

  /** Copies were dropped and their audit row is still to be written. */
  boolean auditPending() {
    return duplicateCopies > 0 && !audited;
  }

  /** Deterministic: equal values encode to equal bytes. */
  static final class Coder extends AtomicCoder<FirstCopy> {
    private static final Coder INSTANCE = new Coder();
    private static final VarLongCoder LONGS = VarLongCoder.of();
    private static final BooleanCoder FLAG = BooleanCoder.of();

    static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(FirstCopy value, OutputStream out) throws IOException {
      LONGS.encode(value.eventTime().getMillis(), out);
      LONGS.encode(value.firstSeenAt().getMillis(), out);
      LONGS.encode(value.lastSeenAt().getMillis(), out);
      LONGS.encode(value.duplicateCopies(), out);
      FLAG.encode(value.audited(), out);
    }

    @Override
    public FirstCopy decode(InputStream in) throws IOException {
      return new FirstCopy(
          new Instant(LONGS.decode(in)), new Instant(LONGS.decode(in)), new Instant(LONGS.decode(in)), LONGS.decode(in),
          FLAG.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
