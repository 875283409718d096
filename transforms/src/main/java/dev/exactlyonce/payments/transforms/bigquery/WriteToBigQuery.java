package dev.exactlyonce.payments.transforms.bigquery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.SchemaCoders;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.model.WindowMetrics;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.CreateDisposition;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.Method;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.WriteDisposition;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryStorageApiInsertError;
import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation;
import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation.MutationType;
import org.apache.beam.sdk.io.gcp.bigquery.WriteResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the five tables through BigQueryIO's Storage Write API. By default with the exactly-once
 * method ({@link Method#STORAGE_WRITE_API}): rows are appended to buffered streams at offsets kept
 * in Beam state and flushed every {@link #withTriggeringFrequency triggering frequency}. With
 * {@link WriteMode#UPSERT}, as CDC upserts on each table's primary key ({@link TableSchemas}), so
 * that replays collapse on any runner. Tables are created if
 * needed with explicit schemas; {@code payment_transactions} is partitioned by day of {@code
 * event_time} and clustered by {@code sender_account, currency}.
 *
 * <p>Rows BigQuery refuses are not lost: refusals from the four payment tables become {@link
 * ErrorKind#WRITE_FAILED} dead letters; refusals from the dead-letter table itself are counted
 * ({@code dead_letter_write_failures}) and logged with the row.
 *
 * <p>Input: a tuple with the tags below. Whatever their windows, rows are moved to the global
 * window first, so no write stage can drop a late pane.
 */
public final class WriteToBigQuery extends PTransform<PCollectionTuple, PDone> {

  public static final TupleTag<Payment> TRANSACTIONS = new TupleTag<Payment>() {};
  public static final TupleTag<ScoredPayment> FRAUD = new TupleTag<ScoredPayment>() {};
  public static final TupleTag<WindowMetrics> METRICS = new TupleTag<WindowMetrics>() {};
  public static final TupleTag<DuplicateAudit> AUDIT = new TupleTag<DuplicateAudit>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<DeadLetter>() {};

  public static final Duration DEFAULT_TRIGGERING_FREQUENCY = Duration.standardSeconds(5);
  /** Zero lets the runner pick the number of streams (auto-sharding). */
  public static final int AUTO_SHARDING = 0;

  private static final Logger LOG = LoggerFactory.getLogger(WriteToBigQuery.class);

  private final BigQueryTables tables;
  private final WriteMode mode;
  private final Duration triggeringFrequency;
  private final int numStreams;
  private final @Nullable BigQueryServices services;

  private WriteToBigQuery(
      BigQueryTables tables,
      WriteMode mode,
      Duration triggeringFrequency,
      int numStreams,
      @Nullable BigQueryServices services) {
    if (numStreams < 0) {
      throw new IllegalArgumentException("number of write streams must be >= 0, was " + numStreams);
    }
    if (!triggeringFrequency.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException(
          "triggering frequency must be positive, was " + triggeringFrequency);
    }
    this.tables = tables;
    this.mode = mode;
    this.triggeringFrequency = triggeringFrequency;
    this.numStreams = numStreams;
    this.services = services;
  }

  public static WriteToBigQuery to(BigQueryTables tables) {
    return new WriteToBigQuery(
        tables, WriteMode.EXACTLY_ONCE, DEFAULT_TRIGGERING_FREQUENCY, AUTO_SHARDING, null);
  }

  /** Exactly-once appends (the default) or replay-safe upserts; see {@link WriteMode}. */
  public WriteToBigQuery withWriteMode(WriteMode mode) {
    return new WriteToBigQuery(tables, mode, triggeringFrequency, numStreams, services);
  }

  public WriteMode writeMode() {
    return mode;
  }

  /** How often appended rows are flushed and become visible. */
  public WriteToBigQuery withTriggeringFrequency(Duration frequency) {
    return new WriteToBigQuery(tables, mode, frequency, numStreams, services);
  }

  /** Write streams per table; {@link #AUTO_SHARDING} lets the runner decide. */
  public WriteToBigQuery withNumStreams(int numStreams) {
    return new WriteToBigQuery(tables, mode, triggeringFrequency, numStreams, services);
  }

  /** Another BigQuery service implementation: the local stand-in, or a test fake. */
  public WriteToBigQuery withServices(BigQueryServices services) {
    return new WriteToBigQuery(tables, mode, triggeringFrequency, numStreams, services);
  }

  public BigQueryTables tables() {
    return tables;
  }

  @Override
  public PDone expand(PCollectionTuple input) {
    PCollection<DeadLetter> refusedTransactions =
        refusals(write(input.get(TRANSACTIONS), transactionsTable()), tables.transactions());
    PCollection<DeadLetter> refusedFraud =
        refusals(write(input.get(FRAUD), fraudTable()), tables.fraud());
    PCollection<DeadLetter> refusedMetrics =
        refusals(write(input.get(METRICS), metricsTable()), tables.metrics());
    PCollection<DeadLetter> refusedAudit =
        refusals(write(input.get(AUDIT), auditTable()), tables.audit());

    PCollection<DeadLetter> deadLetters =
        PCollectionList.of(inGlobalWindow(input.get(DEAD_LETTERS), "DeadLetters"))
            .and(refusedTransactions)
            .and(refusedFraud)
            .and(refusedMetrics)
            .and(refusedAudit)
            .apply("AllDeadLetters", Flatten.pCollections());
    write(deadLetters, deadLetterTable())
        .getFailedStorageApiInserts()
        .apply("LogRefusedDeadLetters", ParDo.of(new LogRefusedFn()));
    return PDone.in(input.getPipeline());
  }

  /**
   * One table: where, its schema and rows, and for upserts its key and change sequence. Sequence
   * numbers are deterministic, so a replay produces the same ones: equal rows collapse, and a later
   * pane of a window replaces an earlier one.
   */
  private record Table<T>(
      String stepName,
      String table,
      TableSchema schema,
      SerializableFunction<T, TableRow> format,
      List<String> primaryKey,
      SerializableFunction<T, Long> sequence,
      boolean partitionedByEventTime)
      implements Serializable {}

  private Table<Payment> transactionsTable() {
    return new Table<>("Transactions", tables.transactions(), TableSchemas.transactions(),
        TableRows::transaction, TableSchemas.TRANSACTIONS_KEY, payment -> 0L, true);
  }

  private Table<ScoredPayment> fraudTable() {
    return new Table<>("Fraud", tables.fraud(), TableSchemas.fraud(),
        TableRows::fraud, TableSchemas.FRAUD_KEY, scored -> 0L, false);
  }

  private Table<WindowMetrics> metricsTable() {
    return new Table<>("Metrics", tables.metrics(), TableSchemas.metrics(),
        TableRows::metrics, TableSchemas.METRICS_KEY, WindowMetrics::getPaneIndex, false);
  }

  private Table<DuplicateAudit> auditTable() {
    return new Table<>("Audit", tables.audit(), TableSchemas.audit(),
        TableRows::audit, TableSchemas.AUDIT_KEY, DuplicateAudit::getDuplicateCopies, false);
  }

  private Table<DeadLetter> deadLetterTable() {
    return new Table<>("DeadLetter", tables.deadLetter(), TableSchemas.deadLetter(),
        TableRows::deadLetter, TableSchemas.DEAD_LETTER_KEY, deadLetter -> 0L, false);
  }

  private <T> WriteResult write(PCollection<T> rows, Table<T> table) {
    BigQueryIO.Write<T> write =
        BigQueryIO.<T>write()
            .to(tables.spec(table.table()))
            .withSchema(table.schema())
            .withFormatFunction(table.format())
            .withCreateDisposition(CreateDisposition.CREATE_IF_NEEDED)
            .withWriteDisposition(WriteDisposition.WRITE_APPEND);
    if (mode == WriteMode.UPSERT) {
      SerializableFunction<T, Long> sequence = table.sequence();
      write =
          write
              .withMethod(Method.STORAGE_API_AT_LEAST_ONCE)
              .withPrimaryKey(table.primaryKey())
              .withRowMutationInformationFn(
                  row -> RowMutationInformation.of(MutationType.UPSERT, sequence.apply(row)));
    } else {
      write = write.withMethod(Method.STORAGE_WRITE_API);
      if (rows.isBounded() == PCollection.IsBounded.UNBOUNDED) {
        write = write.withTriggeringFrequency(triggeringFrequency);
        write =
            numStreams == AUTO_SHARDING
                ? write.withAutoSharding()
                : write.withNumStorageWriteApiStreams(numStreams);
      }
    }
    if (table.partitionedByEventTime()) {
      write =
          write
              .withTimePartitioning(TableSchemas.transactionsPartitioning())
              .withClustering(TableSchemas.transactionsClustering());
    }
    if (services != null) {
      write = write.withTestServices(services).withoutValidation();
    }
    return inGlobalWindow(rows, table.stepName()).apply("Write" + table.stepName(), write);
  }

  private static <T> PCollection<T> inGlobalWindow(PCollection<T> rows, String name) {
    return rows.apply(
        "GlobalWindow" + name,
        Window.<T>into(new GlobalWindows())
            .triggering(DefaultTrigger.of())
            .discardingFiredPanes()
            .withAllowedLateness(Duration.ZERO));
  }

  private PCollection<DeadLetter> refusals(WriteResult result, String table) {
    return result
        .getFailedStorageApiInserts()
        .apply("Refused" + table, ParDo.of(new RefusalToDeadLetterFn(table)))
        .setCoder(SchemaCoders.of(result.getPipeline(), DeadLetter.class));
  }

  private static final class RefusalToDeadLetterFn
      extends DoFn<BigQueryStorageApiInsertError, DeadLetter> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String table;
    private final Counter refused = Metrics.counter(WriteToBigQuery.class, "rows_refused");

    RefusalToDeadLetterFn(String table) {
      this.table = table;
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
              .setRawValue(JSON.writeValueAsString(row).getBytes(StandardCharsets.UTF_8))
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

  private static final class LogRefusedFn extends DoFn<BigQueryStorageApiInsertError, Void> {
    private final Counter refused = Metrics.counter(WriteToBigQuery.class, "dead_letter_write_failures");

    @ProcessElement
    public void process(@Element BigQueryStorageApiInsertError error) {
      refused.inc();
      LOG.error("BigQuery refused a dead-letter row ({}): {}", error.getErrorMessage(), error.getRow());
    }
  }
}
