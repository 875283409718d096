package dev.exactlyonce.payments.transforms.bigquery;

import dev.exactlyonce.payments.transforms.cdc.ChangeEvent;
import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.transforms.bigquery.StorageWrite.Destination;
import dev.exactlyonce.payments.transforms.bigquery.StorageWrite.RowFormat;
import dev.exactlyonce.payments.transforms.bigquery.StorageWrite.Table;
import dev.exactlyonce.payments.transforms.cdc.ChangeRows;
import dev.exactlyonce.payments.transforms.cdc.ChangeTable;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation;
import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation.MutationType;
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
 * Applies changes to a {@link ChangeTable} through BigQuery's Storage Write CDC: an UPSERT for c,
 * u and r, a DELETE for d and tombstones, on the table's primary key, each with the change's
 * {@code ts_ms/lsn} sequence, so BigQuery keeps the newest change of each row whatever order they
 * arrive in and however often. The table is created if needed, with the primary key. Rows BigQuery
 * refuses and the input's dead letters go to the dead-letter table, the same as the payments
 * pipeline's. Immutable.
 *
 * <p>This is the Storage Write API's at-least-once method; CDC makes it replay-safe on any runner.
 */
public final class WriteChangesToBigQuery extends PTransform<PCollectionTuple, PDone> {
  public static final TupleTag<ChangeEvent> CHANGES = new TupleTag<ChangeEvent>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<DeadLetter>() {};

  private final BigQueryTables tables;
  private final ChangeTable table;
  private final @Nullable BigQueryServices services;

  private WriteChangesToBigQuery(BigQueryTables tables, ChangeTable table, @Nullable BigQueryServices services) {
    this.tables = tables;
    this.table = table;
    this.services = services;
  }

  /** Changes into {@code table}, dead letters into the dead-letter table of {@code tables}. */
  public static WriteChangesToBigQuery to(BigQueryTables tables, ChangeTable table) {
    return new WriteChangesToBigQuery(tables, table, null);
  }

  /** Another BigQuery service implementation: the local stand-in, or a test fake. */
  public WriteChangesToBigQuery withServices(BigQueryServices services) {
    return new WriteChangesToBigQuery(tables, table, services);
  }

  public BigQueryTables tables() {
    return tables;
  }

  public ChangeTable table() {
    return table;
  }

  /** The mutation BigQuery applies for a change. */
  public static RowMutationInformation mutationOf(ChangeEvent change) {
    return RowMutationInformation.of(
        change.getOp().removesRow() ? MutationType.DELETE : MutationType.UPSERT, change.getSequence());
  }

  @Override
  public PDone expand(PCollectionTuple input) {
    // The triggering frequency and streams only shape exactly-once appends; CDC writes go to the
    // default stream.
    StorageWrite storage = new StorageWrite(tables, WriteMode.UPSERT, Duration.standardSeconds(1), 0, services);
    ChangeTable changeTable = table;
    Table<ChangeEvent> changes =
        new Table<>("Changes", table.name(), table.schema(),
            RowFormat.tableRows(change -> ChangeRows.row(change, changeTable)),
            table.primaryKey(), WriteChangesToBigQuery::mutationOf, Destination.BY_NAME);
    PCollection<DeadLetter> refused = storage.writeKeepingRefusals(input.get(CHANGES), changes);
    storage.writeDeadLetters(
        PCollectionList.of(StorageWrite.inGlobalWindow(input.get(DEAD_LETTERS), "DeadLetters"))
            .and(refused)
            .apply("AllDeadLetters", Flatten.pCollections()));
    return PDone.in(input.getPipeline());
  }
}
