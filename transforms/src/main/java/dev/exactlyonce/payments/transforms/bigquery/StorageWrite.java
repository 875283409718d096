package dev.exactlyonce.payments.transforms.bigquery;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.joda.JodaModule;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.ModelCoders;
import dev.exactlyonce.payments.transforms.bigquery.TableRows.ColumnWriter;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.gcp.bigquery.AvroWriteRequest;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.CreateDisposition;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.Method;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.WriteDisposition;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryStorageApiInsertError;
import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation;
import org.apache.beam.sdk.io.gcp.bigquery.WriteResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write layer both pipelines share: one table through BigQueryIO's Storage Write API, in the
 * exactly-once method or as CDC mutations on the table's primary key; refused rows turned into
 * {@link ErrorKind#WRITE_FAILED} dead letters; the dead-letter table itself. Immutable.
 */
final class StorageWrite implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(StorageWrite.class);

  /*
   * A row refused before it reached BigQuery is the TableRow we built, with Joda instants and
   * BigDecimals in it; written the way rows read back from BigQuery look.
   */
  private static final ObjectMapper REFUSED_ROW_JSON =
      new ObjectMapper()
          .registerModule(new JodaModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

  private final BigQueryTables tables;
  private final WriteMode mode;
  private final Duration triggeringFrequency;
  private final int numStreams;
  private final @Nullable BigQueryServices services;

  StorageWrite(
      BigQueryTables tables,
      WriteMode mode,
      Duration triggeringFrequency,
      int numStreams,
      @Nullable BigQueryServices services) {
    this.tables = tables;
    this.mode = mode;
    this.triggeringFrequency = triggeringFrequency;
    this.numStreams = numStreams;
    this.services = services;
  }

  /**
   * One table: where, its schema and rows, and for CDC writes its key and each row's mutation.
   * Sequence numbers must be deterministic, so a replay produces the same ones and collapses.
   */
  record Table<T>(
      String stepName,
      String table,
      TableSchema schema,
      RowFormat<T> format,
      List<String> primaryKey,
      SerializableFunction<T, RowMutationInformation> mutation,
      Destination destination)
      implements Serializable {

    /** The table's stage in the counters' names: {@code DeadLetter} is {@code dead_letter}. */
    String counterStage() {
      return stepName.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
  }

  /** How BigQueryIO is told where a table's rows go. */
  enum Destination {
    /**
     * By name: BigQueryIO then checks at launch that the dataset exists, which it does for no
     * destination of the caller's own. The tables share the dataset, so one such table checks it
     * for all.
     */
    BY_NAME,
    /** A {@link PinnedTable}: for a table every payment writes to, whose per-row costs count. */
    PINNED,
    /** A {@link PinnedTable} partitioned by day of {@code event_time}, clustered by sender and currency. */
    PINNED_PARTITIONED_BY_EVENT_TIME
  }

  /**
   * How a table's values become rows: {@link TableRow}s, or Avro records (see {@link #avro}).
   * Exactly one of the two is set.
   */
  record RowFormat<T>(
      @Nullable SerializableFunction<T, TableRow> tableRow, @Nullable ColumnWriter<T> columns)
      implements Serializable {

    RowFormat {
      if ((tableRow == null) == (columns == null)) {
        throw new IllegalArgumentException("a table's rows are TableRows or Avro records, exactly one");
      }
    }

    static <T> RowFormat<T> tableRows(SerializableFunction<T, TableRow> tableRow) {
      return new RowFormat<>(tableRow, null);
    }

    /**
     * Rows handed to the write as Avro records, which BigQueryIO turns into the Storage Write API's
     * protos in about half the time a {@link TableRow} takes: it builds no field path names, looks
     * up no columns by lower-cased key, and walks no map (docs/benchmarks.md, eighth pass). Rows
     * BigQuery refuses still come back as {@link TableRow}s: BigQueryIO rebuilds them from the
     * protos.
     *
     * <p>Only for tables whose every value the pipeline has already checked: BigQueryIO dead-letters
     * a {@link TableRow} it cannot convert, but fails the bundle on an Avro record it cannot. The
     * payment tables qualify, their amounts bounded to NUMERIC and two decimal places by the parser;
     * computed metrics do not.
     */
    static <T> RowFormat<T> avro(ColumnWriter<T> columns) {
      return new RowFormat<>(null, columns);
    }
  }

  Table<DeadLetter> deadLetterTable() {
    return new Table<>("DeadLetter", tables.deadLetter(), TableSchemas.deadLetter(),
        RowFormat.tableRows(TableRows::deadLetter), TableSchemas.DEAD_LETTER_KEY, deadLetter -> UPSERT_ONLY_VERSION,
        Destination.BY_NAME);
  }

  /**
   * For rows that never change: built once, because building one formats its sequence as text, and
   * every payment row asks for it.
   */
  static final RowMutationInformation UPSERT_ONLY_VERSION = upsert(0L);

  static RowMutationInformation upsert(long sequence) {
    return RowMutationInformation.of(RowMutationInformation.MutationType.UPSERT, sequence);
  }

  private <T> WriteResult write(PCollection<T> rows, Table<T> table) {
    BigQueryIO.Write<T> write =
        to(BigQueryIO.<T>write(), table)
            .withCreateDisposition(CreateDisposition.CREATE_IF_NEEDED)
            .withWriteDisposition(WriteDisposition.WRITE_APPEND);
    ColumnWriter<T> columns = table.format().columns();
    // Counted where BigQueryIO formats each row, once per row handed over, rather than in a stage of
    // its own: one more operator for every payment row (docs/benchmarks.md, ninth pass).
    Counter written = PipelineCounters.counter(PipelineCounters.rowsWritten(table.counterStage()));
    write =
        columns == null
            ? write.withFormatFunction(countingRows(Objects.requireNonNull(table.format().tableRow()), written))
            // BigQueryIO takes Avro records only with its optimised writes.
            : write.withAvroFormatFunction(request -> {
                written.inc();
                return avroRecord(request, columns);
              }).optimizedWrites();
    if (mode == WriteMode.UPSERT) {
      write =
          write
              .withMethod(Method.STORAGE_API_AT_LEAST_ONCE)
              // For a PinnedTable this creates nothing (the destination carries the key), but
              // BigQueryIO refuses row mutations on a table it may create without it.
              .withPrimaryKey(table.primaryKey())
              .withRowMutationInformationFn(table.mutation());
    } else {
      write = write.withMethod(Method.STORAGE_WRITE_API);
      if (rows.isBounded() == PCollection.IsBounded.UNBOUNDED) {
        write = write.withTriggeringFrequency(triggeringFrequency);
        write =
            numStreams == WriteToBigQuery.AUTO_SHARDING
                ? write.withAutoSharding()
                : write.withNumStorageWriteApiStreams(numStreams);
      }
    }
    if (services != null) {
      write = write.withTestServices(services).withoutValidation();
    }
    return inGlobalWindow(rows, table.stepName()).apply("Write" + table.stepName(), write);
  }

  private static <T> SerializableFunction<T, TableRow> countingRows(SerializableFunction<T, TableRow> tableRow, Counter written) {
    return value -> {
      written.inc();
      return tableRow.apply(value);
    };
  }

  /**
   * The record BigQueryIO converts, in the Avro schema it derives from the table's. Values stay in
   * the Java types {@link TableRows} gives them (Joda instants, {@code BigDecimal}s, byte arrays),
   * which its converter takes as they are: the record is never serialized as Avro.
   */
  static <T> GenericRecord avroRecord(AvroWriteRequest<T> request, ColumnWriter<T> columns) {
    GenericRecord record = new GenericData.Record(request.getSchema());
    columns.write(request.getElement(), record::put);
    return record;
  }

  /** See {@link Destination}. */
  private <T> BigQueryIO.Write<T> to(BigQueryIO.Write<T> write, Table<T> table) {
    String spec = tables.spec(table.table());
    if (table.destination() == Destination.BY_NAME) {
      return write.to(spec).withSchema(table.schema());
    }
    PinnedTable<T> destination =
        table.destination() == Destination.PINNED
            ? PinnedTable.unpartitioned(spec, table.schema())
            : PinnedTable.partitioned(
                spec, table.schema(), TableSchemas.transactionsPartitioning(), TableSchemas.transactionsClustering());
    return write.to(mode == WriteMode.UPSERT ? destination.withPrimaryKey(table.primaryKey()) : destination);
  }

  /**
   * Dead letters into their table, counted by kind; rows BigQuery refuses there are counted and
   * logged.
   */
  void writeDeadLetters(PCollection<DeadLetter> deadLetters) {
    PCollection<DeadLetter> counted =
        deadLetters.apply("CountDeadLettersByKind", ParDo.of(new CountDeadLettersFn())).setCoder(deadLetters.getCoder());
    write(counted, deadLetterTable())
        .getFailedStorageApiInserts()
        .apply("LogRefusedDeadLetters", ParDo.of(new LogRefusedFn()));
  }

  /**
   * Moves rows to the global window first, whatever their windows, so no write stage can drop a
   * late pane.
   */
  static <T> PCollection<T> inGlobalWindow(PCollection<T> rows, String name) {
    return rows.apply(
        "GlobalWindow" + name,
        Window.<T>into(new GlobalWindows())
            .triggering(DefaultTrigger.of())
            .discardingFiredPanes()
            .withAllowedLateness(Duration.ZERO));
  }

  /** Writes a table; rows BigQuery refuses come back as WRITE_FAILED dead letters, counted per table. */
  <T> PCollection<DeadLetter> writeKeepingRefusals(PCollection<T> rows, Table<T> table) {
    WriteResult result = write(rows, table);
    return result
        .getFailedStorageApiInserts()
        .apply("Refused" + table.table(),
            ParDo.of(new RefusalToDeadLetterFn(table.table(), PipelineCounters.rowsRefused(table.counterStage()))))
        .setCoder(ModelCoders.of(result.getPipeline(), DeadLetter.class));
  }

  static byte[] rowJson(TableRow row) throws JsonProcessingException {
    return REFUSED_ROW_JSON.writeValueAsBytes(row);
  }

  private static final class RefusalToDeadLetterFn
      extends DoFn<BigQueryStorageApiInsertError, DeadLetter> {
    private final String table;
    private final Counter refused;

    RefusalToDeadLetterFn(String table, MetricName refusedRows) {
      this.table = table;
      this.refused = PipelineCounters.counter(refusedRows);
    }

    @ProcessElement
    public void process(@Element BigQueryStorageApiInsertError error, OutputReceiver<DeadLetter> out)
        throws JsonProcessingException {
      refused.inc();
      TableRow row = error.getRow();
      Object transactionId = row.get("transaction_id");
      out.output(
          DeadLetter.builder()
              .setErrorKind(ErrorKind.WRITE_FAILED)
              .setMessage("BigQuery refused a row of " + table + ": " + error.getErrorMessage())
              .setSource(sourceOf(row))
              .setRawValue(rowJson(row))
              .setTransactionId(transactionId == null ? null : transactionId.toString())
              .build());
    }

    private static @Nullable KafkaCoordinates sourceOf(TableRow row) {
      Object topic = row.get("kafka_topic");
      Object partition = row.get("kafka_partition");
      Object offset = row.get("kafka_offset");
      if (topic == null || partition == null || offset == null) {
        return null;
      }
      return KafkaCoordinates.of(
          topic.toString(),
          Integer.parseInt(partition.toString()),
          Long.parseLong(offset.toString()));
    }
  }

  /** Counts dead letters by their kind, unchanged. */
  private static final class CountDeadLettersFn extends DoFn<DeadLetter, DeadLetter> {
    private final Map<ErrorKind, Counter> byKind = new EnumMap<>(ErrorKind.class);

    CountDeadLettersFn() {
      for (ErrorKind kind : ErrorKind.values()) {
        byKind.put(kind, PipelineCounters.counter(PipelineCounters.deadLetters(kind)));
      }
    }

    @ProcessElement
    public void process(@Element DeadLetter deadLetter, OutputReceiver<DeadLetter> out) {
      byKind.get(deadLetter.getErrorKind()).inc();
      out.output(deadLetter);
    }
  }

  private static final class LogRefusedFn extends DoFn<BigQueryStorageApiInsertError, Void> {
    private final Counter refused = PipelineCounters.counter(PipelineCounters.DEAD_LETTER_WRITE_FAILURES);

    @ProcessElement
    public void process(@Element BigQueryStorageApiInsertError error) {
      refused.inc();
      LOG.error("BigQuery refused a dead-letter row ({}): {}", error.getErrorMessage(), error.getRow());
    }
  }
}
