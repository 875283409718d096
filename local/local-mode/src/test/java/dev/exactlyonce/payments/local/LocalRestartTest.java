package dev.exactlyonce.payments.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.PaymentSimulator;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop the pipeline mid-stream, start it again with the same consumer group and table directory:
 * no payment is lost. The DirectRunner keeps no durable state, so the second run has forgotten
 * what the first one deduplicated: with exactly-once appends a copy of a first-run payment that
 * arrives after the restart is written again; with upserts it collapses into the same row. This
 * test pins those facts, the README states them.
 */
class LocalRestartTest {
  private static final int STRADDLING_COPIES = 20;
  @TempDir Path dir;

  @Test
  void restartMidStreamWithSameGroupAndTablesLosesNoPayment() throws Exception {
    Set<String> writtenTwice = restartDrill("EXACTLY_ONCE", Reconciliation.Accounting.EXACT);
    assertTrue(writtenTwice.size() >= STRADDLING_COPIES, "copies that straddle the restart are written again");
  }

  @Test
  void restartInUpsertModeLosesNoPaymentAndWritesNoneTwice() throws Exception {
    Set<String> writtenTwice =
        restartDrill("UPSERT", Reconciliation.Accounting.REPLAYS_COLLAPSE);
    assertEquals(Set.of(), writtenTwice);
  }

  /** Runs the drill; returns the transactions written more than once. */
  private Set<String> restartDrill(
      String writeMode, Reconciliation.Accounting accounting)
      throws Exception {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
      String topic = "payments-restart";
      kafka.createTopic(topic, 4);
      Path tables = dir.resolve("tables");
      PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

      SimulatorSettings firstHalf = LocalModeIntegrationTest.troubleEverywhere(600, 11);
      Ledger first = LocalModeIntegrationTest.simulate(kafka, topic, firstHalf);
      LocalPipeline.Outcome firstRun =
          LocalPipeline.run(
              LocalModeIntegrationTest.options(kafka, topic, tables, "--stopWhenIdleSeconds=5", "--writeMode=" + writeMode),
              quiet);
      assertEquals(first.recordsSent(), firstRun.recordsRead());

      // The stream goes on after the stop: new payments, and copies of first-run payments
      // (a producer that resends after the consumer restarted).
      Ledger second = LocalModeIntegrationTest.simulate(kafka, topic, LocalModeIntegrationTest.troubleEverywhere(600, 12));
      List<String> resent = resendSomeOf(firstHalf, first, kafka, topic);
      LocalPipeline.Outcome secondRun =
          LocalPipeline.run(
              LocalModeIntegrationTest.options(kafka, topic, tables, "--stopWhenIdleSeconds=5", "--writeMode=" + writeMode),
              quiet);
      // KafkaIO commits offsets asynchronously: the last ones of the first run may not have landed
      // when it finished, and are read again. The second run must not have started over.
      long newRecords = second.recordsSent() + STRADDLING_COPIES;
      long readAgain = secondRun.recordsRead() - newRecords;
      assertTrue(readAgain >= 0 && readAgain < first.recordsSent() / 10,
          "the second run continued from the committed offsets; it read " + secondRun.recordsRead()
              + " records for " + newRecords + " new ones");

      Ledger sent = combined(first, second, resent);
      Reconciliation.Report report = Reconciliation.check(sent, TableFiles.read(tables), accounting);
      assertEquals(List.of(), report.missing(), report.text());
      TableFiles written = TableFiles.read(tables);
      Set<String> writtenTwice = written.transactionIdsWrittenMoreThanOnce();
      if (writtenTwice.isEmpty()) {
        // One row per payment: the transactions table is exact to the cent. payment_metrics is
        // not: a window that straddles the restart holds only one run's part (no durable state).
        assertEquals(expectedTotals(sent, written), written.transactionTotalsByCurrency());
      } else {
        assertTrue(writtenTwice.containsAll(resent), "every copy that straddled the restart is written twice");
        assertTrue(writtenTwice.size() <= resent.size() + readAgain,
            "the only other payments written twice are ones read again: " + writtenTwice.size());
      }
      return writtenTwice;
    }
  }

  /** Totals of every payment the ledger sent, but those that ended only as LATE dead letters. */
  private static Map<String, java.math.BigDecimal> expectedTotals(Ledger sent, TableFiles written) {
    Set<String> inTable = written.transactionIds();
    Map<String, java.math.BigDecimal> totals = new TreeMap<>();
    for (Ledger.Entry entry : sent.payments()) {
      if (!entry.late() || inTable.contains(entry.transactionId())) {
        totals.merge(entry.currency(), entry.amount(), java.math.BigDecimal::add);
      }
    }
    return totals;
  }

  /** Sends again the first {@link #STRADDLING_COPIES} on-time payments of an earlier simulation. */
  private static List<String> resendSomeOf(SimulatorSettings settings, Ledger ledger, LocalKafka kafka, String topic)
      throws Exception {
    Set<String> onTime =
        ledger.payments().stream().filter(e -> !e.late()).map(Ledger.Entry::transactionId).collect(Collectors.toSet());
    Map<String, byte[]> records = new LinkedHashMap<>();
    PaymentSimulator.run(settings, topic, (key, value) -> {
      String id = key == null ? null : new String(key, StandardCharsets.UTF_8);
      if (onTime.contains(id) && records.size() < STRADDLING_COPIES) {
        records.putIfAbsent(id, value);
      }
    }, sent -> { });
    try (KafkaSink sink = new KafkaSink(kafka.bootstrapServers(), topic)) {
      records.forEach((id, value) -> sink.send(id.getBytes(StandardCharsets.UTF_8), value));
    }
    return new ArrayList<>(records.keySet());
  }

  private static Ledger combined(Ledger first, Ledger second, List<String> resent) {
    List<Ledger.Entry> payments = new ArrayList<>();
    for (Ledger.Entry e : first.payments()) {
      if (resent.contains(e.transactionId())) {
        List<String> scenarios = new ArrayList<>(e.duplicateScenarios());
        scenarios.add("after_restart");
        e = new Ledger.Entry(e.transactionId(), e.currency(), e.amount(), e.eventTime(), e.copies() + 1, scenarios, e.outOfOrder(), e.late());
      }
      payments.add(e);
    }
    payments.addAll(second.payments());
    Map<String, Long> malformed = new TreeMap<>(first.malformed());
    second.malformed().forEach((k, v) -> malformed.merge(k, v, Long::sum));
    Map<String, Long> injected = new HashMap<>(first.injected());
    second.injected().forEach((k, v) -> injected.merge(k, v, Long::sum));
    injected.put("after_restart", (long) resent.size());
    return new Ledger(first.topic(), first.seed(), first.recordsSent() + second.recordsSent() + resent.size(),
        payments, malformed, injected);
  }
}
