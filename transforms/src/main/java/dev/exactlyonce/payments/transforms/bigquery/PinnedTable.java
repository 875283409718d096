package dev.exactlyonce.payments.transforms.bigquery;

import com.google.api.services.bigquery.model.Clustering;
import com.google.api.services.bigquery.model.TableConstraints;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableSchema;
import com.google.api.services.bigquery.model.TimePartitioning;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryHelpers;
import org.apache.beam.sdk.io.gcp.bigquery.DynamicDestinations;
import org.apache.beam.sdk.io.gcp.bigquery.TableDestination;
import org.apache.beam.sdk.io.gcp.bigquery.TableDestinationCoderV3;
import org.apache.beam.sdk.values.ValueInSingleWindow;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Every row to one table, as one destination built once. BigQueryIO's own constant destination
 * with partitioning or clustering parses both from JSON and builds a new destination for every row
 * (a twentieth of the pipeline's samples went to destinations and row building, docs/benchmarks.md,
 * eighth pass), and its Storage Write path parses every row's table spec again with a regular
 * expression ({@link ParsedDestination}).
 */
final class PinnedTable<T> extends DynamicDestinations<T, TableDestination> {
  private static final long serialVersionUID = 1L;

  private final TableDestination destination;
  /** As JSON: {@link TableSchema} is not serializable. */
  private final String schemaJson;
  private final @Nullable List<String> primaryKey;
  private transient @Nullable TableSchema schema;

  private PinnedTable(TableDestination destination, String schemaJson, @Nullable List<String> primaryKey) {
    this.destination = destination;
    this.schemaJson = schemaJson;
    this.primaryKey = primaryKey == null ? null : List.copyOf(primaryKey);
  }

  static <T> PinnedTable<T> partitioned(
      String tableSpec, TableSchema schema, TimePartitioning partitioning, Clustering clustering) {
    return new PinnedTable<>(
        new ParsedDestination(tableSpec, partitioning, clustering), BigQueryHelpers.toJsonString(schema), null);
  }

  static <T> PinnedTable<T> unpartitioned(String tableSpec, TableSchema schema) {
    return new PinnedTable<>(new ParsedDestination(tableSpec, null, null), BigQueryHelpers.toJsonString(schema), null);
  }

  /**
   * The table's primary key, which CDC writes need. BigQueryIO ignores {@code withPrimaryKey} once
   * the destinations are the caller's own, so they carry it.
   */
  PinnedTable<T> withPrimaryKey(List<String> columns) {
    return new PinnedTable<>(destination, schemaJson, columns);
  }

  @Override
  public TableDestination getDestination(@Nullable ValueInSingleWindow<T> element) {
    return destination;
  }

  @Override
  public TableDestination getTable(TableDestination destination) {
    return destination;
  }

  @Override
  public TableSchema getSchema(TableDestination destination) {
    TableSchema parsed = schema;
    if (parsed == null) {
      parsed = BigQueryHelpers.fromJsonString(schemaJson, TableSchema.class);
      schema = parsed;
    }
    return parsed;
  }

  @Override
  public @Nullable TableConstraints getTableConstraints(TableDestination destination) {
    return primaryKey == null
        ? null
        : new TableConstraints().setPrimaryKey(new TableConstraints.PrimaryKey().setColumns(primaryKey));
  }

  /** Carries the partitioning and clustering, which the default coder would drop. */
  @Override
  public Coder<TableDestination> getDestinationCoder() {
    return TableDestinationCoderV3.of();
  }

  /**
   * A destination whose table spec is parsed once. BigQueryIO's Storage Write path asks every row's
   * destination for its {@link TableReference} (for lineage), and {@link TableDestination} parses
   * its spec with a regular expression each time: 5% of a payment's CPU (docs/benchmarks.md, tenth
   * pass). Each call still gets a reference of its own, because callers fill in a missing project.
   * A copy decoded elsewhere is a plain {@link TableDestination} again and equal to this one.
   */
  static final class ParsedDestination extends TableDestination {
    private static final long serialVersionUID = 1L;

    private final @Nullable String projectId;
    private final String datasetId;
    private final String tableId;
    private final int hashCode;

    ParsedDestination(String tableSpec, @Nullable TimePartitioning partitioning, @Nullable Clustering clustering) {
      super(tableSpec, null, partitioning, clustering);
      TableReference parsed = BigQueryHelpers.parseTableSpec(tableSpec);
      this.projectId = parsed.getProjectId();
      this.datasetId = parsed.getDatasetId();
      this.tableId = parsed.getTableId();
      this.hashCode = super.hashCode();
    }

    @Override
    public TableReference getTableReference() {
      return new TableReference().setProjectId(projectId).setDatasetId(datasetId).setTableId(tableId);
    }

    /**
     * Asked for every row too, as the key of BigQueryIO's per-destination caches. Equality stays
     * {@link TableDestination}'s: the parsed parts follow from the spec it compares.
     */
    @Override
    public int hashCode() {
      return hashCode;
    }
  }
}
