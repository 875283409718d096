package dev.exactlyonce.payments.local.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.runners.flink.PrometheusNames;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricName;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run on the embedded cluster with {@code --metricsPort} serves its counters through Flink's
 * Prometheus reporter: scraped while the job runs, they agree with what the ledger sent and with
 * the tables, and Flink's own metrics the dashboard uses are there beside them.
 */
class FlinkMetricsScrapeIT {
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final List<ErrorKind> INPUT_KINDS =
      List.of(ErrorKind.UNPARSEABLE, ErrorKind.MISSING_FIELD, ErrorKind.INVALID_FIELD, ErrorKind.BAD_TIMESTAMP);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theScrapedCountersAgreeWithTheLedgerAndTheTables() throws Exception {
    try (LocalKafka kafka = FlinkLocalRuns.kafkaWithPaymentsTopic(dir)) {
      Ledger ledger = FlinkLocalRuns.send(kafka, SimulatorSettings.defaults(Instant.now()).withPayments(800).withRate(4_000));
      int port = FlinkLocalRuns.freePort();
      Path drain = dir.resolve("drain");
      var options = FlinkLocalRuns.options(kafka, tables(), dir.resolve("checkpoints"), 1_000,
          "--metricsPort=" + port, "--stopWhenIdleSeconds=600", "--drainSignalFile=" + drain);
      CompletableFuture<LocalPipeline.Outcome> running = CompletableFuture.supplyAsync(() -> {
        try {
          return LocalFlinkLaunch.run(options, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        } catch (LocalPipeline.LocalRunException e) {
          throw new IllegalStateException(e.getMessage(), e);
        }
      });

      // Every record read and every per-record row written: the counters must say so now.
      Map<String, Double> scrape = awaitScrape(port, running, latest -> everyRecordCounted(latest, ledger));
      Map<String, Long> expected = perRecordCounts(ledger);
      assertEquals(expected, observed(scrape, expected.keySet()), "scraped while running");
      for (String metric : PrometheusNames.FLINK_METRICS) {
        assertTrue(scrape.containsKey(metric), metric + " is served: " + scrape.keySet());
      }
      assertTrue(scrape.keySet().stream().anyMatch(name -> name.matches(PrometheusNames.CONSUMER_LAG_PATTERN)),
          "KafkaIO's backlog per reader is served: " + scrape.keySet());
      assertEquals(4, scrape.keySet().stream().filter(name -> name.matches(PrometheusNames.PARTITION_WATERMARK_LAG_PATTERN)).count(),
          "a watermark lag for each of the topic's partitions: " + scrape.keySet());
      assertEquals(0.0, scrape.get(PrometheusNames.JOB_SCOPE + "numRestarts"));
      Map<String, Double> duringTheRun = scrape;

      Files.writeString(drain, "drain\n");
      assertEquals(PipelineResult.State.DONE, running.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).state());

      // At the end the tables hold what the counters said, and the audits add up to the duplicates.
      TableFiles written = TableFiles.read(tables());
      Reconciliation.Report report = Reconciliation.check(ledger, written, Reconciliation.Accounting.EXACT);
      assertTrue(report.passed(), report.text());
      assertEquals(expected, perRecordCounts(ledger), "the tables at the end");
      long duplicates = duringTheRun.getOrDefault(name(PipelineCounters.DUPLICATES_DROPPED), 0.0).longValue();
      assertTrue(duplicates > 0, "the simulator sent duplicates");
      assertEquals(rows("payment_transactions").size(), rows("payment_transactions_fraud").size(), "every payment scored");
      assertEquals(duplicates, auditedCopies(), "the audit table accounts for every duplicate dropped");
    }
  }

  /** What each per-record counter must read once everything was read: from the ledger and the tables. */
  private Map<String, Long> perRecordCounts(Ledger ledger) throws IOException {
    Map<String, Long> counts = new TreeMap<>();
    counts.put(name(PipelineCounters.RECORDS_READ), ledger.recordsSent());
    counts.putAll(tableCounts());
    return counts;
  }

  /**
   * Per-record counters as the tables show them: transactions, dead letters per kind. Not the fraud
   * table: scoring waits for the watermark, which an idle topic does not move until the drain.
   */
  private Map<String, Long> tableCounts() throws IOException {
    Map<String, Long> counts = new TreeMap<>();
    long transactions = rows("payment_transactions").size();
    counts.put(name(PipelineCounters.PAYMENTS_ACCEPTED), transactions);
    counts.put(name(PipelineCounters.rowsWritten("transactions")), transactions);
    Map<String, Long> byKind = new LinkedHashMap<>();
    for (Map<String, Object> deadLetter : rows("dead_letter")) {
      byKind.merge(String.valueOf(deadLetter.get("error_kind")), 1L, Long::sum);
    }
    for (ErrorKind kind : INPUT_KINDS) {
      counts.put(name(PipelineCounters.deadLetters(kind)), byKind.getOrDefault(kind.name(), 0L));
    }
    counts.put(name(PipelineCounters.deadLetters(ErrorKind.LATE)), byKind.getOrDefault(ErrorKind.LATE.name(), 0L));
    counts.put(name(PipelineCounters.RECORDS_REJECTED),
        INPUT_KINDS.stream().mapToLong(kind -> byKind.getOrDefault(kind.name(), 0L)).sum());
    return counts;
  }

  private boolean everyRecordCounted(Map<String, Double> scrape, Ledger ledger) {
    try {
      Map<String, Long> expected = perRecordCounts(ledger);
      return expected.equals(observed(scrape, expected.keySet()));
    } catch (IOException tablesNotThereYet) {
      return false;
    }
  }

  private static Map<String, Long> observed(Map<String, Double> scrape, Set<String> names) {
    Map<String, Long> observed = new TreeMap<>();
    names.forEach(name -> observed.put(name, scrape.getOrDefault(name, 0.0).longValue()));
    return observed;
  }

  private long auditedCopies() throws IOException {
    return rows("deduplication_audit").stream().mapToLong(row -> Long.parseLong(String.valueOf(row.get("duplicate_copies")))).sum();
  }

  private List<Map<String, Object>> rows(String table) throws IOException {
    return TableFiles.read(tables(), table);
  }

  private Path tables() {
    return dir.resolve("tables");
  }

  private static String name(MetricName counter) {
    return PrometheusNames.of(counter);
  }

  /** Scrapes until {@code done} holds for a scrape, while the run goes on; returns that scrape. */
  private Map<String, Double> awaitScrape(
      int port, CompletableFuture<?> running, Predicate<Map<String, Double>> done) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    Map<String, Double> latest = Map.of();
    while (System.nanoTime() < deadline && !running.isDone()) {
      Optional<Map<String, Double>> scrape = scrape(port);
      if (scrape.isPresent()) {
        latest = scrape.get();
        if (done.test(latest)) {
          return latest;
        }
      }
      Thread.sleep(500);
    }
    if (running.isDone()) {
      running.get();
    }
    throw new AssertionError("the counters never agreed with the tables; last scrape's pipeline counters: "
        + latest.entrySet().stream().filter(entry -> entry.getKey().contains("_payments_")).toList());
  }

  /** The series of one scrape, summed by name over their labels (subtasks, stages). */
  private Optional<Map<String, Double>> scrape(int port) {
    try {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      Map<String, Double> byName = new TreeMap<>();
      for (String line : response.body().split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int labels = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        String name = line.substring(0, labels >= 0 ? labels : space);
        byName.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
      }
      return Optional.of(byName);
    } catch (IOException e) {
      // Not serving yet: the embedded cluster is still starting.
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
