package dev.exactlyonce.payments.local.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.cdc.CdcReconciliation;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CDC pipeline on the DirectRunner against a real Kafka: a simulated change stream with
 * duplicates, out-of-order changes, deletes, tombstones, a replayed range and malformed records is
 * applied, and the table matches the source's true final state row by row; then everything is read
 * again from the earliest offset and the table is byte for byte the same.
 */
class CdcLocalModeIntegrationTest {
  @TempDir Path dir;

  @Test
  void simulatedChangesReconcileAndAFullReplayLeavesAnIdenticalTable() throws Exception {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
      kafka.createTopic(CdcSimulator.TABLE + ".cdc", 2);
      CdcLedger ledger;
      try (KafkaSink sink = new KafkaSink(kafka.bootstrapServers(), "articles.cdc")) {
        ledger = CdcSimulator.run(CdcSimulator.Settings.defaults(System.currentTimeMillis()).withChanges(800), "articles.cdc", sink::send);
      }
      Path tables = dir.resolve("tables");
      run(kafka, tables, "first");
      Reconciliation.Report report = CdcReconciliation.check(ledger, tables, "dead_letter");
      assertTrue(report.passed(), report.text());
      String table = Files.readString(tables.resolve("articles.ndjson"));

      run(kafka, tables, "replay-from-earliest");
      assertEquals(table, Files.readString(tables.resolve("articles.ndjson")));
      Reconciliation.Report again = CdcReconciliation.check(ledger, tables, "dead_letter");
      assertTrue(again.passed(), again.text());
    }
  }

  static void run(LocalKafka kafka, Path tables, String group) throws Exception {
    CdcLocalOptions options =
        CdcLocalRun.parseOptions(
            "--bootstrapServers=" + kafka.bootstrapServers(), "--tablesDir=" + tables, "--stopWhenIdleSeconds=5",
            "--consumerGroup=" + group, "--startingOffsets=earliest", "--columns=" + CdcSimulator.COLUMNS);
    CdcLocalRun.run(options, () -> true, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }
}
