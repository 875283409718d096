package dev.exactlyonce.payments.local.flink;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.cdc.CdcLedger;
import dev.exactlyonce.payments.local.cdc.CdcLocalOptions;
import dev.exactlyonce.payments.local.cdc.CdcLocalRun;
import dev.exactlyonce.payments.local.cdc.CdcSimulator;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.cdc.CdcReconciliation;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.drill.FailureDrill;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CDC pipeline on Flink {@code [local]}: a stage throws once mid-stream, Flink restores from its
 * last checkpoint and replays, and the table still matches the source's true final state row by
 * row; then the whole topic is read again from the earliest offset without any state, and the
 * table is byte for byte the same.
 */
class FlinkCdcFailureDrillTest {
  private static final String TOPIC = "articles.cdc";

  @TempDir Path dir;

  @Test
  void taskFailureMidStreamRestoresAndAFullReplayLeavesTheSameTable() throws Exception {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
      kafka.createTopic(TOPIC, 2);
      CompletableFuture<CdcLedger> simulation = CompletableFuture.supplyAsync(() -> simulate(kafka));
      Path tables = dir.resolve("tables");
      long failuresBefore = FailureDrill.timesFired();
      run(kafka, tables, dir.resolve("checkpoints-1"), "drill", simulation::isDone, "--failOnceAfterChanges=600");
      assertEquals(failuresBefore + 1, FailureDrill.timesFired(), "the drill failed the job exactly once");
      Reconciliation.Report report = CdcReconciliation.check(simulation.get(), tables, "dead_letter");
      assertTrue(report.passed(), report.text());
      String table = Files.readString(tables.resolve("articles.ndjson"));

      run(kafka, tables, dir.resolve("checkpoints-2"), "replay-from-earliest", () -> true);
      assertEquals(table, Files.readString(tables.resolve("articles.ndjson")));
    }
  }

  /** About 1,100 records over some ten seconds, so the failure falls between checkpoints mid-stream. */
  private static CdcLedger simulate(LocalKafka kafka) {
    AtomicLong sent = new AtomicLong();
    try (KafkaSink sink = new KafkaSink(kafka.bootstrapServers(), TOPIC)) {
      return CdcSimulator.run(
          CdcSimulator.Settings.defaults(System.currentTimeMillis()).withChanges(1_000),
          TOPIC,
          (key, value, timestamp) -> {
            sink.send(key, value, timestamp);
            if (sent.incrementAndGet() % 50 == 0) {
              pause();
            }
          });
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void run(LocalKafka kafka, Path tables, Path checkpoints, String group, BooleanSupplier inputComplete,
      String... extra) throws Exception {
    PipelineOptionsFactory.register(CdcLocalOptions.class);
    String[] args = new String[extra.length + 4];
    args[0] = "--topic=" + TOPIC;
    args[1] = "--consumerGroup=" + group;
    args[2] = "--startingOffsets=earliest";
    args[3] = "--columns=" + CdcSimulator.COLUMNS;
    System.arraycopy(extra, 0, args, 4, extra.length);
    CdcLocalOptions options = FlinkLocalRuns.options(kafka, tables, checkpoints, 500, args).as(CdcLocalOptions.class);
    CdcLocalRun.run(options, inputComplete, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }
}
