package dev.exactlyonce.payments.benchmarks;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/** The figures of one benchmark run, and whether the tables kept the invariants. */
final class Report {
  private final Benchmark settings;
  private final Benchmark.Load load;
  private final PlainJavaBaseline.Result baseline;
  private final Benchmark.PipelineRun run;

  Report(Benchmark settings, Benchmark.Load load, PlainJavaBaseline.Result baseline, Benchmark.PipelineRun run) {
    this.settings = settings;
    this.load = load;
    this.baseline = baseline;
    this.run = run;
  }

  /**
   * Payments per second between the arrival of the 10th and the 90th percent of the rows: JVM and
   * cluster start-up, and the last partial windows, are not the sustained rate.
   */
  double sustainedPaymentsPerSecond() {
    long[] arrivals = Benchmark.sortedArrivals(run.tally());
    if (arrivals.length < 10) {
      return 0;
    }
    int from = arrivals.length / 10;
    int to = arrivals.length * 9 / 10;
    long millis = Math.max(1, arrivals[to] - arrivals[from]);
    return (to - from) * 1000.0 / millis;
  }

  /**
   * The process's CPU time per payment over the same rows as {@link #sustainedPaymentsPerSecond},
   * in microseconds, and the cores it kept busy meanwhile; null without samples. In backlog mode
   * nothing else runs then but the embedded broker serving the pipeline's reads; with {@code
   * --rate} the producer's CPU is in it too.
   */
  double[] cpuPerPayment() {
    long[] arrivals = Benchmark.sortedArrivals(run.tally());
    List<long[]> cpu = run.cpuTimeline();
    if (arrivals.length < 10 || cpu.size() < 2) {
      return null;
    }
    int from = arrivals.length / 10;
    int to = arrivals.length * 9 / 10;
    double cpuNanos = cpuAt(cpu, arrivals[to]) - cpuAt(cpu, arrivals[from]);
    double wallNanos = Math.max(1, arrivals[to] - arrivals[from]) * 1e6;
    return new double[] {cpuNanos / 1e3 / (to - from), cpuNanos / wallNanos};
  }

  /** CPU nanoseconds at {@code millis}, interpolated between the samples around it. */
  private static double cpuAt(List<long[]> samples, long millis) {
    long[] before = samples.get(0);
    for (long[] sample : samples) {
      if (sample[0] >= millis) {
        if (sample[0] == before[0]) {
          return sample[1];
        }
        double share = (double) (millis - before[0]) / (sample[0] - before[0]);
        return before[1] + share * (sample[1] - before[1]);
      }
      before = sample;
    }
    return before[1];
  }

  /**
   * Production-to-row latencies of the rows produced once the pipeline was writing (after its first
   * row arrived): rows produced while the job was still starting waited for the start, not for the
   * pipeline.
   */
  long[] latencyPercentiles() {
    return latencyPercentiles(0);
  }

  /**
   * As {@link #latencyPercentiles()}, over the rows produced at least {@code warmUpMillis} after
   * the first row arrived: a long-running job's latency, without the catching up after its start.
   */
  long[] latencyPercentiles(long warmUpMillis) {
    int n = Math.min(run.tally().arrived.get(), run.tally().latencyMillis.length());
    long firstArrival = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      firstArrival = Math.min(firstArrival, run.tally().arrivalMillis.get(i));
    }
    long[] latencies = new long[n];
    int kept = 0;
    for (int i = 0; i < n; i++) {
      long latency = run.tally().latencyMillis.get(i);
      if (run.tally().arrivalMillis.get(i) - latency >= firstArrival + warmUpMillis) {
        latencies[kept++] = latency;
      }
    }
    latencies = Arrays.copyOf(latencies, kept);
    Arrays.sort(latencies);
    if (latencies.length == 0) {
      return null;
    }
    return new long[] {at(latencies, 0.50), at(latencies, 0.95), at(latencies, 0.99)};
  }

  /**
   * The worst production-to-row latency among the rows that arrived in each span of {@code
   * spanMillis} since launch, keyed by the span's start: a stall shows as a peak, and its period
   * says whether checkpoints (every 10 s) or closing windows (every window size) cause it.
   */
  SortedMap<Long, Long> worstLatencyBySpan(long spanMillis) {
    int n = Math.min(run.tally().arrived.get(), run.tally().latencyMillis.length());
    SortedMap<Long, Long> worst = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      long sinceLaunch = run.tally().arrivalMillis.get(i) - run.startedMillis();
      worst.merge(sinceLaunch - Math.floorMod(sinceLaunch, spanMillis), run.tally().latencyMillis.get(i), Math::max);
    }
    return worst;
  }

  private String latencyText(long[] latency) {
    if (settings.rate == 0) {
      return "not measured: a loaded topic is a backlog (use --rate)";
    }
    if (latency == null) {
      return "not measured: every record was produced before the first row arrived (produce for longer)";
    }
    return String.format("%,d / %,d / %,d ms (production to row, rows produced once the first row had arrived)",
        latency[0], latency[1], latency[2]);
  }

  private String warmedLatencyText(long[] warmed) {
    return warmed == null
        ? "not measured: produce for longer than the warm-up"
        : String.format("%,d / %,d / %,d ms (rows produced %d s or more after the first row arrived)",
            warmed[0], warmed[1], warmed[2], settings.latencyWarmUpSeconds);
  }

  private static long at(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)];
  }

  boolean everyPaymentArrived() {
    return run.tally().transactionIds.size() == load.payments();
  }

  /** Always true where nothing deduplicates ({@code --stages=parse}): there copies arrive twice. */
  boolean noneWrittenTwice() {
    return !settings.stages.deduplicates() || run.tally().rowsWrittenAgain.get() == 0;
  }

  boolean totalsExact() {
    Map<String, BigDecimal> written = run.tally().totals;
    TreeSet<String> currencies = new TreeSet<>(load.totals().keySet());
    currencies.addAll(written.keySet());
    return currencies.stream().allMatch(currency ->
        load.totals().getOrDefault(currency, BigDecimal.ZERO).compareTo(written.getOrDefault(currency, BigDecimal.ZERO)) == 0);
  }

  boolean baselineExact() {
    return baseline.payments() == load.payments() && new TreeMap<>(baseline.totals()).entrySet().stream()
        .allMatch(e -> e.getValue().compareTo(load.totals().getOrDefault(e.getKey(), BigDecimal.ZERO)) == 0);
  }

  boolean invariantsHold() {
    return run.finished() && everyPaymentArrived() && noneWrittenTwice() && totalsExact() && baselineExact();
  }

  private String runnerAndStages() {
    if (settings.stages == Stages.all) {
      return settings.runner.name();
    }
    return settings.runner + (settings.stages.prefix() ? ", up to " : ", not the product: ") + settings.stages;
  }

  void print(PrintStream out) {
    double sustained = sustainedPaymentsPerSecond();
    long[] latency = latencyPercentiles();
    long[] warmed = latencyPercentiles(settings.latencyWarmUpSeconds * 1000);
    boolean latencyMode = settings.rate > 0;
    out.printf("runner                 %s%n", runnerAndStages());
    out.printf("load                   %,d payments, %,d records (duplicate rate %.0f%%), %s%n", load.payments(), load.records(),
        settings.duplicateRate * 100, latencyMode ? "produced at " + settings.rate + " records/s during the run" : "loaded before the run");
    out.printf("pipeline               %,.0f payments/s sustained (10%%-90%% of rows); %,d rows in %.1f s from launch%n",
        sustained, run.tally().arrived.get(), (run.endedMillis() - run.startedMillis()) / 1000.0);
    double[] cpu = cpuPerPayment();
    out.printf("CPU                    %s%n", cpu == null ? "not sampled"
        : String.format("%,.0f µs per payment (process CPU over the same rows), %.2f cores busy", cpu[0], cpu[1]));
    out.printf("baseline (plain Java)  %,.0f payments/s; pipeline / baseline = %.1f%%%n",
        baseline.paymentsPerSecond(), 100 * sustained / baseline.paymentsPerSecond());
    out.printf("latency p50/p95/p99    %s%n", latencyText(latency));
    if (latencyMode) {
      out.printf("  after warm-up        %s%n", warmedLatencyText(warmed));
      StringBuilder spans = new StringBuilder();
      worstLatencyBySpan(5_000).forEach((start, worst) -> spans.append(String.format(" %ds:%,dms", start / 1000, worst)));
      out.printf("worst latency per 5 s  %s%n", spans.toString().trim());
    }
    out.printf("heap                   peak %,d MiB, steady (used after GC, median) %,d MiB%n",
        run.peakHeap() >> 20, run.steadyHeap() >> 20);
    out.printf("checkpointed state     %s%n", run.checkpointBytes() < 0 ? "n/a (DirectRunner keeps no checkpoints)"
        : String.format("%,d KiB in the last completed checkpoint", run.checkpointBytes() >> 10));
    if (!run.checkpointTimeline().isEmpty()) {
      StringBuilder timeline = new StringBuilder();
      run.checkpointTimeline().forEach(point -> timeline.append(String.format(" %ds:%,dKiB", point[0] / 1000, point[1] >> 10)));
      out.printf("state over time       %s%n", timeline);
    }
    out.printf("rows by table          %s%n", new TreeMap<>(run.tally().rowsByTable));
    out.printf("invariants             every payment arrived: %s; none written twice: %s (%d again); totals exact: %s; baseline exact: %s%n",
        everyPaymentArrived(), settings.stages.deduplicates() ? noneWrittenTwice() : "not checked, nothing deduplicates",
        run.tally().rowsWrittenAgain.get(), totalsExact(), baselineExact());
    out.printf("BENCHMARK: %s%n", invariantsHold() ? "PASS" : (run.finished() ? "FAIL" : "FAIL (timed out)"));
    out.println();
    out.println("| runner | payments | mode | pipeline payments/s | CPU µs / payment | baseline payments/s | ratio | p50 / p95 / p99 | the same after warm-up | heap peak / steady | state | invariants |");
    out.printf("| %s | %,d | %s | %,.0f | %s | %,.0f | %.1f%% | %s | %s | %,d / %,d MiB | %s | %s |%n",
        runnerAndStages(), load.payments(), latencyMode ? settings.rate + " rec/s" : "backlog", sustained,
        cpu == null ? "-" : String.format("%,.0f", cpu[0]), baseline.paymentsPerSecond(),
        100 * sustained / baseline.paymentsPerSecond(),
        latency != null ? String.format("%,d / %,d / %,d ms", latency[0], latency[1], latency[2]) : "-",
        warmed != null && latencyMode ? String.format("%,d / %,d / %,d ms", warmed[0], warmed[1], warmed[2]) : "-",
        run.peakHeap() >> 20, run.steadyHeap() >> 20,
        run.checkpointBytes() < 0 ? "-" : String.format("%,d KiB", run.checkpointBytes() >> 10),
        invariantsHold() ? "PASS" : "FAIL");
  }
}
