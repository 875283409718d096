package dev.exactlyonce.payments.transforms.bigquery;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.model.WindowMetrics;
import dev.exactlyonce.payments.transforms.bigquery.StorageWrite.Destination;
import dev.exactlyonce.payments.transforms.bigquery.StorageWrite.RowFormat;
import dev.exactlyonce.payments.transforms.bigquery.StorageWrite.Table;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO.Write.Method;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

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
    StorageWrite storage = new StorageWrite(tables, mode, triggeringFrequency, numStreams, services);
    PCollection<DeadLetter> refusedTransactions =
        storage.writeKeepingRefusals(input.get(TRANSACTIONS), transactionsTable());
    PCollection<DeadLetter> refusedFraud =
        storage.writeKeepingRefusals(input.get(FRAUD), fraudTable());
    PCollection<DeadLetter> refusedMetrics =
        storage.writeKeepingRefusals(input.get(METRICS), metricsTable());
    PCollection<DeadLetter> refusedAudit =
        storage.writeKeepingRefusals(input.get(AUDIT), auditTable());

    PCollection<DeadLetter> deadLetters =
        PCollectionList.of(StorageWrite.inGlobalWindow(input.get(DEAD_LETTERS), "DeadLetters"))
            .and(refusedTransactions)
            .and(refusedFraud)
            .and(refusedMetrics)
            .and(refusedAudit)
            .apply("AllDeadLetters", Flatten.pCollections());
    storage.writeDeadLetters(deadLetters);
    return PDone.in(input.getPipeline());
  }

  /*
   * Upsert sequences are deterministic, so a replay produces the same ones: equal rows collapse.
   * A window's panes accumulate, so the one with more payments replaces the one with fewer. Not the
   * pane index: how many panes a window fires depends on how its payments were bundled, so after a
   * restore the replay's complete pane can have a lower index than an incomplete one the first
   * reading wrote.
   */
  private Table<Payment> transactionsTable() {
    return new Table<>("Transactions", tables.transactions(), TableSchemas.transactions(),
        RowFormat.<Payment>avro(TableRows::transaction), TableSchemas.TRANSACTIONS_KEY, payment -> StorageWrite.UPSERT_ONLY_VERSION,
        Destination.PINNED_PARTITIONED_BY_EVENT_TIME);
  }

  private Table<ScoredPayment> fraudTable() {
    return new Table<>("Fraud", tables.fraud(), TableSchemas.fraud(),
        RowFormat.<ScoredPayment>avro(TableRows::fraud), TableSchemas.FRAUD_KEY, scored -> StorageWrite.UPSERT_ONLY_VERSION,
        Destination.PINNED);
  }

  private Table<WindowMetrics> metricsTable() {
    return new Table<>("Metrics", tables.metrics(), TableSchemas.metrics(),
        RowFormat.tableRows(TableRows::metrics), TableSchemas.METRICS_KEY, metrics -> StorageWrite.upsert(metrics.getPaymentCount()),
        Destination.BY_NAME);
  }

  private Table<DuplicateAudit> auditTable() {
    return new Table<>("Audit", tables.audit(), TableSchemas.audit(),
        RowFormat.tableRows(TableRows::audit), TableSchemas.AUDIT_KEY, audit -> StorageWrite.upsert(audit.getDuplicateCopies()),
        Destination.BY_NAME);
  }
}
