package dev.exactlyonce.payments.pipeline;

import java.math.BigDecimal;
import java.util.Locale;
import org.joda.time.Duration;

/**
 * The checks every option of both pipelines goes through, each failure an {@link
 * InvalidOptionException} naming the option.
 */
public final class OptionChecks {
  private OptionChecks() {}

  public static String required(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidOptionException(option, "is required");
    }
    return value;
  }

  public static long atLeast(String option, Number value, long minimum) {
    if (value == null) {
      throw new InvalidOptionException(option, "is required");
    }
    if (value.longValue() < minimum) {
      throw new InvalidOptionException(option, "must be at least " + minimum + ", was " + value);
    }
    return value.longValue();
  }

  public static Duration secondsAtLeast(String option, Number seconds, long minimum) {
    return Duration.standardSeconds(atLeast(option, seconds, minimum));
  }

  public static Duration minutesAtLeast(String option, Number minutes, long minimum) {
    return Duration.standardMinutes(atLeast(option, minutes, minimum));
  }

  public static BigDecimal decimal(String option, String value) {
    required(option, value);
    try {
      return new BigDecimal(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidOptionException(option, "must be a decimal number, was " + value);
    }
  }

  /** {@code earliest} or {@code latest}, in lower case. */
  public static String startingOffsets(String value) {
    String lower = required("startingOffsets", value).toLowerCase(Locale.ROOT);
    if (!lower.equals("earliest") && !lower.equals("latest")) {
      throw new InvalidOptionException("startingOffsets", "must be earliest or latest, was " + value);
    }
    return lower;
  }
}
