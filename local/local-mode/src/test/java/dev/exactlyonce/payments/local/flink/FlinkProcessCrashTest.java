package dev.exactlyonce.payments.local.flink;

import dev.exactlyonce.payments.runners.flink.RetainedCheckpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.kafka.ConsumerLag;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process running the pipeline is killed with SIGKILL while payments still stream in, after
 * at least one checkpoint completed and Kafka offsets were committed. Started again, it continues
 * from what survived the crash, and UPSERT writes leave one row per payment, nothing lost.
 */
class FlinkProcessCrashTest {
  private static final String TOPIC = FlinkLocalRuns.TOPIC;
  private static final String GROUP = "crash-drill";
  private static final int SIGKILL_EXIT = 128 + 9;
  private static final Duration PATIENCE = Duration.ofMinutes(3);

  @TempDir Path dir;

  @Test
  void killedMidStreamThenRestartedFromCommittedOffsetsLosesNothingAndWritesNothingTwice() throws Exception {
    try (LocalKafka kafka = FlinkLocalRuns.kafkaWithPaymentsTopic(dir)) {
      Crash crash = crashMidStream(kafka);

      LocalPipeline.Outcome restart = restart(kafka);

      assertEquals(crash.ledger().recordsSent() - crash.committedOffsets(), restart.recordsRead(),
          "the restart read exactly what the consumer group had not committed");
      TableFiles written = TableFiles.read(tables());
      assertTrue(written.transactionIds().size() > crash.rowsWritten(), "the restart wrote the rest");
      assertEquals(Set.of(), written.transactionIdsWrittenMoreThanOnce());
      Reconciliation.Report report =
          Reconciliation.check(crash.ledger(), written, Reconciliation.Accounting.REPLAYS_COLLAPSE);
      assertEquals(List.of(), report.missing(), report.text());
      // Without state, a metrics window that straddles the crash holds only one run's part;
      // payment_transactions has one row per payment and is exact.
      assertEquals(crash.ledger().totalsByCurrency(), written.transactionTotalsByCurrency());
    }
  }

  @Test
  void killedMidStreamThenResumedFromTheRetainedCheckpointReconciles() throws Exception {
    try (LocalKafka kafka = FlinkLocalRuns.kafkaWithPaymentsTopic(dir)) {
      Crash crash = crashMidStream(kafka);

      LocalPipeline.Outcome restart = restart(kafka, "--resumeFromLatestCheckpoint=true");

      // Kafka positions come back from the checkpoint, at or past what was committed before it
      // completed; the Flink state comes back too, so windows and dedup go on where they were.
      assertTrue(restart.recordsRead() > 0 && restart.recordsRead() <= crash.ledger().recordsSent() - crash.committedOffsets(),
          "resumed from the checkpoint's positions: read " + restart.recordsRead());
      TableFiles written = TableFiles.read(tables());
      Reconciliation.Report report =
          Reconciliation.check(crash.ledger(), written, Reconciliation.Accounting.REPLAYS_COLLAPSE);
      assertTrue(report.passed(), report.text());
      // The resumed run drained: the checkpoint it started from must not be resumed again.
      assertEquals(Optional.empty(), RetainedCheckpoints.latest(checkpoints()));
    }
  }

  /** What a crash left behind. */
  private record Crash(Ledger ledger, long committedOffsets, int rowsWritten) {}

  /**
   * Starts the pipeline in a process of its own and kills it with SIGKILL while payments still
   * stream in, once a checkpoint completed, offsets were committed and rows written; returns when
   * every payment is sent.
   */
  private Crash crashMidStream(LocalKafka kafka) throws Exception {
    Path log = dir.resolve("killed-run.log");
    Process pipeline = launch(kafka, tables(), checkpoints(), log);
    // No late events: a record's lateness depends on how far the watermark got when it was read,
    // which a restart without state does not reproduce.
    SimulatorSettings settings =
        SimulatorSettings.defaults(Instant.now())
            .withPayments(3_000)
            .withRate(150)
            .withInjectionRates(0.05, 0.01, 0.01, 0.05, 0.0, 0.02);
    // Production starts once the job runs (it has completed a checkpoint): on a busy machine the
    // job's JVM took longer to start than the whole production, and was killed after it.
    awaitOrFail(pipeline, log, () -> RetainedCheckpoints.latest(checkpoints()).isPresent());
    CompletableFuture<Ledger> producing = FlinkLocalRuns.sendWhileRunning(kafka, settings);

    awaitOrFail(pipeline, log, () -> rowsWritten(tables()) >= 200 && committedOffsets(kafka) > 0);
    assertFalse(producing.isDone(), "the pipeline is killed while payments still stream in");
    pipeline.destroyForcibly();
    assertTrue(pipeline.waitFor(30, TimeUnit.SECONDS));
    assertEquals(SIGKILL_EXIT, pipeline.exitValue(), "killed by SIGKILL");
    Crash crash = new Crash(producing.get(5, TimeUnit.MINUTES), committedOffsets(kafka), rowsWritten(tables()));
    System.out.printf("killed after %d records committed and %d payment rows written; %d records sent in all%n",
        crash.committedOffsets(), crash.rowsWritten(), crash.ledger().recordsSent());
    return crash;
  }

  private LocalPipeline.Outcome restart(LocalKafka kafka, String... extra) throws Exception {
    String[] args = Stream.concat(Stream.of("--consumerGroup=" + GROUP), Stream.of(extra)).toArray(String[]::new);
    return LocalFlinkLaunch.run(
        FlinkLocalRuns.options(kafka, tables(), checkpoints(), 1_000, args),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  private Path tables() {
    return dir.resolve("tables");
  }

  private Path checkpoints() {
    return dir.resolve("checkpoints");
  }

  /** The pipeline in a JVM of its own, as a user starts it, writing into the stand-in. */
  private static Process launch(LocalKafka kafka, Path tables, Path checkpoints, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(FlinkLocalRuns.javaBinary());
    command.add("-Xmx1g");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LocalFlinkLaunch.class.getName());
    command.addAll(
        List.of(
            "--parallelism=2",
            "--checkpointingInterval=1000",
            "--stateBackendStoragePath=" + checkpoints.toUri(),
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--topic=" + TOPIC,
            "--consumerGroup=" + GROUP,
            "--tablesDir=" + tables,
            "--stopWhenIdleSeconds=600"));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }


  private static void awaitOrFail(Process process, Path log, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new AssertionError("the pipeline did not get going; its log:\n" + FlinkLocalRuns.tail(log));
      }
      Thread.sleep(200);
    }
  }

  private static int rowsWritten(Path tables) {
    File transactions = tables.resolve("payment_transactions.ndjson").toFile();
    try {
      return transactions.exists() ? Files.readAllLines(transactions.toPath()).size() : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** Offsets the consumer group committed, summed over partitions; 0 while Kafka does not answer. */
  private static long committedOffsets(LocalKafka kafka) {
    try (ConsumerLag group = new ConsumerLag(kafka.bootstrapServers(), GROUP, TOPIC)) {
      return Math.max(0, group.committedRecords());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
