package dev.exactlyonce.payments.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing, small: a real Kafka broker, the simulator with every kind of trouble, the
 * pipeline on the DirectRunner writing through BigQueryIO into the stand-in, then reconciliation.
 */
class LocalModeIntegrationTest {
  private static final String TOPIC = "payments";
  @TempDir static Path dir;
  private static LocalKafka kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = LocalKafka.start(dir.resolve("kafka"));
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  /** Every injection at a rate high enough to occur many times in a small run. */
  static SimulatorSettings troubleEverywhere(long payments, long seed) {
    return SimulatorSettings.defaults(Instant.now())
        .withPayments(payments)
        .withRate(5_000)
        .withSeed(seed)
        .withFrequentTrouble();
  }

  static Ledger simulate(LocalKafka kafka, String topic, SimulatorSettings settings) throws Exception {
    return KafkaSink.simulate(kafka.bootstrapServers(), topic, settings, sent -> { });
  }

  static LocalModeOptions options(LocalKafka kafka, String topic, Path tables, String... extra) {
    String[] fixed = {
      "--bootstrapServers=" + kafka.bootstrapServers(),
      "--topic=" + topic,
      "--consumerGroup=" + topic + "-group",
      "--tablesDir=" + tables,
      "--writeStreams=2",
      "--writeTriggeringFrequencySeconds=1",
    };
    String[] args = java.util.stream.Stream.concat(List.of(fixed).stream(), List.of(extra).stream()).toArray(String[]::new);
    return LocalPipeline.parseOptions(args);
  }

  @Test
  void simulatedPaymentsWithEveryInjectedScenarioReconcile() throws Exception {
    kafka.createTopic(TOPIC, 4);
    Ledger ledger = simulate(kafka, TOPIC, troubleEverywhere(1_500, 7));
    assertTrue(
        ledger.injected().keySet().containsAll(Set.of("retry", "replay", "rebalance", "out_of_order", "late", "malformed")),
        "every scenario injected: " + ledger.injected());
    assertEquals(
        Set.of("UNPARSEABLE", "MISSING_FIELD", "INVALID_FIELD", "BAD_TIMESTAMP"), ledger.malformed().keySet());

    Path tables = dir.resolve("tables");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    LocalPipeline.Outcome outcome =
        LocalPipeline.run(
            options(kafka, TOPIC, tables, "--stopWhenIdleSeconds=5"),
            new PrintStream(log, true, StandardCharsets.UTF_8));

    assertEquals(ledger.recordsSent(), outcome.recordsRead(), log.toString(StandardCharsets.UTF_8));
    Reconciliation.Report report = Reconciliation.check(ledger, TableFiles.read(tables));
    assertTrue(report.passed(), report.text());
  }

  @Test
  void missingTopicStopsTheRunWithOneLineNamingIt() {
    LocalPipeline.LocalRunException error =
        org.junit.jupiter.api.Assertions.assertThrows(
            LocalPipeline.LocalRunException.class,
            () ->
                LocalPipeline.run(
                    options(kafka, "no-such-topic", dir.resolve("unused-tables"), "--stopWhenIdleSeconds=5"),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    assertEquals("topic no-such-topic does not exist on " + kafka.bootstrapServers(), error.getMessage());
    assertTrue(!java.nio.file.Files.exists(dir.resolve("unused-tables")), "nothing written for a run that never started");
  }
}
