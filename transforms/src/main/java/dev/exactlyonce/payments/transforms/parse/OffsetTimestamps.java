package dev.exactlyonce.payments.transforms.parse;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.checkerframework.checker.nullness.qual.Nullable;

/** RFC 3339 timestamps with their offset, as payments carry them. */
final class OffsetTimestamps {
  /** What one digit of a fraction of a second is worth, by its place after the point. */
  private static final int[] NANOS_PER_DIGIT = {
    100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1
  };

  private OffsetTimestamps() {}

  /**
   * The timestamp as {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} reads it. The usual shape,
   * {@code yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:MM)}, is read by position: the formatter took half
   * of parsing's time, and every record is parsed twice (docs/benchmarks.md, tenth pass). Anything
   * else, or anything out of range, goes to the formatter, which has the last word.
   */
  static OffsetDateTime parse(String text) {
    OffsetDateTime usual = usualShape(text);
    return usual != null ? usual : OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
  }

  static @Nullable OffsetDateTime usualShape(String text) {
    int length = text.length();
    if (length < 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
        || text.charAt(13) != ':' || text.charAt(16) != ':') {
      return null;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    if ((year | month | day | hour | minute | second) < 0) {
      return null;
    }
    int at = 19;
    int nanos = 0;
    if (text.charAt(at) == '.') {
      int start = ++at;
      while (at < length && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
        at++;
      }
      int count = at - start;
      if (count == 0 || count > NANOS_PER_DIGIT.length) {
        return null;
      }
      nanos = digits(text, start, count) * NANOS_PER_DIGIT[count - 1];
    }
    try {
      ZoneOffset offset;
      if (at == length - 1 && text.charAt(at) == 'Z') {
        offset = ZoneOffset.UTC;
      } else if (at == length - 6 && (text.charAt(at) == '+' || text.charAt(at) == '-') && text.charAt(at + 3) == ':') {
        int sign = text.charAt(at) == '+' ? 1 : -1;
        int offsetHours = digits(text, at + 1, 2);
        int offsetMinutes = digits(text, at + 4, 2);
        if ((offsetHours | offsetMinutes) < 0) {
          return null;
        }
        offset = ZoneOffset.ofHoursMinutes(sign * offsetHours, sign * offsetMinutes);
      } else {
        return null;
      }
      return OffsetDateTime.of(year, month, day, hour, minute, second, nanos, offset);
    } catch (DateTimeException outOfRange) {
      return null;
    }
  }

  /** The number written in {@code count} decimal digits from {@code from}, or -1. */
  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
