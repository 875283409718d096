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
 * what the first one deduplicated: a copy of a first-run payment that arrives after the restart is
 * written again. This test pins both facts, the README states them.
 */
class LocalRestartTest {
  private static final int STRADDLING_COPIES = 20;
  @TempDir Path dir;

  @Test
  void restartMidStreamWithSameGroupAndTablesLosesNoPayment() throws Exception {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
      String topic = "payments-restart";
      kafka.createTopic(topic, 4);
      Path tables = dir.resolve("tables");
      PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

      SimulatorSettings firstHalf = LocalModeIntegrationTest.troubleEverywhere(600, 11);
      Ledger first = LocalModeIntegrationTest.simulate(kafka, topic, firstHalf);
      LocalPipeline.Outcome firstRun =
          LocalPipeline.run(LocalModeIntegrationTest.options(kafka, topic, tables, "--stopWhenIdleSeconds=5"), quiet);
      assertEquals(first.recordsSent(), firstRun.recordsRead());

      // The stream goes on after the stop: new payments, and copies of first-run payments
      // (a producer that resends after the consumer restarted).
      Ledger second = LocalModeIntegrationTest.simulate(kafka, topic, LocalModeIntegrationTest.troubleEverywhere(600, 12));
      List<String> resent = resendSomeOf(firstHalf, first, kafka, topic);
      LocalPipeline.Outcome secondRun =
          LocalPipeline.run(LocalModeIntegrationTest.options(kafka, topic, tables, "--stopWhenIdleSeconds=5"), quiet);
      assertEquals(second.recordsSent() + STRADDLING_COPIES, secondRun.recordsRead(),
          "the second run continued from the offsets the first one committed");

      Ledger sent = combined(first, second, resent);
      Reconciliation.Report report = Reconciliation.check(sent, TableFiles.read(tables));
      assertEquals(List.of(), report.missing(), report.text());
      Set<String> writtenTwice =
          TableFiles.read(tables).transactionIdsWrittenMoreThanOnce();
      assertEquals(Set.copyOf(resent), writtenTwice, "exactly the copies that straddled the restart are written twice");
    }
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
