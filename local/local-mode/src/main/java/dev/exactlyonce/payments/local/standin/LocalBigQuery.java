package dev.exactlyonce.payments.local.standin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableConstraints;
import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryIoCaches;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.bigquery.TableSchemas;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import dev.exactlyonce.payments.transforms.cdc.ChangeSequence;
import dev.exactlyonce.payments.transforms.cdc.ChangeTable;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.apache.beam.sdk.io.gcp.testing.FakeJobService;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An in-process BigQuery for local runs. The pipeline writes to it through the same BigQueryIO
 * Storage Write transform as production (write streams, offsets, flush, commit: Beam's {@link
 * FakeDatasetService}); this class keeps each table as {@code <dir>/<table>.ndjson}, one JSON object
 * per row in BigQuery's JSON export shape. A table's file is rewritten before a write that changed
 * the table is acknowledged, so a process killed mid-run leaves every acknowledged row on disk, as
 * BigQuery would. Opening a directory that already holds tables continues them.
 *
 * <p>The engine keeps tables in static memory: one stand-in per JVM at a time, in the JVM that runs
 * the pipeline (the DirectRunner, or Flink's embedded cluster).
 */
public final class LocalBigQuery implements AutoCloseable {
  public static final String PROJECT = "local-project";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final BigQueryTables tables;
  private final FakeDatasetService datasets = new WriteThroughDatasetService();
  private final FakeBigQueryServices services =
      new FakeBigQueryServices().withDatasetService(datasets).withJobService(new FakeJobService());
  private final Map<String, TableSchemas.Layout> layouts;
  private final WriteMode mode;

  private LocalBigQuery(Path dir, BigQueryTables tables, WriteMode mode, Map<String, TableSchemas.Layout> layouts) {
    this.dir = dir;
    this.tables = tables;
    this.mode = mode;
    this.layouts = layouts;
  }

  /**
   * Opens the stand-in on {@code dir}, loading any tables a previous run left there.
   *
   * @throws IOException with a one-line reason if the directory cannot be written or a table
   *     file cannot be read
   */
  public static LocalBigQuery open(Path dir, BigQueryTables tables) throws IOException {
    return open(dir, tables, WriteMode.EXACTLY_ONCE);
  }

  /**
   * Like {@link #open(Path, BigQueryTables)}, for a pipeline writing in {@code mode}. With {@link WriteMode#UPSERT} the tables get their primary keys and the engine applies
   * upserts by key and change-sequence number as BigQuery does, rows loaded from the files
   * included.
   */
  public static LocalBigQuery open(Path dir, BigQueryTables tables, WriteMode mode) throws IOException {
    return open(new LocalBigQuery(dir, tables, mode, TableSchemas.layouts(tables)));
  }

  /**
   * Opens the stand-in for a CDC pipeline: the change table (its own schema and primary key) and the
   * dead-letter table of {@code tables}. Upserts and deletes are applied by key and change sequence
   * as BigQuery applies them ({@link ChangeOrdering}); each key's last sequence, a deleted key's
   * included, is kept in {@code <table>.sequences.json} beside the table's file and loaded with it.
   */
  public static LocalBigQuery openChanges(Path dir, BigQueryTables tables, ChangeTable table) throws IOException {
    Map<String, TableSchemas.Layout> layouts = new LinkedHashMap<>();
    layouts.put(table.name(), new TableSchemas.Layout(table.schema(), table.primaryKey()));
    layouts.put(tables.deadLetter(), TableSchemas.layouts(tables).get(tables.deadLetter()));
    LocalBigQuery standIn = new LocalBigQuery(dir, tables, WriteMode.UPSERT, layouts);
    ChangeOrdering.register(table.name(), table.primaryKey(), standIn.readSequences(table));
    return open(standIn);
  }

  private static LocalBigQuery open(LocalBigQuery standIn) throws IOException {
    checkWritable(standIn.dir);
    FakeDatasetService.setUp();
    BigQueryIoCaches.clear();
    standIn.createTablesAndLoad();
    WriteThroughDatasetService.onTableChanged(standIn::keep);
    return standIn;
  }

  public BigQueryServices services() {
    return services;
  }

  /**
   * Services for a pipeline whose writes run in other processes, the TaskManagers of a Flink
   * cluster: each process keeps the tables it wrote in its own shard, {@code
   * <dir>/shards/process-<pid>/}, and {@link #absorbShards} folds them into this stand-in. Only
   * with upserts: a payment a restored job writes again, in another process, is then the same row,
   * as it is in BigQuery.
   */
  public BigQueryServices servicesForOtherProcesses() {
    if (mode != WriteMode.UPSERT) {
      throw new IllegalArgumentException(
          "the stand-in takes writes from other processes (a Flink cluster's TaskManagers) only with --writeMode=upsert; "
              + "this run writes " + mode);
    }
    WriteThroughDatasetService shards =
        new WriteThroughDatasetService(new WriteThroughDatasetService.ShardHome(dir.toString(), tables));
    return new FakeBigQueryServices().withDatasetService(shards).withJobService(new FakeJobService());
  }

  /**
   * Folds in the tables other processes kept under {@code shards/} (see {@link
   * #servicesForOtherProcesses}), as BigQuery shows upserts: one row per primary key. Where two
   * shards hold a key, the higher change sequence wins, as in {@code WriteToBigQuery}: the metrics
   * pane with more payments, the audit row with more copies; other tables' replays are equal rows.
   * Shards stay on disk, so folding them in again changes nothing.
   */
  public synchronized void absorbShards() throws IOException {
    List<Path> processes = shardDirectories();
    if (processes.isEmpty()) {
      return;
    }
    for (Map.Entry<String, TableSchemas.Layout> table : layouts.entrySet()) {
      TableSchema schema = table.getValue().schema();
      List<String> primaryKey = table.getValue().primaryKey();
      String sequenceColumn = sequenceColumnOf(table.getKey());
      Map<List<String>, TableRow> byKey = new LinkedHashMap<>();
      for (TableRow row : rows(table.getKey())) {
        keepNewer(byKey, primaryKey, sequenceColumn, exported(row, schema));
      }
      for (Path process : processes) {
        for (TableRow row : readTable(process.resolve(table.getKey() + ".ndjson"))) {
          keepNewer(byKey, primaryKey, sequenceColumn, row);
        }
      }
      replaceRows(table.getKey(), table.getValue(), new ArrayList<>(byKey.values()));
    }
    flush();
  }

  /** The shard each process elsewhere keeps, under {@code shards/}; none when no process wrote. */
  private List<Path> shardDirectories() throws IOException {
    Path shards = dir.resolve(WriteThroughDatasetService.ShardHome.SHARDS);
    if (!Files.isDirectory(shards)) {
      return List.of();
    }
    try (var listing = Files.list(shards)) {
      return listing.filter(Files::isDirectory).sorted().toList();
    }
  }

  /** The column a table's change sequence is read from, where replays can differ; null elsewhere. */
  private @Nullable String sequenceColumnOf(String table) {
    return table.equals(tables.metrics()) ? "payment_count" : table.equals(tables.audit()) ? "duplicate_copies" : null;
  }

  private static void keepNewer(
      Map<List<String>, TableRow> byKey, List<String> primaryKey, @Nullable String sequenceColumn, TableRow row) {
    List<String> key = new ArrayList<>();
    primaryKey.forEach(column -> key.add(String.valueOf(row.get(column))));
    byKey.merge(key, row, (kept, other) ->
        sequenceColumn != null && sequenceOf(other, sequenceColumn) > sequenceOf(kept, sequenceColumn) ? other : kept);
  }

  private static long sequenceOf(TableRow row, String column) {
    return Long.parseLong(String.valueOf(row.get(column)));
  }

  /** A row in the shape the files hold, as {@link #readTable} reads it back (mutable lists included). */
  private static TableRow exported(TableRow row, TableSchema schema) {
    return JSON.convertValue(ExportShape.of(row, schema), TableRow.class);
  }

  private void replaceRows(String table, TableSchemas.Layout layout, List<TableRow> rows) throws IOException {
    try {
      synchronized (FakeDatasetService.class) {
        datasets.deleteTable(reference(tables, table));
        datasets.createTable(definition(tables, table, layout, mode));
        if (!rows.isEmpty()) {
          datasets.insertAll(reference(tables, table), EngineShape.of(rows, layout.schema()), null);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted replacing " + table, e);
    }
  }

  public BigQueryTables tables() {
    return tables;
  }

  public Path directory() {
    return dir;
  }

  /** The file a table is kept in. */
  public Path fileOf(String table) {
    return dir.resolve(table + ".ndjson");
  }

  /** Current rows of a table, as the pipeline wrote them: a copy, taken between two writes. */
  public List<TableRow> rows(String table) throws IOException {
    try {
      // The engine hands out its own list and guards it with this lock while writing to it.
      synchronized (FakeDatasetService.class) {
        return new ArrayList<>(datasets.getAllRows(tables.project(), tables.dataset(), table));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted reading " + table, e);
    }
  }

  /**
   * How many rows a table has, for progress: this stand-in's, and those processes elsewhere keep
   * in their shards (see {@link #servicesForOtherProcesses}), where a row a restored job wrote
   * again in another process counts twice until {@link #absorbShards}.
   */
  public long rowCount(String table) throws IOException {
    long count = rows(table).size();
    for (Path process : shardDirectories()) {
      try (var lines = Files.lines(process.resolve(table + ".ndjson"), StandardCharsets.UTF_8)) {
        count += lines.filter(line -> !line.isBlank()).count();
      } catch (java.nio.file.NoSuchFileException | java.io.UncheckedIOException notWrittenYetOrReplaced) {
        // Counted at the next report.
      }
    }
    return count;
  }

  /** The file a change table's last sequence per key is kept in. */
  public Path sequencesFileOf(String table) {
    return dir.resolve(table + ".sequences.json");
  }

  /** Writes every table's file now. */
  public synchronized void flush() throws IOException {
    for (Map.Entry<String, TableSchemas.Layout> table : layouts.entrySet()) {
      writeTable(table.getKey(), table.getValue().schema());
    }
  }

  @Override
  public void close() throws IOException {
    WriteThroughDatasetService.onTableChanged(null);
    flush();
  }

  /**
   * Keeps a table the engine just changed. Failing here fails the write, which BigQueryIO retries:
   * an acknowledged row is never only in memory.
   */
  private synchronized void keep(String table) {
    TableSchemas.Layout layout = layouts.get(table);
    if (layout == null) {
      return;
    }
    try {
      writeTable(table, layout.schema());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep table " + table + ": " + e.getMessage(), e);
    }
  }

  private void createTablesAndLoad() throws IOException {
    try {
      datasets.createDataset(tables.project(), tables.dataset(), "", "local stand-in", null);
      for (Map.Entry<String, TableSchemas.Layout> table : layouts.entrySet()) {
        TableReference ref = reference(tables, table.getKey());
        TableSchema schema = table.getValue().schema();
        datasets.createTable(definition(tables, table.getKey(), table.getValue(), mode));
        List<TableRow> existing = EngineShape.of(readTable(fileOf(table.getKey())), schema);
        if (!existing.isEmpty()) {
          datasets.insertAll(ref, existing, null);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted opening the stand-in", e);
    }
  }

  /**
   * A payments table as production has it: partitioned and clustered where the layout says so,
   * with its primary key when {@code mode} writes upserts (BigQuery needs it for them).
   */
  public static Table definition(BigQueryTables tables, String table, TableSchemas.Layout layout, WriteMode mode) {
    Table definition = new Table().setTableReference(reference(tables, table)).setSchema(layout.schema());
    if (table.equals(tables.transactions())) {
      definition
          .setTimePartitioning(TableSchemas.transactionsPartitioning())
          .setClustering(TableSchemas.transactionsClustering());
    }
    if (mode == WriteMode.UPSERT) {
      definition.setTableConstraints(
          new TableConstraints().setPrimaryKey(new TableConstraints.PrimaryKey().setColumns(layout.primaryKey())));
    }
    return definition;
  }

  private static TableReference reference(BigQueryTables tables, String table) {
    return new TableReference().setProjectId(tables.project()).setDatasetId(tables.dataset()).setTableId(table);
  }

  private static List<TableRow> readTable(Path file) throws IOException {
    List<TableRow> rows = new ArrayList<>();
    if (!Files.exists(file)) {
      return rows;
    }
    int lineNumber = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      try {
        rows.add(JSON.readValue(line, TableRow.class));
      } catch (IOException e) {
        throw new IOException(file + " line " + lineNumber + " is not a JSON row: " + e.getMessage(), e);
      }
    }
    return rows;
  }

  private void writeTable(String table, TableSchema schema) throws IOException {
    List<TableRow> rows = rows(table);
    Path file = fileOf(table);
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try (BufferedWriter out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
      for (TableRow row : rows) {
        out.write(JSON.writeValueAsString(ExportShape.of(row, schema)));
        out.newLine();
      }
    }
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    if (ChangeOrdering.orders(table)) {
      // After the table: a live row carries its own sequence (a column), so a crash between the two
      // files can only lose the sequence of a key deleted by the last write.
      Path sequences = sequencesFileOf(table);
      Path sequencesTemporary = sequences.resolveSibling(sequences.getFileName() + ".tmp");
      JSON.writeValue(sequencesTemporary.toFile(), ChangeOrdering.sequences(table));
      Files.move(sequencesTemporary, sequences, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** The last sequence of every key: the newer of the sequences file's and the row's own. */
  private Map<String, String> readSequences(ChangeTable table) throws IOException {
    Path file = sequencesFileOf(table.name());
    Map<String, String> sequences = new LinkedHashMap<>();
    if (Files.exists(file)) {
      try {
        sequences.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() {}));
      } catch (IOException e) {
        throw new IOException(file + " is not a JSON object of sequences: " + e.getMessage(), e);
      }
    }
    for (TableRow row : readTable(fileOf(table.name()))) {
      List<Object> key = new ArrayList<>();
      table.primaryKey().forEach(column -> key.add(row.get(column)));
      Object sequence = row.get(ChangeTable.SEQUENCE);
      if (sequence != null) {
        sequences.merge(ChangeOrdering.keyOf(key), sequence.toString(),
            (kept, own) -> ChangeSequence.compare(kept, own) >= 0 ? kept : own);
      }
    }
    return sequences;
  }

  private static void checkWritable(Path dir) throws IOException {
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".write-check", ".tmp");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw new IOException("cannot write the table directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Schema fields by name, for {@link ExportShape}. */
  static Map<String, TableFieldSchema> fieldsOf(TableSchema schema) {
    Map<String, TableFieldSchema> fields = new LinkedHashMap<>();
    schema.getFields().forEach(field -> fields.put(field.getName(), field));
    return fields;
  }
}
