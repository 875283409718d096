package dev.exactlyonce.payments.transforms.bigquery;

import dev.exactlyonce.payments.model.PaymentCoder;
import dev.exactlyonce.payments.model.ModelCoders;
import static dev.exactlyonce.payments.transforms.TestEvents.T0;
import static dev.exactlyonce.payments.transforms.TestEvents.payment;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableRow;
import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.model.WindowMetrics;
import dev.exactlyonce.payments.transforms.fraud.FraudRules;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Duration;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The five tables through the real BigQueryIO Storage Write path, into Beam's fake BigQuery. */
@RunWith(JUnit4.class)
public class WriteToBigQueryTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private FakeBigQuery bigQuery;

  @Before
  public void startFake() {
    bigQuery = FakeBigQuery.start();
  }

  private final Payment small = payment(1, "tx-1", "10.50", "USD", T0);
  private final Payment large = payment(2, "tx-2", "7000.00", "EUR", T0.plus(Duration.standardSeconds(5)));

  private PCollectionTuple tablesFrom(PCollection<Payment> payments) {
    FraudRules rules = FraudRules.defaults();
    return PCollectionTuple.of(WriteToBigQuery.TRANSACTIONS, payments)
        .and(
            WriteToBigQuery.FRAUD,
            mapped(payments, "Score", ScoredPayment.class, p -> rules.score(p, 1)))
        .and(
            WriteToBigQuery.METRICS,
            mapped(payments, "Metrics", WindowMetrics.class, WriteToBigQueryTest::metricsOf))
        .and(
            WriteToBigQuery.AUDIT,
            mapped(
                payments,
                "Audit",
                DuplicateAudit.class,
                p -> DuplicateAudit.of(p.getTransactionId(), p.getEventTime(), p.getReceivedAt(), p.getReceivedAt(), 2)))
        .and(
            WriteToBigQuery.DEAD_LETTERS,
            mapped(payments, "DeadLetters", DeadLetter.class, WriteToBigQueryTest::lateOf));
  }

  private <T> PCollection<T> mapped(
      PCollection<Payment> payments, String name, Class<T> type, SerializableFn<Payment, T> fn) {
    return payments
        .apply(name, MapElements.into(TypeDescriptor.of(type)).via(fn::apply))
        .setCoder(ModelCoders.of(pipeline, type));
  }

  /** A serializable function, for lambdas given to MapElements. */
  interface SerializableFn<A, B> extends Function<A, B>, Serializable {}

  private static WindowMetrics metricsOf(Payment p) {
    return WindowMetrics.builder()
        .setWindowStart(T0)
        .setWindowEnd(T0.plus(Duration.standardMinutes(1)))
        .setCurrency(p.getCurrency())
        .setPaymentCount(1)
        .setTotalAmount(p.getAmount())
        .setAverageAmount(p.getAmount())
        .setMaxAmount(p.getAmount())
        .setHighRiskCount(0)
        .setPaneIndex(0)
        .setPaneTiming("ON_TIME")
        .build();
  }

  private static DeadLetter lateOf(Payment p) {
    return DeadLetter.builder()
        .setErrorKind(ErrorKind.LATE)
        .setMessage("late")
        .setSource(p.getSource())
        .setRawValue(p.getRawValue())
        .setTransactionId(p.getTransactionId())
        .setEventTime(p.getEventTime())
        .setReceivedAt(p.getReceivedAt())
        .build();
  }

  private PipelineResult runWith(TestStream<Payment> events, WriteToBigQuery write) {
    tablesFrom(pipeline.apply(events)).apply(write);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    return result;
  }

  private TestStream<Payment> twoPayments() {
    return TestStream.create(PaymentCoder.of())
        .addElements(small)
        .advanceProcessingTime(Duration.standardSeconds(10))
        .addElements(large)
        .advanceProcessingTime(Duration.standardSeconds(10))
        .advanceWatermarkToInfinity();
  }

  private WriteToBigQuery write() {
    return WriteToBigQuery.to(bigQuery.tables())
        .withServices(bigQuery.services())
        .withNumStreams(2)
        .withTriggeringFrequency(Duration.standardSeconds(1));
  }

  private Map<String, TableRow> byTransactionId(String table) {
    return bigQuery.rows(table).stream()
        .collect(Collectors.toMap(row -> (String) row.get("transaction_id"), row -> row));
  }

  @Test
  public void testTransactionsRowsHaveExactAmountsAndKafkaCoordinates() {
    runWith(twoPayments(), write());

    Map<String, TableRow> rows = byTransactionId(BigQueryTables.DEFAULT_TRANSACTIONS);
    assertEquals(2, rows.size());
    TableRow row = rows.get("tx-1");
    assertEquals(0, new BigDecimal("10.50").compareTo(new BigDecimal((String) row.get("amount"))));
    assertEquals("USD", row.get("currency"));
    assertEquals("ACC-1", row.get("sender_account"));
    assertEquals("card", row.get("payment_method"));
    assertEquals("payments", row.get("kafka_topic"));
    assertEquals("1", row.get("kafka_offset").toString());
  }

  @Test
  public void testTransactionsTableIsPartitionedByEventDayAndClustered() {
    runWith(twoPayments(), write());

    Table table = bigQuery.table(BigQueryTables.DEFAULT_TRANSACTIONS);
    assertEquals("DAY", table.getTimePartitioning().getType());
    assertEquals("event_time", table.getTimePartitioning().getField());
    assertEquals(List.of("sender_account", "currency"), table.getClustering().getFields());
    assertEquals(
        "NUMERIC",
        table.getSchema().getFields().stream()
            .filter(f -> f.getName().equals("amount"))
            .findFirst()
            .orElseThrow()
            .getType());
  }

  @Test
  public void testEveryTableGetsItsRows() {
    PipelineResult result = runWith(twoPayments(), write());

    // Each table's write stage counts the rows it hands over, dead letters by kind too.
    for (String[] table : new String[][] {
        {"transactions", BigQueryTables.DEFAULT_TRANSACTIONS}, {"fraud", BigQueryTables.DEFAULT_FRAUD},
        {"metrics", BigQueryTables.DEFAULT_METRICS}, {"audit", BigQueryTables.DEFAULT_AUDIT},
        {"dead_letter", BigQueryTables.DEFAULT_DEAD_LETTER}}) {
      assertEquals(table[0], bigQuery.rows(table[1]).size(), PipelineCounters.attempted(result, PipelineCounters.rowsWritten(table[0])));
      assertEquals(table[0], 0, PipelineCounters.attempted(result, PipelineCounters.rowsRefused(table[0])));
    }
    // Every payment is also made a LATE dead letter here.
    assertEquals(2, PipelineCounters.attempted(result, PipelineCounters.deadLetters(ErrorKind.LATE)));
    assertEquals(0, PipelineCounters.attempted(result, PipelineCounters.deadLetters(ErrorKind.WRITE_FAILED)));

    Map<String, TableRow> fraud = byTransactionId(BigQueryTables.DEFAULT_FRAUD);
    assertEquals("HIGH", fraud.get("tx-2").get("risk_level"));
    assertEquals(List.of("AMOUNT_HIGH"), fraud.get("tx-2").get("risk_reasons"));
    assertEquals("LOW", fraud.get("tx-1").get("risk_level"));
    assertEquals(2, bigQuery.rows(BigQueryTables.DEFAULT_METRICS).size());
    assertEquals("2", byTransactionId(BigQueryTables.DEFAULT_AUDIT).get("tx-1").get("duplicate_copies").toString());
    Map<String, TableRow> deadLetters = byTransactionId(BigQueryTables.DEFAULT_DEAD_LETTER);
    TableRow late = deadLetters.get("tx-2");
    assertEquals("LATE", late.get("error_kind"));
    assertEquals(
        new String(large.getRawValue()),
        new String(Base64.getDecoder().decode((String) late.get("raw_value"))));
  }

  @Test
  public void testRefusedRowBecomesWriteFailedDeadLetter() {
    bigQuery.datasets().setShouldFailRow(
        (Function<TableRow, Boolean> & Serializable)
            row -> "tx-2".equals(row.get("transaction_id")) && row.containsKey("amount")
                && !row.containsKey("risk_level"));
    PipelineResult result = runWith(twoPayments(), write());

    assertEquals(2, PipelineCounters.attempted(result, PipelineCounters.rowsWritten("transactions")));
    assertEquals(1, PipelineCounters.attempted(result, PipelineCounters.rowsRefused("transactions")));
    assertEquals(0, PipelineCounters.attempted(result, PipelineCounters.rowsRefused("fraud")));
    assertEquals(1, PipelineCounters.attempted(result, PipelineCounters.deadLetters(ErrorKind.WRITE_FAILED)));

    assertEquals(1, bigQuery.rows(BigQueryTables.DEFAULT_TRANSACTIONS).size());
    List<TableRow> refused =
        bigQuery.rows(BigQueryTables.DEFAULT_DEAD_LETTER).stream()
            .filter(row -> "WRITE_FAILED".equals(row.get("error_kind")))
            .collect(Collectors.toList());
    assertEquals(1, refused.size());
    assertEquals("tx-2", refused.get(0).get("transaction_id"));
    assertEquals("2", refused.get(0).get("kafka_offset").toString());
    assertNull(refused.get(0).get("raw_key"));
  }

  private TestStream<Payment> twoPaymentsAndAReplay() {
    return TestStream.create(PaymentCoder.of())
        .addElements(small, large)
        .advanceProcessingTime(Duration.standardSeconds(10))
        // The same record read again, as after a restart that lost the pipeline's state.
        .addElements(small)
        .advanceProcessingTime(Duration.standardSeconds(10))
        .advanceWatermarkToInfinity();
  }

  @Test
  public void testExactlyOnceModeAppendsAReplayedRecordAgain() {
    runWith(twoPaymentsAndAReplay(), write());

    assertEquals(3, bigQuery.rows(BigQueryTables.DEFAULT_TRANSACTIONS).size());
  }

  @Test
  public void testUpsertModeCollapsesAReplayInEveryTable() {
    runWith(twoPaymentsAndAReplay(), write().withWriteMode(WriteMode.UPSERT));

    assertEquals(2, bigQuery.rows(BigQueryTables.DEFAULT_TRANSACTIONS).size());
    assertEquals(2, bigQuery.rows(BigQueryTables.DEFAULT_FRAUD).size());
    assertEquals(2, bigQuery.rows(BigQueryTables.DEFAULT_AUDIT).size());
    assertEquals(2, bigQuery.rows(BigQueryTables.DEFAULT_METRICS).size());
    assertEquals(2, bigQuery.rows(BigQueryTables.DEFAULT_DEAD_LETTER).size());
    assertEquals(
        List.of("transaction_id"),
        bigQuery.table(BigQueryTables.DEFAULT_TRANSACTIONS).getTableConstraints().getPrimaryKey().getColumns());
  }

  @Test
  public void testUpsertModeKeepsTheLatestPaneOfAWindow() {
    WindowMetrics onTime = metricsOf(small);
    WindowMetrics late =
        onTime.toBuilder()
            .setPaymentCount(2)
            .setTotalAmount(new BigDecimal("21.00"))
            .setPaneIndex(1)
            .setPaneTiming("LATE")
            .build();
    PCollection<WindowMetrics> metrics =
        pipeline.apply(
            TestStream.create(ModelCoders.of(pipeline, WindowMetrics.class))
                .addElements(late)
                .advanceProcessingTime(Duration.standardSeconds(10))
                // An older pane arriving after the newer one must not win.
                .addElements(onTime)
                .advanceWatermarkToInfinity());
    PCollectionTuple tables =
        PCollectionTuple.of(WriteToBigQuery.METRICS, metrics)
            .and(WriteToBigQuery.TRANSACTIONS, empty(Payment.class, "NoTransactions"))
            .and(WriteToBigQuery.FRAUD, empty(ScoredPayment.class, "NoFraud"))
            .and(WriteToBigQuery.AUDIT, empty(DuplicateAudit.class, "NoAudit"))
            .and(WriteToBigQuery.DEAD_LETTERS, empty(DeadLetter.class, "NoDeadLetters"));
    tables.apply(write().withWriteMode(WriteMode.UPSERT));
    pipeline.run().waitUntilFinish();

    List<TableRow> rows = bigQuery.rows(BigQueryTables.DEFAULT_METRICS);
    assertEquals(1, rows.size());
    assertEquals("1", rows.get(0).get("pane_index").toString());
    assertEquals(0, new BigDecimal("21.00").compareTo(new BigDecimal(rows.get(0).get("total_amount").toString())));
  }

  private <T> PCollection<T> empty(Class<T> type, String name) {
    return pipeline.apply(name, org.apache.beam.sdk.transforms.Create.empty(ModelCoders.of(pipeline, type)));
  }
}
