package dev.exactlyonce.payments.local;

import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.joda.time.Duration;

/**
 * The main job: a real Kafka broker, simulated payments with real duplicates, the real pipeline on
 * the DirectRunner writing through BigQueryIO into the stand-in, a drain once the input is idle,
 * and a reconciliation of the tables against what was sent.
 */
public final class LocalDemo {
  public static final String TOPIC = "payments";
  public static final int PARTITIONS = 4;

  private LocalDemo() {}

  /** What the demo was asked to do. */
  /** @param secure read over SASL_SSL (SCRAM-SHA-512) from a broker with generated certificates */
  public record Settings(Path dir, SimulatorSettings simulator, long idleSeconds, boolean secure, String[] pipelineArgs) {}

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
      PipelineConfig config = PipelineConfig.from(options);
      SimulatorSettings simulator = settings.simulator().fittedTo(
          config.horizon(), config.read().maxOutOfOrderness(), config.maxClockSkew());
      out.printf("[2/4] simulating %,d payments at %,d records/s (seed %d) while the pipeline reads%n",
          simulator.payments(), simulator.ratePerSecond(), simulator.seed());
      AtomicLong sent = new AtomicLong();
      CompletableFuture<Ledger> simulation = CompletableFuture.supplyAsync(() -> simulate(simulator, kafka, sent));

      out.println("[3/4] running the pipeline on the DirectRunner; it drains after "
          + settings.idleSeconds() + " s without new input");
      LocalPipeline.Progress progress =
          (read, rows, deadLetters) ->
              out.printf("  sent %,d records; pipeline read %,d: %,d payment rows, %,d dead letters%n",
                  sent.get(), read, rows, deadLetters);
      LocalPipeline.Outcome outcome = LocalPipeline.run(options, simulation::isDone, progress, out);
      Ledger ledger = simulation.get();
      ledger.write(ledgerFile);

      out.println("[4/4] reconciling " + tablesDir + " against " + ledgerFile);
      Reconciliation.Report report =
          Reconciliation.check(ledger, TableFiles.read(tablesDir, config.tables()));
      out.println(report.text());
      double seconds = (System.nanoTime() - started) / 1e9;
      out.printf("summary: %,d records sent, %,d read, %s in %.0f s; ledger %s, tables %s%n",
          ledger.recordsSent(), outcome.recordsRead(), report.passed() ? "PASS" : "FAIL", seconds, ledgerFile, tablesDir);
      return report;
    } catch (ExecutionException e) {
      throw new IOException("the simulator failed: " + e.getCause().getMessage(), e.getCause());
    }
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
    String[] fixed = java.util.stream.Stream.concat(connection.stream(), java.util.stream.Stream.of(
      "--topic=" + TOPIC,
      "--tablesDir=" + tablesDir,
      "--stopWhenIdleSeconds=" + settings.idleSeconds(),
      "--writeTriggeringFrequencySeconds=2",
      "--writeStreams=2")).toArray(String[]::new);
    String[] all = new String[fixed.length + settings.pipelineArgs().length];
    System.arraycopy(fixed, 0, all, 0, fixed.length);
    // Arguments given by the user come last and win.
    System.arraycopy(settings.pipelineArgs(), 0, all, fixed.length, settings.pipelineArgs().length);
    return all;
  }
}
