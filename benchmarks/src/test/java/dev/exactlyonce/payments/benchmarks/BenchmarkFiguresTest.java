package dev.exactlyonce.payments.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic behind the published figures: rates, percentiles, the baseline's bounded memory. */
class BenchmarkFiguresTest {
  private static final Map<String, BigDecimal> TOTALS = Map.of("USD", new BigDecimal("10.00"));

  /** 1,000 rows, one every 2 ms after a 5 s start-up, each 100 + i ms after its production. */
  private static CountingTables.Tally steadyArrivals() {
    CountingTables.Tally tally = new CountingTables.Tally("payment_transactions", 1_000);
    for (int i = 0; i < 1_000; i++) {
      tally.arrivalMillis.set(i, 5_000 + 2L * i);
      tally.latencyMillis.set(i, 100 + i);
      tally.transactionIds.add("tx-" + i);
      tally.arrived.incrementAndGet();
    }
    tally.totals.put("USD", new BigDecimal("10.0"));
    return tally;
  }

  private static Report report(CountingTables.Tally tally, long payments) {
    return report(tally, payments, List.of(), Stages.all);
  }

  private static Report report(CountingTables.Tally tally, long payments, List<long[]> cpuTimeline) {
    return report(tally, payments, cpuTimeline, Stages.all);
  }

  private static Report report(CountingTables.Tally tally, long payments, Stages stages) {
    return report(tally, payments, List.of(), stages);
  }

  private static Report report(CountingTables.Tally tally, long payments, List<long[]> cpuTimeline, Stages stages) {
    Benchmark settings = new Benchmark();
    settings.runner = Benchmark.Runner.flink;
    settings.stages = stages;
    settings.rate = 500;
    Benchmark.Load load = new Benchmark.Load(payments + 50, payments, TOTALS, 1.0);
    PlainJavaBaseline.Result baseline = new PlainJavaBaseline.Result(payments + 50, payments, 50, TOTALS, 1_000_000_000L);
    Benchmark.PipelineRun run = new Benchmark.PipelineRun(tally, 0, 7_000, 1L << 30, 1L << 28, 1L << 20, List.of(), cpuTimeline, true);
    return new Report(settings, load, baseline, run);
  }

  @Test
  void sustainedRateLeavesOutStartUpAndTail() {
    assertEquals(500.0, report(steadyArrivals(), 1_000).sustainedPaymentsPerSecond(), 1.0);
  }

  @Test
  void latencyPercentilesCountOnlyRowsProducedOnceThePipelineWasWriting() {
    // The first row arrived at 5,000 ms; row i was produced at 4,900 + i ms, so rows 100..999
    // count: latencies 200..1099 ms.
    assertArrayEquals(new long[] {649, 1054, 1090}, report(steadyArrivals(), 1_000).latencyPercentiles());
  }

  @Test
  void latencyAfterWarmUpCountsOnlyRowsProducedThatLongAfterTheFirstRowArrived() {
    // Produced at 4,900 + i ms; 200 ms after the first arrival (5,000 ms) leaves rows 300..999:
    // latencies 400..1099 ms.
    assertArrayEquals(new long[] {749, 1064, 1092}, report(steadyArrivals(), 1_000).latencyPercentiles(200));
    assertNull(report(steadyArrivals(), 1_000).latencyPercentiles(10_000));
  }

  @Test
  void worstLatencyIsTakenPerSpanOfArrivalsSinceLaunch() {
    // Rows 0..499 arrive in the sixth second after launch (latencies up to 599 ms), rows 500..999 in
    // the seventh (up to 1,099 ms).
    assertEquals(Map.of(5_000L, 599L, 6_000L, 1_099L), report(steadyArrivals(), 1_000).worstLatencyBySpan(1_000));
  }

  @Test
  void cpuPerPaymentIsTheProcessCpuBetweenTheSameRowsAsTheRate() {
    // One core busy until 6,000 ms, both after: rows 100..900 arrive from 5,200 to 6,800 ms, so
    // 0.8 s + 2 x 0.8 s = 2.4 s of CPU for 800 payments.
    List<long[]> cpu = List.of(new long[] {0, 0}, new long[] {6_000, 6_000_000_000L}, new long[] {8_000, 10_000_000_000L});

    double[] perPayment = report(steadyArrivals(), 1_000, cpu).cpuPerPayment();

    assertEquals(3_000.0, perPayment[0], 0.5);
    assertEquals(1.5, perPayment[1], 0.001);
  }

  @Test
  void invariantsNeedEveryPaymentNoneTwiceAndExactTotals() {
    assertTrue(report(steadyArrivals(), 1_000).invariantsHold());
    assertFalse(report(steadyArrivals(), 1_001).invariantsHold(), "a payment missing");
    CountingTables.Tally writtenTwice = steadyArrivals();
    writtenTwice.rowsWrittenAgain.incrementAndGet();
    assertFalse(report(writtenTwice, 1_000).invariantsHold(), "a row written twice");
    CountingTables.Tally wrongTotals = steadyArrivals();
    wrongTotals.totals.put("USD", new BigDecimal("10.01"));
    assertFalse(report(wrongTotals, 1_000).invariantsHold(), "totals off by a cent");
  }

  @Test
  void withoutDeduplicationCopiesArriveTwiceButEveryPaymentAndTheTotalsStillCount() {
    CountingTables.Tally copiesArrived = steadyArrivals();
    copiesArrived.rowsWrittenAgain.addAndGet(50);
    assertTrue(report(copiesArrived, 1_000, Stages.parse).invariantsHold());
    assertFalse(report(copiesArrived, 1_000, Stages.deduplicate).invariantsHold(), "a copy through deduplication");
    assertFalse(report(steadyArrivals(), 1_001, Stages.parse).invariantsHold(), "a payment missing");
  }

  @Test
  void theBaselineForgetsPaymentsOlderThanTheHorizon() {
    LinkedHashMap<String, Long> seen = new LinkedHashMap<>();
    for (long minute = 0; minute < 10; minute++) {
      seen.put("tx-" + minute, minute * 60_000);
    }

    PlainJavaBaseline.evictOlderThan(seen, 9 * 60_000 - 3 * 60_000);

    assertEquals(List.of("tx-6", "tx-7", "tx-8", "tx-9"), List.copyOf(seen.keySet()));
  }
}
