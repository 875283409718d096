package dev.exactlyonce.payments.local.flink;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.io.File;
import java.nio.file.Files;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production Flink bundle, which carries no harness, run on the embedded cluster with only
 * local mode's classes and the few jars the harness adds beside it: everything the pipeline needs
 * to run on Flink is in the bundle, and the run reconciles.
 */
class BundledJarIT {
  private static final Path BUNDLE = Path.of(System.getProperty("payments.bundled.jar", "missing"));

  @TempDir Path dir;

  private static String harnessBesideTheBundle() throws Exception {
    String extras = Files.readString(Path.of(System.getProperty("payments.harness.classpath", "missing"))).strip();
    return String.join(File.pathSeparator, BUNDLE.toString(), System.getProperty("payments.harness.classes", "missing"), extras);
  }

  @Test
  void javaDashJarRunsThePipelineOnTheEmbeddedClusterAndItReconciles() throws Exception {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
      kafka.createTopic("payments", 2);
      Ledger ledger =
          KafkaSink.simulate(kafka.bootstrapServers(), "payments",
              SimulatorSettings.defaults(Instant.now()).withPayments(300).withRate(5_000), sent -> { });
      Path tables = dir.resolve("tables");
      Path log = dir.resolve("bundle-run.log");
      Process run =
          new ProcessBuilder(
                  FlinkLocalRuns.javaBinary(), "-Xmx1g", "-cp", harnessBesideTheBundle(), LocalFlinkLaunch.class.getName(),
                  "--bootstrapServers=" + kafka.bootstrapServers(),
                  "--tablesDir=" + tables,
                  "--stateBackendStoragePath=" + dir.resolve("checkpoints").toUri(),
                  "--checkpointingInterval=1000",
                  "--parallelism=2",
                  "--stopWhenIdleSeconds=5")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();

      assertTrue(run.waitFor(5, TimeUnit.MINUTES), "the run finished");
      assertEquals(0, run.exitValue(), FlinkLocalRuns.tail(log));
      Reconciliation.Report report = Reconciliation.check(ledger, TableFiles.read(tables));
      assertTrue(report.passed(), report.text());
    }
  }
}
