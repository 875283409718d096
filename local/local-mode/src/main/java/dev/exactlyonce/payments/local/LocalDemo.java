package dev.exactlyonce.payments.local;

import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import dev.exactlyonce.payments.local.flink.LocalFlinkLaunch;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.runners.flink.FlinkLaunch;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.runners.flink.FlinkPipelineOptions;

/**
 * The main job: a real Kafka broker, simulated payments with real duplicates, the real pipeline on
 * Flink's embedded cluster with the production launch's defaults (or the DirectRunner) writing
 * through BigQueryIO into the stand-in, a drain once the input is idle, and a reconciliation of the
 * tables against what was sent.
 */
public final class LocalDemo {
  public static final String TOPIC = "payments";
  public static final int PARTITIONS = 4;

  private LocalDemo() {}

  /** Where the demo's pipeline runs. */
  public enum Runner {
    /** Flink's embedded cluster, launched as {@code FlinkLaunch} launches production. */
    flink,
    /** Beam's DirectRunner: slower, and it keeps no state across runs. */
    direct
  }

  /**
   * What the demo was asked to do.
   *
   * @param secure read over SASL_SSL (SCRAM-SHA-512) from a broker with generated certificates
   */
  public record Settings(
      Path dir, SimulatorSettings simulator, long idleSeconds, boolean secure, Runner runner, String[] pipelineArgs) {}

  /** Runs everything; returns the reconciliation report, PASS or FAIL. */
  public static Reconciliation.Report run(Settings settings, PrintStream out)
      throws IOException, InterruptedException, LocalPipeline.LocalRunException {
    long started = System.nanoTime();
    Path ledgerFile = settings.dir().resolve("ledger.json");
    Path tablesDir = settings.dir().resolve("tables");
    out.println("[1/4] starting Kafka (KRaft, own JVM) in " + settings.dir().resolve("kafka"));
    try (LocalKafka kafka =
        settings.secure() ? LocalKafka.startSecured(settings.dir().resolve("kafka")) : LocalKafka.start(settings.dir().resolve("kafka"))) {
      kafka.createTopic(TOPIC, PARTITIONS);
      out.printf("      broker at %s, topic %s with %d partitions%n", kafka.bootstrapServers(), TOPIC, PARTITIONS);
      if (settings.secure()) {
        out.printf("      the pipeline reads over SASL_SSL (SCRAM-SHA-512, user %s) at %s; certificates in %s%n",
            LocalKafka.USER, kafka.secured().saslSsl(), kafka.secured().tls().truststore().getParent());
      }

      LocalModeOptions options = LocalPipeline.parseOptions(pipelineArgs(settings, kafka, tablesDir));
      if (settings.runner() == Runner.flink) {
        LocalFlinkLaunch.applyDefaults(options);
      }
      PipelineConfig config = PipelineConfig.from(options);
      SimulatorSettings simulator = settings.simulator().fittedTo(
          config.horizon(), config.read().maxOutOfOrderness(), config.maxClockSkew());
      out.printf("[2/4] simulating %,d payments at %,d records/s (seed %d) while the pipeline reads%n",
          simulator.payments(), simulator.ratePerSecond(), simulator.seed());
      AtomicLong sent = new AtomicLong();
      AtomicLong lastSentAt = new AtomicLong();
      CompletableFuture<Ledger> simulation = CompletableFuture.supplyAsync(() -> simulate(simulator, kafka, sent))
          .whenComplete((ledger, error) -> lastSentAt.set(System.currentTimeMillis()));

      out.println("[3/4] running the pipeline on " + (settings.runner() == Runner.flink
              ? "Flink's embedded cluster (parallelism " + options.as(FlinkPipelineOptions.class).getParallelism()
                  + ", checkpoints in " + options.as(FlinkPipelineOptions.class).getStateBackendStoragePath() + ")"
              : "the DirectRunner")
          + "; it drains after " + settings.idleSeconds() + " s without new input");
      LocalPipeline.Progress progress =
          (read, rows, deadLetters) ->
              out.printf("  sent %,d records; pipeline read %,d: %,d payment rows, %,d dead letters%n",
                  sent.get(), read, rows, deadLetters);
      LocalPipeline.Outcome outcome = LocalPipeline.run(options, simulation::isDone, progress, out);
      if (settings.runner() == Runner.flink) {
        FlinkLaunch.afterCleanDrain(options);
      }
      Ledger ledger = simulation.get();
      ledger.write(ledgerFile);

      out.println("[4/4] reconciling " + tablesDir + " against " + ledgerFile);
      Reconciliation.Report report =
          Reconciliation.check(ledger, TableFiles.read(tablesDir, config.tables()));
      out.println(report.text());
      double seconds = (System.nanoTime() - started) / 1e9;
      out.printf("summary: %,d records sent, %,d read, %s in %.0f s%n",
          ledger.recordsSent(), outcome.recordsRead(), report.passed() ? "PASS" : "FAIL", seconds);
      out.print(throughput(ledger.payments().size(), outcome, lastSentAt.get()));
      out.printf("  write mode: %s (%s)%n", config.writeMode(), WRITE_MODES.get(config.writeMode()));
      out.printf("  look next: the tables as JSON lines in %s; what was sent in %s%n", tablesDir, ledgerFile);
      return report;
    } catch (ExecutionException e) {
      throw new IOException("the simulator failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private static final java.util.Map<WriteMode, String> WRITE_MODES = java.util.Map.of(
      WriteMode.UPSERT, "rows upserted by key, so a replay after a restore rewrites a row instead of adding one",
      WriteMode.EXACTLY_ONCE, "rows appended through Storage Write streams committed exactly once");

  /**
   * How fast the pipeline went, and where the time after the last record went. The demo's producer
   * sends at a fixed rate, so the payments per second are the pipeline keeping up with it; {@code
   * benchmarks/run.sh} measures the pipeline's own rate on a backlog.
   */
  static String throughput(long payments, LocalPipeline.Outcome outcome, long lastSentAtMillis) {
    LocalPipeline.Outcome.Times times = outcome.times();
    String seen = times.byRowsWritten() ? "written" : "read";
    long drainStarted = times.drainStarted() < 0 ? times.finished() : times.drainStarted();
    String rate =
        times.lastRead() > times.firstRead()
            ? String.format("%,.0f payments/s (%,d unique payments %s in %.1f s, from the first to the last)",
                payments * 1000.0 / (times.lastRead() - times.firstRead()), payments, seen,
                (times.lastRead() - times.firstRead()) / 1000.0)
            : String.format("n/a (every payment %s at once)", seen);
    return String.format(
        "  throughput: %s%n"
            + "  last record sent to every table final: %.1f s (last record %s after %.1f s, waited %.1f s for"
            + " idle input, drained in %.1f s)%n",
        rate,
        (times.finished() - lastSentAtMillis) / 1000.0,
        seen,
        Math.max(0, times.lastRead() - lastSentAtMillis) / 1000.0,
        Math.max(0, drainStarted - Math.max(times.lastRead(), lastSentAtMillis)) / 1000.0,
        (times.finished() - drainStarted) / 1000.0);
  }

  private static Ledger simulate(SimulatorSettings simulator, LocalKafka kafka, AtomicLong sent) {
    try {
      return KafkaSink.simulate(kafka.bootstrapServers(), TOPIC, simulator, sent::set);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("simulation interrupted", e);
    }
  }

  private static String[] pipelineArgs(Settings settings, LocalKafka kafka, Path tablesDir) {
    java.util.List<String> connection =
        settings.secure()
            ? kafka.secured().pipelineOptions(LocalKafka.Security.SASL_SSL)
            : java.util.List.of("--bootstrapServers=" + kafka.bootstrapServers());
    java.util.List<String> runner =
        settings.runner() == Runner.flink
            ? java.util.List.of(
                "--runner=FlinkRunner",
                "--parallelism=2",
                "--stateBackendStoragePath=" + settings.dir().resolve("checkpoints").toAbsolutePath().toUri())
            : java.util.List.of("--runner=DirectRunner");
    String[] fixed = java.util.stream.Stream.of(connection.stream(), runner.stream(), java.util.stream.Stream.of(
      "--topic=" + TOPIC,
      "--tablesDir=" + tablesDir,
      "--stopWhenIdleSeconds=" + settings.idleSeconds(),
      "--writeTriggeringFrequencySeconds=2",
      "--writeStreams=2")).flatMap(args -> args).toArray(String[]::new);
    String[] all = new String[fixed.length + settings.pipelineArgs().length];
    System.arraycopy(fixed, 0, all, 0, fixed.length);
    // Arguments given by the user come last and win.
    System.arraycopy(settings.pipelineArgs(), 0, all, fixed.length, settings.pipelineArgs().length);
    return all;
  }
}
