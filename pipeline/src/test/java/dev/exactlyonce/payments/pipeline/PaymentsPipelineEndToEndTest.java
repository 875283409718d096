package dev.exactlyonce.payments.pipeline;

import static dev.exactlyonce.payments.transforms.TestEvents.T0;
import static org.junit.Assert.assertEquals;

import com.google.api.services.bigquery.model.TableRow;
import dev.exactlyonce.payments.transforms.TestEvents;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.bigquery.FakeBigQuery;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The whole pipeline on the DirectRunner, from an unbounded stream of Kafka records to the five
 * tables through the real BigQueryIO Storage Write path (Beam's fake BigQuery behind it), checked
 * against the invariants users pay for.
 */
@RunWith(JUnit4.class)
public class PaymentsPipelineEndToEndTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private FakeBigQuery bigQuery;
  private Scenario scenario;

  @Before
  public void setUp() {
    bigQuery = FakeBigQuery.start();
    scenario = new Scenario();
  }

  /**
   * What was sent: every record in offset order, with the element timestamp the Kafka timestamp
   * policy would give it, and what the pipeline must make of it.
   */
  private static final class Scenario {
    final List<TimestampedValue<KafkaRecord<byte[], byte[]>>> batch = new ArrayList<>();
    final TestStream.Builder<KafkaRecord<byte[], byte[]>> stream =
        TestStream.create(
            KafkaRecordCoder.of(
                NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of())));
    TestStream.Builder<KafkaRecord<byte[], byte[]>> builder = stream;
    long nextOffset = 0;
    int recordsSent = 0;
    final Map<String, BigDecimal> expectedTotals = new TreeMap<>();
    final Set<String> expectedUnique = new HashSet<>();
    long expectedDuplicates = 0;
    final Map<String, Integer> expectedDeadLetters = new TreeMap<>();

    /** A new, valid payment, on time. */
    String pay(String id, String sender, String receiver, String amount, String currency, Instant eventTime) {
      String json = TestEvents.json(id, sender, receiver, amount, currency, eventTime);
      send(json, eventTime);
      expectedUnique.add(id);
      expectedTotals.merge(currency, new BigDecimal(amount), BigDecimal::add);
      return json;
    }

    /** A copy of an event already sent, arriving when the watermark is at {@code arrival}. */
    void resend(String json, Instant arrival) {
      send(json, arrival);
      expectedDuplicates++;
    }

    void reject(String kind, String json, Instant arrival) {
      send(json, arrival);
      expectedDeadLetters.merge(kind, 1, Integer::sum);
    }

    void send(String json, Instant timestamp) {
      batch.add(TimestampedValue.of(TestEvents.record(0, nextOffset++, json, timestamp), timestamp));
      recordsSent++;
    }

    void flush() {
      if (!batch.isEmpty()) {
        @SuppressWarnings("unchecked")
        TimestampedValue<KafkaRecord<byte[], byte[]>>[] elements = batch.toArray(new TimestampedValue[0]);
        builder = builder.addElements(elements[0], java.util.Arrays.copyOfRange(elements, 1, elements.length));
        batch.clear();
      }
    }

    void watermarkTo(Instant watermark) {
      flush();
      builder = builder.advanceWatermarkTo(watermark).advanceProcessingTime(Duration.standardSeconds(2));
    }

    TestStream<KafkaRecord<byte[], byte[]>> end() {
      flush();
      return builder.advanceProcessingTime(Duration.standardSeconds(10)).advanceWatermarkToInfinity();
    }
  }

  private void buildScenario() {
    Scenario s = scenario;
    // A backlog read before the watermark first moves, with a producer retry inside it.
    String retried = s.pay("tx-001", "ACC-1", "ACC-2", "19.99", "USD", T0);
    s.resend(retried, T0);
    s.pay("tx-002", "ACC-3", "ACC-4", "0.10", "EUR", T0.plus(Duration.standardSeconds(5)));
    s.pay("tx-003", "ACC-3", "ACC-5", "0.20", "EUR", T0.plus(Duration.standardSeconds(7)));
    String big = s.pay("tx-004", "ACC-6", "ACC-7", "7500.00", "GBP", T0.plus(Duration.standardSeconds(30)));
    s.reject("UNPARSEABLE", "{not json", T0);
    s.reject("MISSING_FIELD", "{\"transaction_id\":\"tx-m\",\"amount\":1.00}", T0);
    s.reject("INVALID_FIELD", TestEvents.json("tx-neg", "-5.00", "USD", T0), T0);
    s.reject("INVALID_FIELD", TestEvents.json("tx-cur", "5.00", "usd", T0), T0);
    s.reject("BAD_TIMESTAMP", "{\"transaction_id\":\"tx-t\",\"sender_account\":\"A\",\"receiver_account\":\"B\",\"amount\":1,\"currency\":\"USD\",\"event_time\":\"yesterday\"}", T0);
    // Written to Kafka at T0 with an event time two hours later: a producer's clock, not a payment.
    s.reject("BAD_TIMESTAMP", TestEvents.json("tx-future", "7.00", "USD", T0.plus(Duration.standardHours(2))), T0);
    s.reject("UNPARSEABLE", null, T0);
    s.watermarkTo(T0.plus(Duration.standardMinutes(2)));

    // A replay of an offset range after a rebalance, read after the watermark moved on.
    Instant replayAt = T0.plus(Duration.standardMinutes(2));
    s.resend(retried, replayAt);
    s.resend(big, replayAt);
    for (int i = 0; i < 20; i++) {
      s.pay(String.format("tx-1%02d", i), "ACC-" + (i % 4), "ACC-9", (i + 1) + ".05", i % 2 == 0 ? "USD" : "EUR",
          T0.plus(Duration.standardMinutes(2)).plus(Duration.standardSeconds(i * 3)));
    }
    // Retries the producer re-serialised: the same payments with new event times, one later and one
    // an hour earlier, in other deduplication and metrics windows than their originals.
    s.resend(TestEvents.json("tx-002", "ACC-3", "ACC-4", "0.10", "EUR", T0.plus(Duration.standardSeconds(16))), replayAt);
    s.resend(TestEvents.json("tx-003", "ACC-3", "ACC-5", "0.20", "EUR", T0.minus(Duration.standardMinutes(59))), replayAt);
    s.watermarkTo(T0.plus(Duration.standardMinutes(10)));

    // Out of order: a payment from minute 3 arriving at minute 10 (stamped at the watermark),
    // and a late copy of tx-002 still inside the one-hour horizon.
    Instant arrival = T0.plus(Duration.standardMinutes(10));
    String outOfOrder = TestEvents.json("tx-200", "ACC-8", "ACC-1", "42.42", "USD", T0.plus(Duration.standardMinutes(3)));
    s.send(outOfOrder, arrival);
    s.expectedUnique.add("tx-200");
    s.expectedTotals.merge("USD", new BigDecimal("42.42"), BigDecimal::add);
    s.resend(TestEvents.json("tx-002", "ACC-3", "ACC-4", "0.10", "EUR", T0.plus(Duration.standardSeconds(5))), arrival);
    s.watermarkTo(T0.plus(Duration.standardHours(2)));

    // Beyond the horizon: a copy of a written payment, and a payment never seen before.
    Instant tooLate = T0.plus(Duration.standardHours(2));
    s.expectedDuplicates--; // resend() counts it, but it is a dead letter, not a caught duplicate
    s.resend(retried, tooLate);
    s.expectedDeadLetters.merge("LATE", 2, Integer::sum);
    s.send(TestEvents.json("tx-300", "ACC-1", "ACC-2", "5.00", "USD", T0.plus(Duration.standardMinutes(4))), tooLate);
    s.pay("tx-400", "ACC-1", "ACC-2", "3.33", "USD", tooLate);
  }

  private void runPipeline() {
    buildScenario();
    PipelineConfig config =
        PipelineConfig.from(
            PaymentsPipeline.parseOptions(
                "--bootstrapServers=not-used:9092",
                "--outputProject=" + FakeBigQuery.PROJECT,
                "--dataset=" + FakeBigQuery.DATASET,
                "--writeStreams=2",
                "--writeTriggeringFrequencySeconds=1"));
    pipeline.apply(scenario.end()).apply(PaymentsGraph.of(config).withServices(bigQuery.services()));
    pipeline.run().waitUntilFinish();
  }

  private static Map<String, BigDecimal> totalsByCurrency(List<TableRow> rows, String amountColumn) {
    Map<String, BigDecimal> totals = new TreeMap<>();
    for (TableRow row : rows) {
      totals.merge((String) row.get("currency"), new BigDecimal(row.get(amountColumn).toString()), BigDecimal::add);
    }
    return totals;
  }

  private static void assertSameAmounts(Map<String, BigDecimal> expected, Map<String, BigDecimal> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    expected.forEach((currency, total) -> assertEquals(currency, 0, total.compareTo(actual.get(currency))));
  }

  private static void assertNoTransactionTwice(List<TableRow> rows) {
    List<Object> ids = rows.stream().map(r -> r.get("transaction_id")).collect(Collectors.toList());
    assertEquals("COUNT(DISTINCT transaction_id) = COUNT(*)", ids.size(), new HashSet<>(ids).size());
  }

  @Test
  public void testEveryRecordIsAPaymentADuplicateOrADeadLetterAndTotalsAreExact() {
    runPipeline();

    List<TableRow> transactions = bigQuery.rows(BigQueryTables.DEFAULT_TRANSACTIONS);
    List<TableRow> fraud = bigQuery.rows(BigQueryTables.DEFAULT_FRAUD);
    List<TableRow> audit = bigQuery.rows(BigQueryTables.DEFAULT_AUDIT);
    List<TableRow> deadLetters = bigQuery.rows(BigQueryTables.DEFAULT_DEAD_LETTER);
    List<TableRow> metrics = bigQuery.rows(BigQueryTables.DEFAULT_METRICS);

    // 1. No payment row twice, in every table keyed by transaction id.
    assertNoTransactionTwice(transactions);
    assertNoTransactionTwice(fraud);
    assertNoTransactionTwice(audit);
    assertEquals(scenario.expectedUnique, transactions.stream().map(r -> r.get("transaction_id")).collect(Collectors.toSet()));
    assertEquals(scenario.expectedUnique, fraud.stream().map(r -> r.get("transaction_id")).collect(Collectors.toSet()));

    // 2. Nothing lost: records read = unique payments + duplicates dropped + dead letters.
    long duplicates = audit.stream().mapToLong(r -> Long.parseLong(r.get("duplicate_copies").toString())).sum();
    assertEquals(scenario.expectedDuplicates, duplicates);
    assertEquals(scenario.recordsSent, transactions.size() + duplicates + deadLetters.size());
    Map<String, Integer> deadLettersByKind = new TreeMap<>();
    deadLetters.forEach(r -> deadLettersByKind.merge((String) r.get("error_kind"), 1, Integer::sum));
    assertEquals(scenario.expectedDeadLetters, deadLettersByKind);

    // 3. Totals exact to the cent, in the transactions table and in the metrics' final panes.
    assertSameAmounts(scenario.expectedTotals, totalsByCurrency(transactions, "amount"));
    assertSameAmounts(scenario.expectedTotals, totalsByCurrency(finalPanes(metrics), "total_amount"));
  }

  @Test
  public void testFraudAndAuditRowsDescribeWhatHappened() {
    runPipeline();

    Map<Object, TableRow> fraud = new HashMap<>();
    bigQuery.rows(BigQueryTables.DEFAULT_FRAUD).forEach(r -> fraud.put(r.get("transaction_id"), r));
    assertEquals("HIGH", fraud.get("tx-004").get("risk_level"));
    assertEquals("LOW", fraud.get("tx-002").get("risk_level"));

    Map<Object, TableRow> audit = new HashMap<>();
    bigQuery.rows(BigQueryTables.DEFAULT_AUDIT).forEach(r -> audit.put(r.get("transaction_id"), r));
    assertEquals(Set.of("tx-001", "tx-002", "tx-003", "tx-004"), audit.keySet());
    assertEquals("2", audit.get("tx-001").get("duplicate_copies").toString());
    // The retry regenerated an hour earlier is a copy of the first, whose event time stands.
    assertEquals("1", audit.get("tx-003").get("duplicate_copies").toString());
    Map<Object, TableRow> rows = new HashMap<>();
    bigQuery.rows(BigQueryTables.DEFAULT_TRANSACTIONS).forEach(r -> rows.put(r.get("transaction_id"), r));
    assertEquals(audit.get("tx-003").get("event_time"), rows.get("tx-003").get("event_time"));
  }

  /** The latest pane of each window and currency: panes accumulate. */
  private static List<TableRow> finalPanes(List<TableRow> metrics) {
    Map<String, TableRow> latest = new HashMap<>();
    for (TableRow row : metrics) {
      String key = row.get("window_start") + "/" + row.get("currency");
      TableRow seen = latest.get(key);
      if (seen == null || Long.parseLong(row.get("pane_index").toString()) > Long.parseLong(seen.get("pane_index").toString())) {
        latest.put(key, row);
      }
    }
    return new ArrayList<>(latest.values());
  }
}
