package dev.exactlyonce.payments.benchmarks;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.drill.FileDrainSignal;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.runners.flink.FlinkLaunch;
import dev.exactlyonce.payments.runners.flink.RetainedCheckpoints;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.flink.util.FileUtils;
import org.joda.time.Duration;
import org.joda.time.Instant;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Loads the embedded Kafka with simulated payments (with duplicates), runs a plain-Java consumer
 * loop and the full pipeline over the same topic, and reports sustained throughput (also as a
 * ratio of the baseline's), end-to-end latency, heap, checkpointed state and the invariants.
 *
 * <p>Two modes. Throughput ({@code --rate=0}): the topic is loaded first, then read as a backlog
 * by the baseline and by the pipeline. Latency ({@code --rate=R}): payments are produced at R
 * records/s while the pipeline runs, and each payment row's arrival is measured from its record's
 * production.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Throughput, latency and memory of the pipeline, next to a plain-Java baseline.")
public final class Benchmark implements Callable<Integer> {
  enum Runner { direct, flink }

  @Option(names = "--runner", defaultValue = "flink", description = "direct or flink ([local]); default ${DEFAULT-VALUE}.")
  Runner runner;

  @Option(names = "--stages", defaultValue = "all",
      description = "How much of the graph runs: parse (read and parse), deduplicate (and deduplication), score (and fraud scoring), all (default). Not the product, to measure parts of it: no_velocity (fraud scored by amount alone), floor (the peers' work on the parts the product fixes), floor_keyed (floor with an empty keyed stage wherever the product has one of its own).")
  Stages stages = Stages.all;

  @Option(names = "--payments", defaultValue = "100000", description = "Unique payments (default ${DEFAULT-VALUE}).")
  int payments;

  @Option(names = "--duplicate-rate", defaultValue = "0.05", description = "Share of payments sent twice (default ${DEFAULT-VALUE}).")
  double duplicateRate;

  @Option(names = "--rate", defaultValue = "0",
      description = "Records/s produced while the pipeline runs (latency mode); 0 loads the topic first (throughput mode).")
  int rate;

  @Option(names = "--latency-warm-up-seconds", defaultValue = "30",
      description = "With --rate, latency is also reported over the rows produced this long after the first row arrived (default ${DEFAULT-VALUE}).")
  long latencyWarmUpSeconds = 30;

  @Option(names = "--event-rate", defaultValue = "10000",
      description = "Payments per second of event time: sets how many windows the load spans (default ${DEFAULT-VALUE}). "
          + "Throughput mode only: with --rate, event time follows the clock.")
  int eventRate;

  @Option(names = "--partitions", defaultValue = "4", description = "Topic partitions (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--parallelism", defaultValue = "2", description = "Flink parallelism (default ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--dedup-horizon-minutes", defaultValue = "60", description = "Deduplication horizon (default ${DEFAULT-VALUE}).")
  long horizonMinutes;

  @Option(names = "--pipeline-option", paramLabel = "--name=value",
      description = "A pipeline option passed through, e.g. --pipeline-option=--stateBackend=filesystem (repeatable).")
  List<String> pipelineOptions = new ArrayList<>();

  @Option(names = "--work-dir", defaultValue = "local-run/benchmark", description = "Broker data and checkpoints (emptied first).")
  Path workDir;

  @Option(names = "--timeout-minutes", defaultValue = "60", description = "Give up after this long (default ${DEFAULT-VALUE}).")
  long timeoutMinutes;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    // The pipeline's threads outlive the measurement: the process ends here.
    System.exit(new CommandLine(new Benchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    // Before the work directory is emptied and the broker started: a bad value would otherwise
    // surface minutes later, as a division by zero or a simulator error that names no option.
    checkOptions();
    FileUtils.deleteDirectory(workDir.toFile());
    try (LocalKafka kafka = LocalKafka.start(workDir.resolve("kafka"))) {
      kafka.createTopic(TOPIC, partitions);
      Load load;
      PlainJavaBaseline.Result baseline = null;
      PipelineRun run;
      if (rate == 0) {
        load = load(kafka, 1_000_000);
        System.out.printf("loaded %,d records (%,d payments) in %.1f s%n", load.records(), load.payments(), load.seconds());
        baseline = baseline(kafka, load);
        run = runPipeline(kafka, null);
      } else {
        CompletableFuture<Load> producing = new CompletableFuture<>();
        run = runPipeline(kafka, producing);
        load = producing.join();
        baseline = baseline(kafka, load);
      }
      Report report = new Report(this, load, baseline, run);
      System.out.println();
      report.print(System.out);
      return report.invariantsHold() ? 0 : 1;
    }
  }

  static final String TOPIC = "payments";

  private void checkOptions() {
    atLeast("--payments", payments, 1);
    if (!(duplicateRate >= 0 && duplicateRate <= 1)) {
      throw new ParameterException(spec.commandLine(), "--duplicate-rate must be between 0 and 1, not " + duplicateRate);
    }
    atLeast("--rate", rate, 0);
    atLeast("--latency-warm-up-seconds", latencyWarmUpSeconds, 0);
    atLeast("--event-rate", eventRate, 1);
    atLeast("--partitions", partitions, 1);
    atLeast("--parallelism", parallelism, 1);
    atLeast("--dedup-horizon-minutes", horizonMinutes, 1);
    atLeast("--timeout-minutes", timeoutMinutes, 1);
  }

  private void atLeast(String option, long value, long least) {
    if (value < least) {
      throw new ParameterException(spec.commandLine(), option + " must be at least " + least + ", not " + value);
    }
  }

  /*
   * This process's CPU time: other processes on a shared machine slow the rate but do not add to
   * it. Identical runs on an idle machine still differ by up to a fifth in both.
   */
  private static final com.sun.management.OperatingSystemMXBean PROCESS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** What was sent: enough of the ledger to check the tables, without keeping the ledger. */
  record Load(long records, long payments, Map<String, BigDecimal> totals, double seconds) {}

  SimulatorSettings settings(int recordsPerSecond) {
    SimulatorSettings defaults = SimulatorSettings.defaults(Instant.now());
    // The pipeline calls a payment LATE when it reached Kafka more than the horizon after its event
    // time, so a backlog's event times span at most half the horizon before it is sent.
    long halfHorizonMillis = Duration.standardMinutes(horizonMinutes).getMillis() / 2;
    Duration span = Duration.millis(Math.min(halfHorizonMillis, Math.max(Math.min(60_000L, halfHorizonMillis), payments * 1000L / eventRate)));
    SimulatorSettings loaded = new SimulatorSettings(payments, recordsPerSecond, defaults.seed(), defaults.accounts(),
        span, defaults.end(), duplicateRate, 0, 0, 0, defaults.outOfOrderBy(), 0, defaults.lateBy(), 0, 0,
        defaults.maxRetryDrift());
    // Produced in real time, payments carry the time they are sent, as a live source does: event
    // times in the past would fall behind the watermark of a caught-up (idle) partition, which
    // follows the clock, and go to LATE once they are older than the horizon; ahead of their
    // sending, by more than the clock skew allowed, they would be refused as BAD_TIMESTAMP.
    return rate > 0 ? loaded.inRealTime(defaults.end()) : loaded;
  }

  private Load load(LocalKafka kafka, int recordsPerSecond) throws Exception {
    long started = System.nanoTime();
    Ledger ledger = KafkaSink.simulate(kafka.bootstrapServers(), TOPIC, settings(recordsPerSecond), sent -> { });
    return new Load(ledger.recordsSent(), ledger.payments().size(), ledger.totalsByCurrency(),
        (System.nanoTime() - started) / 1e9);
  }

  private PlainJavaBaseline.Result baseline(LocalKafka kafka, Load load) {
    System.gc();
    PlainJavaBaseline.Result result =
        PlainJavaBaseline.run(kafka.bootstrapServers(), TOPIC, load.records(), java.time.Duration.ofMinutes(horizonMinutes));
    System.out.printf("baseline: %,d payments in %.1f s, %,.0f payments/s%n",
        result.payments(), result.nanos() / 1e9, result.paymentsPerSecond());
    return result;
  }

  /** The pipeline's measurements. */
  record PipelineRun(CountingTables.Tally tally, long startedMillis, long endedMillis, long peakHeap, long steadyHeap,
      long checkpointBytes, List<long[]> checkpointTimeline, List<long[]> cpuTimeline, boolean finished) {}

  private PipelineRun runPipeline(LocalKafka kafka, CompletableFuture<Load> producing) throws Exception {
    System.gc();
    int expected = payments;
    LocalModeOptions options = LocalPipeline.parseOptions(pipelineArgs(kafka));
    if (runner == Runner.flink) {
      FlinkLaunch.applyDefaults(options);
    }
    PipelineConfig config = PipelineConfig.from(options);
    Pipeline pipeline = Pipeline.create(options);
    ReadFromKafka read = config.read().withDrainSignal(FileDrainSignal.whenExists(drainSignal()));
    stages.build(pipeline, config, read, CountingTables.open(config.tables(), expected));
    CountingTables.Tally tally = CountingTables.tally();

    try (HeapSampler heap = new HeapSampler(250)) {
      long started = System.currentTimeMillis();
      CompletableFuture<PipelineResult> running = CompletableFuture.supplyAsync(pipeline::run);
      if (producing != null) {
        CompletableFuture.runAsync(() -> {
          try {
            producing.complete(load(kafka, rate));
          } catch (Exception e) {
            producing.completeExceptionally(e);
          }
        });
      }
      long deadline = started + timeoutMinutes * 60_000;
      long lastReport = started;
      List<long[]> checkpointTimeline = new ArrayList<>();
      List<long[]> cpuTimeline = new ArrayList<>();
      long lastCheckpointPoll = 0;
      while (tally.arrived.get() < expected && System.currentTimeMillis() < deadline) {
        if (producing != null && producing.isCompletedExceptionally()) {
          producing.join();
        }
        if (running.isDone() && running.join().getState().isTerminal()) {
          // waitUntilFinish rethrows what made a job fail; a job that ended early is a failure too.
          running.join().waitUntilFinish();
          throw new IllegalStateException("the pipeline ended " + running.join().getState() + " before every row arrived");
        }
        Thread.sleep(100);
        cpuTimeline.add(new long[] {System.currentTimeMillis(), PROCESS.getProcessCpuTime()});
        if (runner == Runner.flink && System.currentTimeMillis() - lastCheckpointPoll >= 1_000) {
          lastCheckpointPoll = System.currentTimeMillis();
          long bytes = latestCheckpointBytes();
          if (bytes > 0 && (checkpointTimeline.isEmpty() || checkpointTimeline.get(checkpointTimeline.size() - 1)[1] != bytes)) {
            checkpointTimeline.add(new long[] {lastCheckpointPoll - started, bytes});
          }
        }
        if (System.currentTimeMillis() - lastReport >= 10_000) {
          lastReport = System.currentTimeMillis();
          System.out.printf("  %,d of %,d payment rows, %,d dead letters after %d s%n",
              tally.arrived.get(), expected, tally.rows(config.tables().deadLetter()), (lastReport - started) / 1000);
        }
      }
      long ended = System.currentTimeMillis();
      boolean finished = ended < deadline;
      long checkpointBytes = runner == Runner.flink ? latestCheckpointBytes() : -1;
      stop(running);
      long[] arrivals = sortedArrivals(tally);
      long from = arrivals.length == 0 ? started : arrivals[arrivals.length / 10];
      long to = arrivals.length == 0 ? ended : arrivals[arrivals.length * 9 / 10];
      return new PipelineRun(
          tally, started, ended, heap.peakBytes(), heap.steadyBytes(from, to), checkpointBytes, checkpointTimeline,
          cpuTimeline, finished);
    }
  }

  /**
   * Stops the job before anything else is measured: the DirectRunner's is cancelled; Flink's, whose
   * attached run has not even returned, drains through the signal file and ends.
   */
  private void stop(CompletableFuture<PipelineResult> running) throws Exception {
    Files.writeString(drainSignal(), "benchmark measured\n");
    long deadline = System.currentTimeMillis() + 120_000;
    while (!running.isDone() && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    if (running.isDone() && !running.isCompletedExceptionally() && !running.join().getState().isTerminal()) {
      running.join().cancel();
    }
  }

  private Path drainSignal() {
    return workDir.resolve("drain-signal").toAbsolutePath();
  }

  private String[] pipelineArgs(LocalKafka kafka) {
    List<String> args = new ArrayList<>(List.of(
        "--bootstrapServers=" + kafka.bootstrapServers(),
        "--topic=" + TOPIC,
        "--consumerGroup=benchmark",
        "--startingOffsets=earliest",
        // The tables account for rows at the default stream's append: see CountingTables.
        "--writeMode=UPSERT",
        "--dedupHorizonMinutes=" + horizonMinutes,
        "--tablesDir=" + workDir.resolve("unused-tables")));
    if (runner == Runner.flink) {
      FlinkLaunch.registerOptions();
      args.addAll(List.of("--runner=FlinkRunner", "--parallelism=" + parallelism,
          "--stateBackendStoragePath=" + workDir.resolve("checkpoints").toAbsolutePath().toUri()));
    } else {
      args.add("--runner=DirectRunner");
    }
    args.addAll(pipelineOptions);
    return args.toArray(String[]::new);
  }

  static long[] sortedArrivals(CountingTables.Tally tally) {
    int n = Math.min(tally.arrived.get(), tally.arrivalMillis.length());
    long[] arrivals = new long[n];
    for (int i = 0; i < n; i++) {
      arrivals[i] = tally.arrivalMillis.get(i);
    }
    Arrays.sort(arrivals);
    return arrivals;
  }

  /** Bytes the job keeps in checkpoint storage; 0 while it has no complete checkpoint, or while one is replaced. */
  private long latestCheckpointBytes() {
    try {
      Optional<Path> latest = RetainedCheckpoints.latest(workDir.resolve("checkpoints").toAbsolutePath());
      if (latest.isEmpty()) {
        return 0;
      }
      // The job's directory, not the checkpoint's alone: incremental checkpoints keep most of their
      // files in the job's shared directory.
      try (Stream<Path> files = Files.walk(latest.get().getParent())) {
        return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // Flink deletes the previous checkpoint as a new one completes.
      return 0;
    }
  }
}
