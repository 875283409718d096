package dev.exactlyonce.payments.local.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exactlyonce.payments.local.kafka.ConsumerLag;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a real Flink cluster: a JobManager and two TaskManagers, each its own JVM,
 * started by {@code runners/flink-cluster/cluster.sh}, the job submitted through the REST API at
 * parallelism 2. Payments stream in while a machine fails: one TaskManager killed with SIGKILL, or
 * the whole cluster stopped and started again. Each time the job comes back from its last
 * checkpoint, drains, and every one of the five tables reconciles with EXACT accounting.
 */
class FlinkClusterDrillIT {
  private static final Duration PATIENCE = Duration.ofMinutes(4);
  private static final String GROUP = "cluster-drill";

  @TempDir Path dir;

  @Test
  void aTaskManagerKilledMidStreamTheJobRestoresFromItsCheckpointAndEveryTableIsExact() throws Exception {
    try (LocalKafka kafka = FlinkLocalRuns.kafkaWithPaymentsTopic(dir);
        StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"))) {
      Process job = cluster.submit(jobOptions(kafka), log("job"));
      String jobId = awaitRunningWithACheckpoint(cluster, job);
      CompletableFuture<Ledger> producing = FlinkLocalRuns.sendWhileRunning(kafka, streamOfPayments());
      // The TaskManager to be killed is doing its share: its shard of the stand-in has payments.
      Path killedShard = shardOf(cluster.taskManagerPid(1));
      awaitOrFail(cluster, job, () -> rows(killedShard) >= 100 && cluster.completedCheckpoints(jobId) >= 2);
      assertFalse(producing.isDone(), "the TaskManager is killed while payments still stream in");

      cluster.killTaskManager(1);

      Ledger ledger = producing.get(5, TimeUnit.MINUTES);
      drainOnceEverythingIsCommitted(kafka, cluster, job);
      awaitDrained(cluster, job);
      JsonNode restored = cluster.restoredCheckpoint(jobId).orElseThrow(
          () -> new AssertionError("the job never restored from a checkpoint:\n" + cluster.logs()));
      assertFalse(restored.path("is_savepoint").asBoolean(), "restored from a checkpoint, not a savepoint: " + restored);
      assertExact(ledger);
    }
  }

  @Test
  void theWholeClusterStoppedAndStartedAgainTheJobResumesFromItsRetainedCheckpointAndEveryTableIsExact()
      throws Exception {
    try (LocalKafka kafka = FlinkLocalRuns.kafkaWithPaymentsTopic(dir);
        StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"))) {
      Process first = cluster.submit(jobOptions(kafka), log("first-job"));
      String firstJob = awaitRunningWithACheckpoint(cluster, first);
      CompletableFuture<Ledger> producing = FlinkLocalRuns.sendWhileRunning(kafka, streamOfPayments());
      awaitOrFail(cluster, first, () -> rowsInAllShards(dir.resolve("tables").resolve("shards")) >= 200
          && cluster.completedCheckpoints(firstJob) >= 2);
      assertFalse(producing.isDone(), "the cluster stops while payments still stream in");

      cluster.stop();
      // Its job is gone with the cluster; a user would stop the submitting client too.
      first.destroyForcibly();
      cluster.restart();
      List<String> resumed = new ArrayList<>(jobOptions(kafka));
      resumed.add("--resumeFromLatestCheckpoint=true");
      Process second = cluster.submit(resumed, log("resumed-job"));

      Ledger ledger = producing.get(5, TimeUnit.MINUTES);
      drainOnceEverythingIsCommitted(kafka, cluster, second);
      awaitDrained(cluster, second);
      String secondJob = cluster.jobId().orElseThrow();
      JsonNode restored = cluster.restoredCheckpoint(secondJob).orElseThrow(
          () -> new AssertionError("the resumed job restored no checkpoint:\n" + cluster.logs()));
      assertTrue(restored.path("external_path").asText().contains(firstJob),
          "resumed from the first job's retained checkpoint: " + restored);
      assertExact(ledger);
    }
  }

  private List<String> jobOptions(LocalKafka kafka) {
    return List.of(
        "--bootstrapServers=" + kafka.bootstrapServers(),
        "--topic=" + FlinkLocalRuns.TOPIC,
        "--tablesDir=" + dir.resolve("tables"),
        "--consumerGroup=" + GROUP,
        "--checkpointingInterval=2000",
        // The test drains the job itself, once the stream is over: a job that drained on idle input
        // could do so before its first record on a busy machine, or before the stream began.
        "--stopWhenIdleSeconds=0",
        "--drainSignalFile=" + drainSignal());
  }

  private Path drainSignal() {
    return dir.resolve("drain");
  }

  /**
   * Drains the job once the consumer group committed every record sent: each one read, and in a
   * completed checkpoint.
   */
  private void drainOnceEverythingIsCommitted(LocalKafka kafka, StandaloneCluster cluster, Process job) throws Exception {
    try (ConsumerLag lag = new ConsumerLag(kafka.bootstrapServers(), GROUP, FlinkLocalRuns.TOPIC)) {
      awaitOrFail(cluster, job, () -> {
        try {
          return lag.records() == 0;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      });
    }
    Files.writeString(drainSignal(), "drain: the stream is over\n");
  }

  /**
   * Payments for about fifty seconds, from once the job runs: long enough for a failure in the
   * middle. Every kind of trouble the simulator injects is in it: late events are judged by their
   * Kafka timestamps, which a restore reads again unchanged.
   */
  private static SimulatorSettings streamOfPayments() {
    return SimulatorSettings.defaults(Instant.now()).withPayments(3_000).withRate(60);
  }

  private void assertExact(Ledger ledger) throws IOException {
    TableFiles written = TableFiles.read(dir.resolve("tables"));
    assertEquals(Set.of(), written.transactionIdsWrittenMoreThanOnce());
    Reconciliation.Report report = Reconciliation.check(ledger, written, Reconciliation.Accounting.EXACT);
    assertTrue(report.passed(), report.text());
  }

  private String awaitRunningWithACheckpoint(StandaloneCluster cluster, Process job) throws Exception {
    awaitOrFail(cluster, job, () -> cluster.jobId().map(id -> cluster.completedCheckpoints(id) >= 1).orElse(false));
    return cluster.jobId().orElseThrow();
  }

  /** The submitting client ends, once the drained job finished, with status 0. */
  private void awaitDrained(StandaloneCluster cluster, Process job) throws Exception {
    boolean ended = job.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    if (!ended) {
      job.destroyForcibly();
    }
    assertTrue(ended && job.exitValue() == 0,
        "the job did not drain cleanly; its client's log:\n" + tailOfLatestLog() + "\ncluster:\n" + cluster.logs());
  }

  private void awaitOrFail(StandaloneCluster cluster, Process job, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (!job.isAlive() || System.nanoTime() > deadline) {
        job.destroyForcibly();
        throw new AssertionError(
            "the job did not get there; its client's log:\n" + tailOfLatestLog() + "\ncluster:\n" + cluster.logs());
      }
      Thread.sleep(250);
    }
  }

  private Path shardOf(long pid) {
    return dir.resolve("tables").resolve("shards").resolve("process-" + pid);
  }

  /** Payment rows in one process's shard of the stand-in. */
  private static long rows(Path shard) {
    try {
      Path transactions = shard.resolve("payment_transactions.ndjson");
      return Files.exists(transactions) ? Files.readAllLines(transactions).size() : 0;
    } catch (IOException e) {
      // Replaced as it was read: the next poll reads it.
      return 0;
    }
  }

  /** Payment rows in every shard, while the processes write them. */
  private static long rowsInAllShards(Path shards) {
    try (var processes = Files.list(shards)) {
      return processes.mapToLong(FlinkClusterDrillIT::rows).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private Path log(String name) {
    return dir.resolve(name + ".log");
  }

  private String tailOfLatestLog() throws IOException {
    try (var logs = Files.list(dir)) {
      Path latest = logs.filter(file -> file.getFileName().toString().endsWith("job.log"))
          .max(Comparator.comparingLong(file -> file.toFile().lastModified()))
          .orElseThrow();
      return FlinkLocalRuns.tail(latest);
    }
  }
}
