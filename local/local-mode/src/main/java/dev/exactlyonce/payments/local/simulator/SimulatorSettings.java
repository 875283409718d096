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
    double malformedRate) {

  public SimulatorSettings {
    if (payments < 0 || ratePerSecond < 1 || accounts < 2) {
      throw new IllegalArgumentException("need payments >= 0, rate >= 1, accounts >= 2");
    }
    for (double rate : new double[] {retryRate, replayRate, rebalanceRate, outOfOrderRate, lateRate, malformedRate}) {
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
        0.005);
  }

  public SimulatorSettings withPayments(long count) {
    return new SimulatorSettings(count, ratePerSecond, seed, accounts, eventTimeSpan, end, retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate);
  }

  public SimulatorSettings withRate(int perSecond) {
    return new SimulatorSettings(payments, perSecond, seed, accounts, eventTimeSpan, end, retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate);
  }

  public SimulatorSettings withSeed(long newSeed) {
    return new SimulatorSettings(payments, ratePerSecond, newSeed, accounts, eventTimeSpan, end, retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate);
  }

  /**
   * Event times that follow the clock from {@code start}, one payment per {@code 1/rate} second, as
   * a live source sends them. Past event times would fall behind the watermark of a caught-up
   * partition, which follows the clock.
   */
  public SimulatorSettings inRealTime(Instant start) {
    Duration span = Duration.millis(Math.max(1, payments * 1000 / ratePerSecond));
    return new SimulatorSettings(payments, ratePerSecond, seed, accounts, span, start.plus(span), retryRate, replayRate, rebalanceRate, outOfOrderRate, outOfOrderBy, lateRate, lateBy, malformedRate);
  }

  /**
   * Out-of-order and late payments that stay what the ledger calls them under a pipeline with this
   * deduplication horizon and out-of-orderness bound: out of order by at most half the horizon, so
   * never LATE; late by more than horizon, bound and an hour, so always LATE. Without this, a
   * horizon under about five minutes made out-of-order payments LATE, and one over about three
   * hours let late ones through, and reconciliation failed a pipeline that was right.
   */
  public SimulatorSettings fittedTo(Duration horizon, Duration outOfOrderness) {
    Duration halfHorizon = Duration.millis(horizon.getMillis() / 2);
    Duration surelyLate = horizon.plus(outOfOrderness).plus(Duration.standardHours(1));
    return new SimulatorSettings(payments, ratePerSecond, seed, accounts, eventTimeSpan, end, retryRate, replayRate,
        rebalanceRate, outOfOrderRate, outOfOrderBy.isLongerThan(halfHorizon) ? halfHorizon : outOfOrderBy, lateRate,
        lateBy.isShorterThan(surelyLate) ? surelyLate : lateBy, malformedRate);
  }

  /** Every injection at a rate high enough to occur many times even in a run of a few hundred. */
  public SimulatorSettings withFrequentTrouble() {
    return withInjectionRates(0.05, 0.01, 0.01, 0.05, 0.01, 0.02);
  }

  public SimulatorSettings withInjectionRates(
      double retry, double replay, double rebalance, double outOfOrder, double late, double malformed) {
    return new SimulatorSettings(payments, ratePerSecond, seed, accounts, eventTimeSpan, end, retry, replay, rebalance, outOfOrder, outOfOrderBy, late, lateBy, malformed);
  }
}
