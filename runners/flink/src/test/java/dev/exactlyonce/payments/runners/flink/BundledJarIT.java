package dev.exactlyonce.payments.runners.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production bundles that {@code package} builds, as on-prem and Dataflow users get them:
 * services merged for {@code flink run}, {@code java -jar} launching, and nothing of the local
 * harness inside. Local mode's {@code BundledJarIT} runs this bundle end to end beside the harness.
 */
class BundledJarIT {
  private static final Path BUNDLE = Path.of(System.getProperty("payments.bundled.jar", "missing"));
  private static final Path DATAFLOW_BUNDLES = Path.of(System.getProperty("payments.dataflow.bundle.dir", "missing"));

  /**
   * Packages of what only local runs and tests use: the local harness with its BigQuery stand-in,
   * its command line (picocli), and the DirectRunner.
   */
  private static final List<String> HARNESS =
      List.of("dev/exactlyonce/payments/local/", "picocli/", "org/apache/beam/runners/direct/");

  @TempDir Path dir;

  @Test
  void serviceFilesOfEveryRunnerAndFileSystemAreMerged() throws Exception {
    try (JarFile jar = new JarFile(BUNDLE.toFile())) {
      assertEquals(FlinkLaunch.class.getName(), jar.getManifest().getMainAttributes().getValue("Main-Class"));
      String runners = entry(jar, "META-INF/services/org.apache.beam.sdk.runners.PipelineRunnerRegistrar");
      assertTrue(runners.contains("org.apache.beam.runners.flink.FlinkRunnerRegistrar$Runner"), runners);
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
  void neitherProductionBundleCarriesTheLocalHarness() throws Exception {
    assertEquals(List.of(), harnessEntries(BUNDLE), "the Flink bundle");
    assertEquals(List.of(), harnessEntries(dataflowBundle()), "the Dataflow flex-template bundle");
  }

  @Test
  void javaDashJarLaunchesAndStopsWithOneLineWhenKafkaIsNotThere() throws Exception {
    Path log = dir.resolve("bundle-run.log");
    Process run =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", BUNDLE.toString(),
                // A port nothing listens on: the launch's Kafka check answers before any job starts.
                "--bootstrapServers=127.0.0.1:1",
                "--project=my-project",
                "--dataset=payments")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();

    assertTrue(run.waitFor(2, TimeUnit.MINUTES), "the launch ended");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(2, run.exitValue(), output);
    assertTrue(output.contains("error: ") && output.contains("127.0.0.1:1"), output);
  }

  @Test
  void theLocalHarnessOptionsAreUnknownToTheProductionLaunch() throws Exception {
    Process run =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", BUNDLE.toString(),
                "--bootstrapServers=127.0.0.1:1", "--project=my-project", "--dataset=payments", "--tablesDir=tables")
            .redirectErrorStream(true)
            .start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertTrue(run.waitFor(2, TimeUnit.MINUTES), "the launch ended");
    assertEquals(2, run.exitValue(), output);
    assertTrue(output.contains("tablesDir"), output);
  }

  private static List<String> harnessEntries(Path bundle) throws IOException {
    try (JarFile jar = new JarFile(bundle.toFile())) {
      return jar.stream()
          .map(java.util.zip.ZipEntry::getName)
          .filter(name -> HARNESS.stream().anyMatch(name::startsWith))
          .limit(10)
          .toList();
    }
  }

  /** The flex-template bundle, found by its main class among the jars the templates module built. */
  private static Path dataflowBundle() throws IOException {
    try (Stream<Path> jars = Files.list(DATAFLOW_BUNDLES)) {
      Optional<Path> bundle = jars.filter(path -> path.toString().endsWith(".jar"))
          .filter(BundledJarIT::launchesDataflow)
          .findFirst();
      return bundle.orElseThrow(() -> new AssertionError("no flex-template bundle in " + DATAFLOW_BUNDLES
          + ": build the templates module first"));
    }
  }

  private static boolean launchesDataflow(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      return file.getManifest() != null
          && "dev.exactlyonce.payments.templates.DataflowLaunch".equals(file.getManifest().getMainAttributes().getValue("Main-Class"));
    } catch (IOException e) {
      return false;
    }
  }

  private static String entry(JarFile jar, String name) throws Exception {
    try (var in = jar.getInputStream(jar.getEntry(name))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
