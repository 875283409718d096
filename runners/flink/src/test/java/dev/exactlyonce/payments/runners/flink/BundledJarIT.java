package dev.exactlyonce.payments.runners.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled jar that {@code package} builds, as an on-prem user gets it: services merged for
 * {@code flink run}, and {@code java -jar} alone runs the pipeline on {@code [local]}.
 */
class BundledJarIT {
  private static final Path BUNDLE = Path.of(System.getProperty("payments.bundled.jar", "missing"));

  @TempDir Path dir;

  @Test
  void serviceFilesOfEveryRunnerAndFileSystemAreMerged() throws Exception {
    try (JarFile jar = new JarFile(BUNDLE.toFile())) {
      assertEquals(FlinkLaunch.class.getName(), jar.getManifest().getMainAttributes().getValue("Main-Class"));
      String runners = entry(jar, "META-INF/services/org.apache.beam.sdk.runners.PipelineRunnerRegistrar");
      assertTrue(runners.contains("org.apache.beam.runners.flink.FlinkRunnerRegistrar$Runner"), runners);
      assertTrue(runners.contains("org.apache.beam.runners.direct.DirectRegistrar$Runner"), runners);
      String options = entry(jar, "META-INF/services/org.apache.beam.sdk.options.PipelineOptionsRegistrar");
      assertTrue(options.contains("org.apache.beam.runners.flink.FlinkRunnerRegistrar$Options"), options);
      assertTrue(options.contains("org.apache.beam.sdk.io.gcp.common.GcpIoPipelineOptionsRegistrar"), options);
      String fileSystems = entry(jar, "META-INF/services/org.apache.beam.sdk.io.FileSystemRegistrar");
      assertTrue(fileSystems.contains("org.apache.beam.sdk.io.LocalFileSystemRegistrar"), fileSystems);
      assertTrue(jar.stream().noneMatch(e -> e.getName().matches("META-INF/[^/]+\\.(SF|DSA|RSA)")),
          "no signature files: they would make the merged jar fail verification");
    }
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
                  FlinkLocalRuns.javaBinary(), "-Xmx1g", "-jar", BUNDLE.toString(),
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

  private static String entry(JarFile jar, String name) throws Exception {
    try (var in = jar.getInputStream(jar.getEntry(name))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
