package dev.exactlyonce.payments.runners.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.pipeline.PaymentsPipelineOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming from retained checkpoints: which one, and how the embedded cluster is told. */
class FlinkLaunchTest {
  @TempDir Path dir;

  private Path checkpoint(String job, int number, Instant completedAt) throws Exception {
    Path checkpoint = Files.createDirectories(dir.resolve("checkpoints").resolve(job).resolve("chk-" + number));
    if (completedAt != null) {
      Path metadata = Files.writeString(checkpoint.resolve("_metadata"), "m");
      Files.setLastModifiedTime(metadata, FileTime.from(completedAt));
    }
    return checkpoint;
  }

  private FlinkPipelineOptions launched(String... args) {
    PaymentsPipelineOptions options =
        FlinkLaunch.launcher().parse(Stream.concat(Stream.of("--bootstrapServers=broker:9092"), Stream.of(args)).toArray(String[]::new));
    FlinkLaunch.applyDefaults(options);
    return options.as(FlinkPipelineOptions.class);
  }

  @Test
  void theLatestCheckpointIsTheNewestCompleteOneOfAnyJob() throws Exception {
    Instant now = Instant.parse("2026-11-23T10:00:00Z");
    checkpoint("job-a", 7, now.minusSeconds(60));
    Path newest = checkpoint("job-b", 2, now);
    checkpoint("job-b", 3, null);

    assertEquals(Optional.of(newest), RetainedCheckpoints.latest(dir.resolve("checkpoints")));
    assertEquals(Optional.empty(), RetainedCheckpoints.latest(dir.resolve("nothing-here")));
  }

  @Test
  void resumingOnTheEmbeddedClusterNamesTheCheckpointInItsConfiguration() throws Exception {
    Path newest = checkpoint("job-a", 4, Instant.now());

    FlinkPipelineOptions options =
        launched("--runner=FlinkRunner", "--stateBackendStoragePath=" + dir.resolve("checkpoints").toUri(),
            "--resumeFromLatestCheckpoint=true");

    assertEquals(newest.toUri().toString(), options.getSavepointPath());
    assertEquals(newest.toUri().toString(), loaded(options).get("execution.savepoint.path"), loaded(options).toString());
  }

  @Test
  void theUsersFlinkConfigurationIsKeptWhenRestoring() throws Exception {
    Path userConf = Files.createDirectories(dir.resolve("conf"));
    // Values the legacy parser takes as they are, and that are not YAML.
    Files.writeString(userConf.resolve("flink-conf.yaml"),
        "taskmanager.numberOfTaskSlots: 4\nweb.cors.allow-origin: *\nenv.java.opts.all: -Dnote=a: b\n");

    FlinkPipelineOptions options =
        launched("--runner=FlinkRunner", "--flinkConfDir=" + userConf, "--savepointPath=file:/savepoints/sp-1");

    Map<String, String> loaded = loaded(options);
    assertEquals("4", loaded.get("taskmanager.numberOfTaskSlots"), loaded.toString());
    assertEquals("*", loaded.get("web.cors.allow-origin"), loaded.toString());
    assertEquals("-Dnote=a: b", loaded.get("env.java.opts.all"), loaded.toString());
    assertEquals("file:/savepoints/sp-1", loaded.get("execution.savepoint.path"), loaded.toString());
  }

  @Test
  void theSavepointToResumeFromReplacesOneTheUsersConfigurationNames() throws Exception {
    Path userConf = Files.createDirectories(dir.resolve("conf-savepoint"));
    Files.writeString(userConf.resolve("config.yaml"),
        "execution.savepoint.path: file:/savepoints/old\ntaskmanager.numberOfTaskSlots: 4\n");

    FlinkPipelineOptions options =
        launched("--runner=FlinkRunner", "--flinkConfDir=" + userConf, "--savepointPath=file:/savepoints/sp-1");

    // Flink's config.yaml parser refuses a key given twice.
    Map<String, String> loaded = loaded(options);
    assertEquals("file:/savepoints/sp-1", loaded.get("execution.savepoint.path"));
    assertEquals("4", loaded.get("taskmanager.numberOfTaskSlots"));
  }

  @Test
  void keysTheUsersConfigurationNestsAreKeptAndTheSavepointStillReplacesTheirs() throws Exception {
    // The layout of Flink 1.19's own config.yaml. A flat line added after a nested key wins.
    Path userConf = Files.createDirectories(dir.resolve("conf-nested"));
    Files.writeString(userConf.resolve("config.yaml"), String.join("\n",
        "taskmanager:",
        "  memory:",
        "    managed:",
        "      size: 300m",
        "execution:",
        "  savepoint:",
        "    path: file:/savepoints/old",
        ""));

    Map<String, String> loaded =
        loaded(launched("--runner=FlinkRunner", "--flinkConfDir=" + userConf, "--savepointPath=file:/savepoints/sp-1"));

    assertEquals("300m", loaded.get("taskmanager.memory.managed.size"), loaded.toString());
    assertEquals("file:/savepoints/sp-1", loaded.get("execution.savepoint.path"), loaded.toString());
  }

  @Test
  void aMetricsPortServesPrometheusFromTheEmbeddedCluster() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }

    Map<String, String> loaded = loaded(launched("--runner=FlinkRunner",
        "--stateBackendStoragePath=" + dir.resolve("checkpoints").toUri(), "--metricsPort=" + port));

    assertEquals(PrometheusReporterFactory.class.getName(), loaded.get("metrics.reporter.prom.factory.class"), loaded.toString());
    assertEquals(Integer.toString(port), loaded.get("metrics.reporter.prom.port"), loaded.toString());
  }

  @Test
  void aMetricsPortThatIsTakenIsRefusedInOneLineNamingTheOption() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> launched("--runner=FlinkRunner",
          "--stateBackendStoragePath=" + dir.resolve("checkpoints").toUri(), "--metricsPort=" + taken.getLocalPort()));

      assertTrue(refused.getMessage().startsWith("--metricsPort=" + taken.getLocalPort() + ": the port is taken"), refused.getMessage());
      assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
    }
  }

  @Test
  void aMetricsPortIsRefusedForAClusterWhoseProcessesServeTheirOwn() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> launched("--runner=FlinkRunner",
        "--flinkMaster=jobmanager:8081", "--stateBackendStoragePath=file:///shared/checkpoints", "--metricsPort=9249"));

    assertTrue(refused.getMessage().contains("metrics.reporter.prom.port"), refused.getMessage());
  }

  @Test
  void allowingNonRestoredStateReachesTheEmbeddedClusterOnlyWhenAsked() {
    // Beam passes --allowNonRestoredState only when submitting to a cluster.
    Map<String, String> allowed = loaded(launched("--runner=FlinkRunner", "--savepointPath=file:/savepoints/sp-1",
        "--allowNonRestoredState=true"));
    assertEquals("true", allowed.get("execution.savepoint.ignore-unclaimed-state"), allowed.toString());

    Map<String, String> strict = loaded(launched("--runner=FlinkRunner", "--savepointPath=file:/savepoints/sp-1"));
    assertFalse(strict.containsKey("execution.savepoint.ignore-unclaimed-state"), strict.toString());
  }

  @Test
  void aFlinkConfDirThatIsMissingOrHasNoConfigurationIsRefused() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("conf-empty"));
    for (Path confDir : List.of(dir.resolve("conf-typo"), empty)) {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
          () -> launched("--runner=FlinkRunner", "--flinkConfDir=" + confDir));
      assertTrue(error.getMessage().startsWith("--flinkConfDir=" + confDir + ": "), error.getMessage());
    }
  }

  @Test
  void aClusterGetsTheSavepointFromBeamAndNoExtraConfiguration() {
    FlinkPipelineOptions options =
        launched("--runner=FlinkRunner", "--flinkMaster=jobmanager:8081", "--stateBackendStoragePath=hdfs://nn/checkpoints",
            "--savepointPath=file:/savepoints/sp-1");

    assertNull(options.getFlinkConfDir());
  }

  @Test
  void aClusterNeedsCheckpointStorageEveryTaskManagerReaches() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> launched("--runner=FlinkRunner", "--flinkMaster=jobmanager:8081"));

    assertTrue(error.getMessage().startsWith("--stateBackendStoragePath is required with --flinkMaster=jobmanager:8081"),
        error.getMessage());
  }

  @Test
  void aPlainStoragePathBecomesAFileUriAndItsDirectoryIsCreated() {
    Path storage = dir.resolve("not-yet").resolve("checkpoints");

    FlinkPipelineOptions options = launched("--runner=FlinkRunner", "--stateBackendStoragePath=" + storage);

    assertEquals(storage.toUri().toString(), options.getStateBackendStoragePath());
    assertTrue(Files.isDirectory(storage));
  }

  @Test
  void aClusterIsToldToNameItsStorageSchemeAndItsStorageIsNotTouchedHere() {
    IllegalArgumentException plain = assertThrows(IllegalArgumentException.class,
        () -> launched("--runner=FlinkRunner", "--flinkMaster=jobmanager:8081", "--stateBackendStoragePath=/shared/checkpoints"));
    assertTrue(plain.getMessage().startsWith("--stateBackendStoragePath=/shared/checkpoints has no scheme"), plain.getMessage());

    Path notMountedHere = dir.resolve("mount").resolve("checkpoints");
    FlinkPipelineOptions shared = launched(
        "--runner=FlinkRunner", "--flinkMaster=jobmanager:8081", "--stateBackendStoragePath=" + notMountedHere.toUri());
    assertEquals(notMountedHere.toUri().toString(), shared.getStateBackendStoragePath());
    assertFalse(Files.exists(notMountedHere), "a cluster's storage is not created on the launching machine");
  }

  @Test
  void anUnreachableJobManagerStopsTheLaunchWithOneLineNamingTheOption() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();

    int status = FlinkLaunch.launchChecked(
        new String[] {"--bootstrapServers=broker:9092", "--project=my-project", "--dataset=payments",
            "--flinkMaster=127.0.0.1:" + closedPort, "--stateBackendStoragePath=hdfs://nn/checkpoints"},
        new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8),
        (servers, topic, security) -> { });

    String printed = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(2, status, printed);
    assertTrue(printed.startsWith("error: --flinkMaster=127.0.0.1:" + closedPort + ": cannot reach the JobManager (ConnectException"),
        printed);
  }

  @Test
  void aStoragePathThatCannotBeADirectoryIsRefusedNamingTheOption() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
    String storage = file.resolve("checkpoints").toString();

    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> launched("--runner=FlinkRunner", "--stateBackendStoragePath=" + storage));

    assertTrue(error.getMessage().startsWith("--stateBackendStoragePath=" + storage + ": cannot create the checkpoint directory"),
        error.getMessage());
  }

  @Test
  void underFlinkRunTheDefaultMasterIsTheClusterNotAnEmbeddedOne() {
    FlinkCliEnvironment.during(() -> {
      IllegalArgumentException storage = assertThrows(IllegalArgumentException.class, () -> launched("--runner=FlinkRunner"));
      assertTrue(storage.getMessage().startsWith("--stateBackendStoragePath is required"), storage.getMessage());
    });
  }

  @Test
  void afterACleanDrainOnlyCheckpointsCompletedLaterAreResumed() throws Exception {
    checkpoint("job-a", 4, Instant.now().minusSeconds(600));
    RetainedCheckpoints.markDrained(dir.resolve("checkpoints"));
    String[] resume = {"--runner=FlinkRunner", "--stateBackendStoragePath=" + dir.resolve("checkpoints").toUri(),
        "--resumeFromLatestCheckpoint=true"};

    assertNull(launched(resume).getSavepointPath(), "the drained job's starting checkpoint is behind it");

    Path later = checkpoint("job-b", 1, Instant.now().plusSeconds(60));
    assertEquals(later.toUri().toString(), launched(resume).getSavepointPath());
  }

  @Test
  void withNoRetainedCheckpointTheRunStartsWithoutState() throws IOException {
    FlinkPipelineOptions options =
        launched("--runner=FlinkRunner", "--stateBackendStoragePath=" + dir.resolve("empty").toUri(),
            "--resumeFromLatestCheckpoint=true");

    assertNull(options.getSavepointPath());
    assertFalse(loaded(options).containsKey("execution.savepoint.path"), loaded(options).toString());
  }

  @Test
  void theEmbeddedClusterGivesRocksDbManagedMemoryUnlessTheUserSetIt() throws Exception {
    Map<String, String> byDefault = loaded(launched("--runner=FlinkRunner"));
    assertEquals(FlinkLaunch.DEFAULT_EMBEDDED_MANAGED_MEMORY, byDefault.get("taskmanager.memory.managed.size"), byDefault.toString());

    Path userConf = Files.createDirectories(dir.resolve("conf-memory"));
    Files.writeString(userConf.resolve("config.yaml"), "taskmanager.memory.managed.size: 300m\n");
    Map<String, String> kept = loaded(launched("--runner=FlinkRunner", "--flinkConfDir=" + userConf));
    assertEquals("300m", kept.get("taskmanager.memory.managed.size"), kept.toString());

    assertNull(launched("--runner=FlinkRunner", "--stateBackend=filesystem").getFlinkConfDir(),
        "heap state uses no managed memory, so the user's configuration is left alone");
  }

  /** The embedded cluster's configuration as Flink reads it. */
  private static Map<String, String> loaded(FlinkPipelineOptions options) {
    return GlobalConfiguration.loadConfiguration(options.getFlinkConfDir()).toMap();
  }

  @Test
  void resumingFromCheckpointsOutsideThisMachineAsksForTheirPath() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> launched("--runner=FlinkRunner", "--stateBackendStoragePath=hdfs://nn/checkpoints",
            "--resumeFromLatestCheckpoint=true"));

    assertTrue(error.getMessage().contains("--savepointPath"), error.getMessage());
  }
}
