package dev.exactlyonce.payments.local.flink;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import dev.exactlyonce.payments.local.drill.FailureDrill;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task failure on Flink {@code [local]}: a stage throws once mid-stream, Flink restores from its
 * last checkpoint and replays; with UPSERT writes the tables still reconcile exactly.
 */
class FlinkFailureDrillTest {
  @TempDir Path dir;

  @Test
  void taskFailureMidStreamRestoresAndReconcilesInUpsertMode() throws Exception {
    Reconciliation.Report report = drill("UPSERT", Reconciliation.Accounting.REPLAYS_COLLAPSE);
    assertTrue(report.passed(), report.text());
    assertEquals(java.util.Set.of(), TableFiles.read(dir.resolve("tables")).transactionIdsWrittenMoreThanOnce());
  }

  /**
   * The same failure with the exactly-once Storage Write method, which Flink cannot make exactly
   * once: rows flushed after the last completed checkpoint are appended again after the restore.
   * Nothing may be lost; the duplicates are counted and printed, for the README.
   */
  @Test
  void taskFailureWithExactlyOnceAppendsLosesNothingAndCountsDuplicates() throws Exception {
    Reconciliation.Report report = drill("EXACTLY_ONCE", Reconciliation.Accounting.REPLAYS_COLLAPSE);
    assertEquals(java.util.List.of(), report.missing(), report.text());
    System.out.println(
        "Flink task failure with EXACTLY_ONCE writes: "
            + TableFiles.read(dir.resolve("tables")).transactionIdsWrittenMoreThanOnce().size()
            + " payments written more than once");
  }

  /**
   * The restore replays what came after the checkpoint: copies collapse into their rows, and a late
   * payment read again under the restored, earlier watermark may be written although its first
   * reading dead-lettered it, hence replay accounting.
   */
  private Reconciliation.Report drill(String writeMode, Reconciliation.Accounting accounting) throws Exception {
    try (LocalKafka kafka = FlinkLocalRuns.kafkaWithPaymentsTopic(dir)) {
      SimulatorSettings settings =
          SimulatorSettings.defaults(Instant.now())
              .withPayments(1_500)
              .withRate(300)
              .withFrequentTrouble();
      CompletableFuture<Ledger> simulation = FlinkLocalRuns.sendWhileRunning(kafka, settings);
      Path tables = dir.resolve("tables");
      LocalModeOptions options =
          FlinkLocalRuns.options(
              kafka,
              tables,
              dir.resolve("checkpoints"),
              500,
              "--failOnceAfterPayments=900",
              "--writeMode=" + writeMode,
              "--writeTriggeringFrequencySeconds=1",
              "--writeStreams=2");
      long failuresBefore = FailureDrill.timesFired();
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      LocalPipeline.run(
          options, simulation::isDone, LocalPipeline.Progress.printingTo(new PrintStream(log, true, StandardCharsets.UTF_8)),
          new PrintStream(log, true, StandardCharsets.UTF_8));

      assertEquals(failuresBefore + 1, FailureDrill.timesFired(), "the drill failed the job exactly once");
      return Reconciliation.check(simulation.get(), TableFiles.read(tables), accounting);
    }
  }
}
