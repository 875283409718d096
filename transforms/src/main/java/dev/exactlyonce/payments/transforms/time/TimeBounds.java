package dev.exactlyonce.payments.transforms.time;

import org.joda.time.Duration;

/**
 * The time bounds the stages agree on, as plain values, so that no stage imports another for its
 * defaults: parsing and the timestamp policy refuse event times further ahead than the clock skew,
 * deduplication catches copies within the horizon, and the stages after it keep their state as long
 * as deduplication may still let a payment through.
 */
public final class TimeBounds {
  /** How long after a payment's first event time its copies are still caught. */
  public static final Duration DEFAULT_HORIZON = Duration.standardHours(1);

  /** How far an event time may be ahead of its Kafka record's timestamp. */
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.standardMinutes(5);

  /** {@link #latestPassThrough} of the defaults. */
  public static final Duration DEFAULT_LATEST_PASS_THROUGH = latestPassThrough(DEFAULT_HORIZON, DEFAULT_MAX_CLOCK_SKEW);

  private TimeBounds() {}

  /**
   * How far behind the watermark a payment can still come out of deduplication: it arrived at most
   * the horizon after its event time, and was stamped at most the clock skew after it arrived.
   * Fraud scoring's history and the metrics' allowed lateness last this long, or a late payment
   * would miss its neighbours or its window.
   */
  public static Duration latestPassThrough(Duration horizon, Duration maxClockSkew) {
    return horizon.plus(maxClockSkew);
  }
}
