package dev.exactlyonce.payments.local.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.ModelCoders;
import dev.exactlyonce.payments.model.RiskLevel;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.model.WindowMetrics;
import dev.exactlyonce.payments.transforms.TestEvents;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.bigquery.TableRows;
import dev.exactlyonce.payments.transforms.bigquery.TableSchemas;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import dev.exactlyonce.payments.transforms.bigquery.WriteToBigQuery;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stand-in's files and durability. Rows go in through the engine the pipeline writes to (Beam's
 * in-memory dataset service, reached through the stand-in's own services). The engine's state is
 * static: each test closes its stand-in.
 */
class LocalBigQueryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, Object>> ROW = new TypeReference<>() {};

  private static final BigQueryTables TABLES = BigQueryTables.in(LocalBigQuery.PROJECT, "payments");
  private static final List<String> ALL_TABLES =
      List.of(TABLES.transactions(), TABLES.fraud(), TABLES.metrics(), TABLES.audit(), TABLES.deadLetter());

  @TempDir Path temp;
  private final List<LocalBigQuery> opened = new ArrayList<>();

  @AfterEach
  void closeWhatIsOpen() throws IOException {
    for (LocalBigQuery standIn : opened) {
      standIn.close();
    }
  }

  private LocalBigQuery open(Path dir) throws IOException {
    return open(dir, WriteMode.EXACTLY_ONCE);
  }

  private LocalBigQuery open(Path dir, WriteMode mode) throws IOException {
    LocalBigQuery standIn = LocalBigQuery.open(dir, TABLES, mode);
    opened.add(standIn);
    return standIn;
  }

  /** Closes now (the test reads the files next); closing twice is harmless for the @AfterEach. */
  private void close(LocalBigQuery standIn) throws IOException {
    opened.remove(standIn);
    standIn.close();
  }

  private static FakeDatasetService engine(LocalBigQuery standIn) {
    return (FakeDatasetService) ((FakeBigQueryServices) standIn.services()).getDatasetService(null);
  }

  private static void insert(LocalBigQuery standIn, String table, TableRow... rows) throws Exception {
    TableReference ref =
        new TableReference().setProjectId(TABLES.project()).setDatasetId(TABLES.dataset()).setTableId(table);
    engine(standIn).insertAll(ref, List.of(rows), null);
  }

  private static TableRow payment(String id, String amount) {
    return TableRows.transaction(TestEvents.payment(7, id, amount, "USD", TestEvents.T0.plus(123)));
  }

  private static List<Map<String, Object>> fileRows(Path file) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      rows.add(JSON.readValue(line, ROW));
    }
    return rows;
  }

  @Test
  void openingAnEmptyDirectoryCreatesTheFiveTablesEmpty() throws Exception {
    Path dir = temp.resolve("tables");

    LocalBigQuery standIn = open(dir);

    assertTrue(Files.isDirectory(dir));
    for (String table : ALL_TABLES) {
      assertEquals(List.of(), standIn.rows(table), table);
      Table definition = engine(standIn).getTable(
          new TableReference().setProjectId(TABLES.project()).setDatasetId(TABLES.dataset()).setTableId(table));
      assertNotNull(definition, table + " exists in the engine");
    }
    assertEquals(TableSchemas.transactions(), engine(standIn).getTable(
        new TableReference().setProjectId(TABLES.project()).setDatasetId(TABLES.dataset()).setTableId(TABLES.transactions()))
        .getSchema());
  }

  @Test
  void flushWritesAnEmptyFilePerEmptyTable() throws IOException {
    Path dir = temp.resolve("tables");
    LocalBigQuery standIn = open(dir);

    standIn.flush();

    for (String table : ALL_TABLES) {
      Path file = dir.resolve(table + ".ndjson");
      assertEquals(file, standIn.fileOf(table));
      assertTrue(Files.isRegularFile(file), file + " written");
      assertEquals(0, Files.size(file), file + " empty");
    }
  }

  @Test
  void closeWritesAnEmptyFilePerEmptyTableAndLeavesNoTemporaryFiles() throws IOException {
    Path dir = temp.resolve("tables");
    LocalBigQuery standIn = open(dir);

    close(standIn);

    for (String table : ALL_TABLES) {
      assertEquals(0, Files.size(dir.resolve(table + ".ndjson")), table);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(
          ALL_TABLES.stream().map(table -> table + ".ndjson").sorted().toList(),
          files.map(file -> file.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void rowsWrittenThroughTheEngineAreInTheTableFileInExportShapeAtClose() throws Exception {
    Path dir = temp.resolve("tables");
    LocalBigQuery standIn = open(dir);
    insert(standIn, TABLES.transactions(), payment("tx-1", "12.50"));
    assertEquals(1, standIn.rows(TABLES.transactions()).size());

    close(standIn);

    List<Map<String, Object>> rows = fileRows(dir.resolve(TABLES.transactions() + ".ndjson"));
    assertEquals(1, rows.size());
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("transaction_id", "tx-1");
    expected.put("sender_account", "ACC-1");
    expected.put("receiver_account", "ACC-2");
    expected.put("amount", "12.50");
    expected.put("currency", "USD");
    expected.put("event_time", "2026-03-01 10:00:00.123000 UTC");
    expected.put("payment_method", "card");
    expected.put("kafka_topic", TestEvents.TOPIC);
    expected.put("kafka_partition", "0");
    expected.put("kafka_offset", "7");
    expected.put("received_at", "2026-03-01 10:00:00.000000 UTC");
    assertEquals(expected, rows.get(0));
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(rows.get(0).keySet()), "schema order");
    assertEquals(0, Files.size(dir.resolve(TABLES.fraud() + ".ndjson")));
  }

  @Test
  void flushWritesRowsWhileTheStandInStaysOpen() throws Exception {
    Path dir = temp.resolve("tables");
    LocalBigQuery standIn = open(dir);
    insert(standIn, TABLES.audit(), TableRows.audit(audit("tx-1", 2)));

    standIn.flush();

    List<Map<String, Object>> rows = fileRows(dir.resolve(TABLES.audit() + ".ndjson"));
    assertEquals(1, rows.size());
    assertEquals("2", rows.get(0).get("duplicate_copies"));
    assertEquals("2026-03-01 10:00:00.000000 UTC", rows.get(0).get("event_time"));
  }

  /**
   * What the crash drills rest on: once BigQueryIO has its write acknowledged, the row is in the
   * file, with no flush or close (a killed process gets neither).
   */
  @ParameterizedTest
  @EnumSource(WriteMode.class)
  void anAcknowledgedWriteIsInTheFileBeforeAnyFlushOrClose(WriteMode mode) throws Exception {
    Path dir = temp.resolve("tables");
    LocalBigQuery standIn = open(dir, mode);

    writeThroughBigQueryIo(
        standIn, mode, List.of(TestEvents.payment(7, "tx-1", "12.50", "USD", TestEvents.T0)), List.of(unparseable()));

    assertEquals(List.of("tx-1"),
        fileRows(dir.resolve(TABLES.transactions() + ".ndjson")).stream().map(row -> row.get("transaction_id")).toList());
    assertEquals(1, fileRows(dir.resolve(TABLES.deadLetter() + ".ndjson")).size());
  }

  @Test
  void reopeningTheDirectoryContinuesTheTablesAndAppends() throws Exception {
    Path dir = temp.resolve("tables");
    LocalBigQuery first = open(dir);
    insert(first, TABLES.transactions(), payment("tx-1", "12.50"));
    insert(first, TABLES.audit(), TableRows.audit(audit("tx-1", 1)));
    close(first);
    Path transactions = dir.resolve(TABLES.transactions() + ".ndjson");
    String firstRun = Files.readString(transactions);

    LocalBigQuery second = open(dir);
    assertEquals(1, second.rows(TABLES.transactions()).size(), "the earlier run's row is loaded");
    assertEquals(1, second.rows(TABLES.audit()).size());
    insert(second, TABLES.transactions(), payment("tx-2", "3.00"));
    close(second);

    List<Map<String, Object>> rows = fileRows(transactions);
    assertEquals(List.of("tx-1", "tx-2"), rows.stream().map(row -> row.get("transaction_id")).toList());
    assertTrue(Files.readString(transactions).startsWith(firstRun), "the earlier row is kept exactly as it was");
    assertEquals(1, fileRows(dir.resolve(TABLES.audit() + ".ndjson")).size());
  }

  @Test
  void reopeningWithoutNewRowsRewritesTheSameFiles() throws Exception {
    Path dir = temp.resolve("tables");
    LocalBigQuery first = open(dir);
    insert(first, TABLES.transactions(), payment("tx-1", "12.50"));
    insert(first, TABLES.fraud(), TableRows.transaction(TestEvents.payment(8, "tx-1", "12.50", "USD", TestEvents.T0))
        .set("risk_score", 80L).set("risk_level", "HIGH").set("risk_reasons", List.of("LARGE_AMOUNT", "NEW_RECEIVER")));
    close(first);
    Map<String, String> before = contents(dir);

    close(open(dir));

    assertEquals(before, contents(dir));
    assertEquals(List.of("LARGE_AMOUNT", "NEW_RECEIVER"), fileRows(dir.resolve(TABLES.fraud() + ".ndjson")).get(0).get("risk_reasons"));
  }

  @Test
  void openingOnAnUnwritableDirectoryFailsSayingSo() throws IOException {
    Path regularFile = Files.writeString(temp.resolve("not-a-directory"), "x");
    Path dir = regularFile.resolve("tables");

    IOException error = assertThrows(IOException.class, () -> open(dir));

    assertTrue(error.getMessage().contains("cannot write the table directory " + dir), error.getMessage());
    assertFalse(error.getMessage().contains("\n"), "one line: " + error.getMessage());
  }

  @Test
  void openingOnACorruptTableFileFailsNamingFileAndLine() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("tables"));
    Path file = dir.resolve(TABLES.metrics() + ".ndjson");
    Files.writeString(file, "{\"currency\":\"USD\"}\n\n{\"currency\": tru\n", StandardCharsets.UTF_8);

    IOException error = assertThrows(IOException.class, () -> open(dir));

    assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
    assertTrue(error.getMessage().contains("line 3"), error.getMessage());
  }

  @Test
  void aFailedOpenDoesNotStopTheNextOpen() throws Exception {
    Path corrupt = Files.createDirectories(temp.resolve("corrupt"));
    Files.writeString(corrupt.resolve(TABLES.deadLetter() + ".ndjson"), "nope\n");
    assertThrows(IOException.class, () -> open(corrupt));

    Path dir = temp.resolve("tables");
    LocalBigQuery standIn = open(dir);
    insert(standIn, TABLES.transactions(), payment("tx-1", "1.00"));
    close(standIn);

    assertEquals(1, fileRows(dir.resolve(TABLES.transactions() + ".ndjson")).size());
  }

  @Test
  void openingAgainStartsFromTheDirectoryNotFromTheLastStandInsMemory() throws Exception {
    Path one = temp.resolve("one");
    LocalBigQuery first = open(one);
    insert(first, TABLES.transactions(), payment("tx-1", "1.00"));
    close(first);

    LocalBigQuery second = open(temp.resolve("two"));

    assertEquals(List.of(), second.rows(TABLES.transactions()));
  }

  /**
   * Writes through the production transform (BigQueryIO, Storage Write API) into the stand-in,
   * from a small bounded pipeline on the DirectRunner.
   */
  private static void writeThroughBigQueryIo(LocalBigQuery standIn, List<Payment> payments, List<DeadLetter> deadLetters) {
    writeThroughBigQueryIo(standIn, WriteMode.EXACTLY_ONCE, payments, deadLetters);
  }

  private static void writeThroughBigQueryIo(
      LocalBigQuery standIn, WriteMode mode, List<Payment> payments, List<DeadLetter> deadLetters) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    PCollectionTuple.of(WriteToBigQuery.TRANSACTIONS, create(pipeline, "Payments", Payment.class, payments))
        .and(WriteToBigQuery.FRAUD, create(pipeline, "Fraud", ScoredPayment.class, List.of()))
        .and(WriteToBigQuery.METRICS, create(pipeline, "Metrics", WindowMetrics.class, List.of()))
        .and(WriteToBigQuery.AUDIT, create(pipeline, "Audit", DuplicateAudit.class, List.of()))
        .and(WriteToBigQuery.DEAD_LETTERS, create(pipeline, "DeadLetters", DeadLetter.class, deadLetters))
        .apply(WriteToBigQuery.to(TABLES).withWriteMode(mode).withServices(standIn.services()));
    assertEquals(PipelineResult.State.DONE, pipeline.run().waitUntilFinish());
  }

  private static <T> PCollection<T> create(Pipeline pipeline, String name, Class<T> type, List<T> values) {
    Coder<T> coder = ModelCoders.of(pipeline, type);
    return pipeline.apply(name, values.isEmpty() ? Create.empty(coder) : Create.of(values).withCoder(coder));
  }

  private static DeadLetter unparseable() {
    return DeadLetter.builder()
        .setErrorKind(ErrorKind.UNPARSEABLE)
        .setMessage("not valid JSON")
        .setSource(KafkaCoordinates.of(TestEvents.TOPIC, 3, 41))
        .setRawKey("k1".getBytes(StandardCharsets.UTF_8))
        .setRawValue("{oops".getBytes(StandardCharsets.UTF_8))
        .setReceivedAt(TestEvents.T0)
        .build();
  }

  @Test
  void rowsWrittenByBigQueryIoAreKeptInExportShape() throws Exception {
    Path dir = temp.resolve("tables");
    LocalBigQuery standIn = open(dir);

    writeThroughBigQueryIo(
        standIn, List.of(TestEvents.payment(7, "tx-1", "12.50", "USD", TestEvents.T0.plus(123))), List.of(unparseable()));
    close(standIn);

    Map<String, Object> payment = fileRows(dir.resolve(TABLES.transactions() + ".ndjson")).get(0);
    assertEquals("tx-1", payment.get("transaction_id"));
    assertEquals(0, new BigDecimal("12.50").compareTo(new BigDecimal((String) payment.get("amount"))));
    assertEquals("2026-03-01 10:00:00.123000 UTC", payment.get("event_time"));
    assertEquals("2026-03-01 10:00:00.000000 UTC", payment.get("received_at"));
    assertEquals("0", payment.get("kafka_partition"));
    assertEquals("7", payment.get("kafka_offset"));
    assertEquals(
        TableSchemas.transactions().getFields().stream().map(TableFieldSchema::getName).filter(payment::containsKey).toList(),
        List.copyOf(payment.keySet()),
        "schema order");
    List<Map<String, Object>> deadLetters = fileRows(dir.resolve(TABLES.deadLetter() + ".ndjson"));
    assertEquals(1, deadLetters.size());
    Map<String, Object> deadLetter = deadLetters.get(0);
    assertEquals("UNPARSEABLE", deadLetter.get("error_kind"));
    assertEquals("41", deadLetter.get("kafka_offset"));
    assertEquals(Base64.getEncoder().encodeToString("k1".getBytes(StandardCharsets.UTF_8)), deadLetter.get("raw_key"));
    assertEquals(Base64.getEncoder().encodeToString("{oops".getBytes(StandardCharsets.UTF_8)), deadLetter.get("raw_value"));
    assertFalse(deadLetter.containsKey("transaction_id"), "null column left out");
  }

  @Test
  void rowsWrittenByBigQueryIoLoadBackAndARestartAppends() throws Exception {
    Path dir = temp.resolve("tables");
    LocalBigQuery first = open(dir);
    writeThroughBigQueryIo(first, List.of(TestEvents.payment(1, "tx-1", "12.50", "USD", TestEvents.T0)), List.of(unparseable()));
    close(first);

    LocalBigQuery second = open(dir);
    writeThroughBigQueryIo(second, List.of(TestEvents.payment(2, "tx-2", "3.10", "EUR", TestEvents.T0)), List.of());
    close(second);

    assertEquals(
        List.of("tx-1", "tx-2"),
        fileRows(dir.resolve(TABLES.transactions() + ".ndjson")).stream().map(row -> row.get("transaction_id")).toList());
    assertEquals(1, fileRows(dir.resolve(TABLES.deadLetter() + ".ndjson")).size());
  }

  /**
   * BigQuery's JSON export writes NUMERIC as a plain decimal ("1230", "10"). The engine renders a
   * NUMERIC that has trailing zeros before the point in scientific notation ("1.23E+3", "1E+1")
   * and ExportShape passes that text through.
   */
  @Test
  void numericWithTrailingZerosBeforeThePointIsKeptAsAPlainDecimal() throws Exception {
    Path dir = temp.resolve("tables");
    LocalBigQuery standIn = open(dir);

    writeThroughBigQueryIo(
        standIn,
        List.of(TestEvents.payment(1, "tx-1", "1230.00", "USD", TestEvents.T0), TestEvents.payment(2, "tx-2", "10.00", "USD", TestEvents.T0)),
        List.of());
    close(standIn);

    List<Map<String, Object>> rows = fileRows(dir.resolve(TABLES.transactions() + ".ndjson"));
    Map<Object, Object> amounts = new LinkedHashMap<>();
    rows.forEach(row -> amounts.put(row.get("transaction_id"), row.get("amount")));
    assertEquals(Map.of("tx-1", "1230", "tx-2", "10"), amounts);
  }

  /** A shard as a TaskManager leaves it: a stand-in of its own under shards/, closed. */
  private void shard(Path dir, String process, String table, TableRow... rows) throws Exception {
    LocalBigQuery shard = open(dir.resolve("shards").resolve(process), WriteMode.UPSERT);
    insert(shard, table, rows);
    close(shard);
  }

  private static TableRow scored(String id, String amount) {
    return TableRows.fraud(
        ScoredPayment.of(TestEvents.payment(7, id, amount, "USD", TestEvents.T0), 70, RiskLevel.HIGH, List.of("velocity", "amount")));
  }

  @Test
  void absorbingShardsKeepsOneRowPerKeyAndTheHigherChangeSequence() throws Exception {
    Path dir = temp.resolve("tables");
    // The process killed mid-stream wrote tx-1 and an audit of two copies; the one the job
    // restored on wrote tx-1 again (a replay) and the audit's final count.
    shard(dir, "process-11", TABLES.transactions(), payment("tx-1", "12.50"));
    shard(dir, "process-11", TABLES.audit(), TableRows.audit(audit("tx-1", 2)));
    shard(dir, "process-11", TABLES.fraud(), scored("tx-1", "12.50"));
    shard(dir, "process-22", TABLES.transactions(), payment("tx-1", "12.50"), payment("tx-2", "3.00"));
    shard(dir, "process-22", TABLES.audit(), TableRows.audit(audit("tx-1", 3)));
    LocalBigQuery standIn = open(dir, WriteMode.UPSERT);
    // A row this stand-in already holds, with lists, goes back into the engine beside the shards'.
    insert(standIn, TABLES.fraud(), scored("tx-2", "3.00"));

    standIn.absorbShards();
    standIn.absorbShards();

    assertEquals(List.of("tx-1", "tx-2"), ids(standIn.rows(TABLES.transactions())));
    assertEquals(List.of("tx-1", "tx-2"), ids(standIn.rows(TABLES.fraud())));
    List<TableRow> audits = standIn.rows(TABLES.audit());
    assertEquals(1, audits.size());
    assertEquals("3", String.valueOf(audits.get(0).get("duplicate_copies")), "the audit with more copies wins");
    close(standIn);
    assertEquals(2, fileRows(dir.resolve(TABLES.transactions() + ".ndjson")).size());
    for (Map<String, Object> row : fileRows(dir.resolve(TABLES.fraud() + ".ndjson"))) {
      assertEquals(List.of("velocity", "amount"), row.get("risk_reasons"), "lists survive absorbing twice");
    }
  }

  @Test
  void onlyUpsertsTakeWritesFromOtherProcesses() throws IOException {
    LocalBigQuery standIn = open(temp.resolve("tables"), WriteMode.EXACTLY_ONCE);

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, standIn::servicesForOtherProcesses);

    assertTrue(refused.getMessage().contains("--writeMode=upsert"), refused.getMessage());
  }

  private static List<Object> ids(List<TableRow> rows) {
    return rows.stream().map(row -> row.get("transaction_id")).sorted().toList();
  }

  private static DuplicateAudit audit(String id, long copies) {
    return DuplicateAudit.of(id, TestEvents.T0, TestEvents.T0, TestEvents.T0.plus(1000), copies);
  }

  private static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> contents = new LinkedHashMap<>();
    for (String table : ALL_TABLES) {
      contents.put(table, Files.readString(dir.resolve(table + ".ndjson")));
    }
    return contents;
  }
}
