package dev.exactlyonce.payments.local.simulator;

import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * What the simulator sends: how many payments, how fast, over how much event time, and how often
 * each kind of trouble is injected (probabilities per payment).
 *
 * @param payments unique payments to send
 * @param ratePerSecond records per second of wall-clock time
 * @param seed makes the whole run, ledger included, reproducible
 * @param accounts size of the account population
 * @param eventTimeSpan event time covered by the run; event times end at {@code end}
 * @param end event time of the last payment (usually now: event times never run ahead of the clock)
 * @param retryRate a producer retry resends the payment right away
 * @param replayRate a replay resends the last few payments (an offset range)
 * @param rebalanceRate a consumer rebalance re-delivers recent payments a little later
 * @param outOfOrderRate the payment's event time is up to {@code outOfOrderBy} in the past
 * @param lateRate the payment's event time is {@code lateBy} in the past: later than the horizon
 * @param malformedRate a malformed record (every kind in turn) goes out
 * @param regeneratedRetryRate a producer retry re-serialises the payment: same transaction id, the
 *     event time moved by 1 s up to {@code maxRetryDrift}, later or earlier
 * @param maxRetryDrift the largest such move
 */
public record SimulatorSettings(
    long payments,
    int ratePerSecond,
    long seed,
    int accounts,
    Duration eventTimeSpan,
    Instant end,
    double retryRate,
    double replayRate,
    double rebalanceRate,
    double outOfOrderRate,
    Duration outOfOrderBy,
    double lateRate,
    Duration lateBy,
    double malformedRate,
    double regeneratedRetryRate,
    Duration maxRetryDrift) {

  private static final Duration MIN_RETRY_DRIFT = Duration.standardSeconds(1);

  public SimulatorSettings {
    if (payments < 0 || ratePerSecond < 1 || accounts < 2) {
      throw new IllegalArgumentException("need payments >= 0, rate >= 1, accounts >= 2");
    }
    if (maxRetryDrift.isShorterThan(MIN_RETRY_DRIFT)) {
      throw new IllegalArgumentException("the largest retry drift must be at least 1 s, was " + maxRetryDrift);
    }
    for (double rate : new double[] {retryRate, replayRate, rebalanceRate, outOfOrderRate, lateRate, malformedRate, regeneratedRetryRate}) {
      if (rate < 0 || rate > 1) {
        throw new IllegalArgumentException("injection rates are probabilities in [0, 1], got " + rate);
      }
    }
  }

  /** About 10,000 payments with a few percent duplicates, some late, some malformed. */
  public static SimulatorSettings defaults(Instant end) {
    return new SimulatorSettings(
        10_000,
        2_000,
        42,
        2_000,
        Duration.standardMinutes(30),
        end,
        0.02,
        0.002,
        0.002,
        0.02,
        Duration.standardMinutes(5),
        0.002,
        Duration.standardHours(3),
        0.005,
        0.02,
        Duration.standardMinutes(4));
  }

  public SimulatorSettings withPayments(long count) {
    return new SimulatorSettings(count, ratePerSecond, seed, accounts, eventTimeSpan, end, retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate, regeneratedRetryRate, maxRetryDrift);
  }

  public SimulatorSettings withRate(int perSecond) {
    return new SimulatorSettings(payments, perSecond, seed, accounts, eventTimeSpan, end, retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate, regeneratedRetryRate, maxRetryDrift);
  }

  public SimulatorSettings withSeed(long newSeed) {
    return new SimulatorSettings(payments, ratePerSecond, newSeed, accounts, eventTimeSpan, end, retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate, regeneratedRetryRate, maxRetryDrift);
  }

  /**
   * Event times that follow the clock from {@code start}, one payment per {@code 1/rate} second, as
   * a live source sends them. Past event times would fall behind the watermark of a caught-up
   * partition, which follows the clock.
   */
  public SimulatorSettings inRealTime(Instant start) {
    Duration span = Duration.millis(Math.max(1, payments * 1000 / ratePerSecond));
    return new SimulatorSettings(payments, ratePerSecond, seed, accounts, span, start.plus(span), retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate, regeneratedRetryRate, maxRetryDrift);
  }

  /**
   * Payments that stay what the ledger calls them under a pipeline with this deduplication
   * horizon, out-of-orderness bound and clock skew. The pipeline judges lateness by how long after
   * its event time a record reached Kafka, so the event times of on-time payments span at most
   * half the horizon, out-of-order ones go back at most a quarter more, and a regenerated retry
   * drifts at most an eighth, and less than half the clock skew ahead: none of them is ever
   * LATE or ahead of its record. Late ones are late by more than horizon, bound and an hour, so
   * always LATE. Without this, a short horizon made on-time payments LATE, a long one let late
   * ones through, and reconciliation failed a pipeline that was right.
   */
  public SimulatorSettings fittedTo(Duration horizon, Duration outOfOrderness, Duration maxClockSkew) {
    Duration span = shortest(eventTimeSpan, horizon.dividedBy(2));
    Duration outOfOrder = shortest(outOfOrderBy, horizon.dividedBy(4));
    Duration drift = longest(MIN_RETRY_DRIFT, shortest(maxRetryDrift, shortest(horizon.dividedBy(8), maxClockSkew.dividedBy(2))));
    Duration surelyLate = horizon.plus(outOfOrderness).plus(Duration.standardHours(1));
    return new SimulatorSettings(payments, ratePerSecond, seed, accounts, span, end, retryRate, replayRate,
        rebalanceRate, outOfOrderRate, outOfOrder, lateRate, longest(lateBy, surelyLate), malformedRate,
        regeneratedRetryRate, drift);
  }

  private static Duration shortest(Duration a, Duration b) {
    return a.isShorterThan(b) ? a : b;
  }

  private static Duration longest(Duration a, Duration b) {
    return a.isLongerThan(b) ? a : b;
  }

  /** Regenerated retries at this rate (probability per payment); 0 turns them off. */
  public SimulatorSettings withRegeneratedRetries(double rate) {
    return new SimulatorSettings(payments, ratePerSecond, seed, accounts, eventTimeSpan, end, retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate, rate, maxRetryDrift);
  }

  /** Every injection at a rate high enough to occur many times even in a run of a few hundred. */
  public SimulatorSettings withFrequentTrouble() {
    return withInjectionRates(0.05, 0.01, 0.01, 0.05, 0.01, 0.02).withRegeneratedRetries(0.05);
  }

  public SimulatorSettings withInjectionRates(
      double retry, double replay, double rebalance, double outOfOrder, double late, double malformed) {
    return new SimulatorSettings(payments, ratePerSecond, seed, accounts, eventTimeSpan, end, retry, replay, rebalance, outOfOrder, outOfOrderBy, late, lateBy, malformed, regeneratedRetryRate, maxRetryDrift);
  }
}
