package dev.exactlyonce.payments.transforms.dedup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.joda.time.Instant;

/**
 * What {@code JudgeCopies} keeps per transaction: the first copy's event time, when copies were
 * first and last seen (Kafka timestamps), and how many were dropped. Read and written once per
 * copy, so its coder is four variable-length longs rather than a schema row; the transaction id is
 * the state's key and is not repeated in it.
 */
record FirstCopy(Instant eventTime, Instant firstSeenAt, Instant lastSeenAt, long duplicateCopies) {

  static FirstCopy of(Instant eventTime, Instant seenAt) {
    return new FirstCopy(eventTime, seenAt, seenAt, 0);
  }

  /** One more copy, seen at {@code seenAt}. */
  FirstCopy withCopySeenAt(Instant seenAt) {
    return new FirstCopy(
        eventTime,
        seenAt.isBefore(firstSeenAt) ? seenAt : firstSeenAt,
        seenAt.isAfter(lastSeenAt) ? seenAt : lastSeenAt,
        duplicateCopies + 1);
  }

  /** Deterministic: equal values encode to equal bytes. */
  static final class Coder extends AtomicCoder<FirstCopy> {
    private static final Coder INSTANCE = new Coder();
    private static final VarLongCoder LONGS = VarLongCoder.of();

    static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(FirstCopy value, OutputStream out) throws IOException {
      LONGS.encode(value.eventTime().getMillis(), out);
      LONGS.encode(value.firstSeenAt().getMillis(), out);
      LONGS.encode(value.lastSeenAt().getMillis(), out);
      LONGS.encode(value.duplicateCopies(), out);
    }

    @Override
    public FirstCopy decode(InputStream in) throws IOException {
      return new FirstCopy(
          new Instant(LONGS.decode(in)), new Instant(LONGS.decode(in)), new Instant(LONGS.decode(in)), LONGS.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
