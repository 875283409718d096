package dev.exactlyonce.payments.transforms.cdc;

import java.util.regex.Pattern;

/**
 * The order of changes to one row, in the form BigQuery's CDC takes as {@code
 * _CHANGE_SEQUENCE_NUMBER}: up to four hexadecimal sections separated by {@code /}, each an
 * unsigned 64-bit number, compared section by section. A change is written as {@code ts_ms/lsn}
 * (two sections of 16 digits): the later change time wins, and the log position breaks ties
 * between changes in the same millisecond, as the seed's {@code MERGE ... WHEN MATCHED AND s.ts_ms >
 * t.ts_ms} does with its LSN tie-break. Both come from the source database, so a replay of the same
 * change yields the same sequence and is ignored as not newer.
 */
public final class ChangeSequence {
  private static final Pattern FORM = Pattern.compile("[0-9A-Fa-f]{1,16}(/[0-9A-Fa-f]{1,16}){0,3}");

  private ChangeSequence() {}

  /** The sequence of a change at {@code tsMs} and log position {@code lsn} (0 when none). */
  public static String of(long tsMs, long lsn) {
    if (tsMs < 0) {
      throw new IllegalArgumentException("ts_ms must not be negative, was " + tsMs);
    }
    return String.format("%016x/%016x", tsMs, lsn);
  }

  /** Whether {@code sequence} is in BigQuery's form. */
  public static boolean isValid(String sequence) {
    return sequence != null && FORM.matcher(sequence).matches();
  }

  /**
   * Negative, zero or positive as {@code a} is older than, the same as, or newer than {@code b}. A
   * missing section counts as lower than any present one.
   */
  public static int compare(String a, String b) {
    String[] left = sections(a);
    String[] right = sections(b);
    for (int i = 0; i < Math.max(left.length, right.length); i++) {
      if (i >= left.length) {
        return -1;
      }
      if (i >= right.length) {
        return 1;
      }
      int order = Long.compareUnsigned(Long.parseUnsignedLong(left[i], 16), Long.parseUnsignedLong(right[i], 16));
      if (order != 0) {
        return order;
      }
    }
    return 0;
  }

  private static String[] sections(String sequence) {
    if (!isValid(sequence)) {
      throw new IllegalArgumentException("not a change sequence number: " + sequence);
    }
    return sequence.split("/");
  }
}
