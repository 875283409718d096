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
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.apache.flink.util.FileUtils;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' "safe reprocessing" promise: all state lost (checkpoints deleted, offsets forgotten),
 * everything read again from the earliest offset, and UPSERT writes still leave one row per
 * payment with exact totals.
 */
class FlinkLostCheckpointTest {
  @TempDir Path dir;

  @Test
  void replayFromEarliestAfterLosingAllStateLeavesTheSameTables() throws Exception {
    try (LocalKafka kafka = FlinkLocalRuns.kafkaWithPaymentsTopic(dir)) {
      // No late events here: whether a payment is later than the horizon depends on how far the
      // watermark got when it was read, which a replay from the start does not reproduce.
      SimulatorSettings settings =
          SimulatorSettings.defaults(Instant.now())
              .withPayments(600)
              .withRate(5_000)
              .withInjectionRates(0.05, 0.01, 0.01, 0.05, 0.0, 0.02);
      Ledger ledger = FlinkLocalRuns.send(kafka, settings);
      Path tables = dir.resolve("tables");
      Path checkpoints = dir.resolve("checkpoints");

      run(kafka, tables, checkpoints, "first-run");
      Set<String> firstRun = TableFiles.read(tables).transactionIds();
      FileUtils.deleteDirectory(checkpoints.toFile());
      LocalPipeline.Outcome replay = run(kafka, tables, checkpoints, "after-state-loss");
      assertEquals(ledger.recordsSent(), replay.recordsRead(), "the replay read the whole topic again");

      TableFiles written = TableFiles.read(tables);
      assertEquals(firstRun, written.transactionIds());
      assertEquals(Set.of(), written.transactionIdsWrittenMoreThanOnce());
      Reconciliation.Report report =
          Reconciliation.check(ledger, written, Reconciliation.Accounting.REPLAYS_COLLAPSE);
      assertTrue(report.passed(), report.text());
    }
  }

  /** A consumer group of its own per run: the second run has no committed offsets either. */
  private static LocalPipeline.Outcome run(LocalKafka kafka, Path tables, Path checkpoints, String group)
      throws Exception {
    LocalModeOptions options =
        FlinkLocalRuns.options(
            kafka, tables, checkpoints, 1_000, "--consumerGroup=" + group, "--startingOffsets=earliest");
    return LocalPipeline.run(options, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }
}
