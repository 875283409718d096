package dev.exactlyonce.payments.transforms.bigquery;

import com.google.api.services.bigquery.model.Table;
import com.google.api.services.bigquery.model.TableReference;
import com.google.api.services.bigquery.model.TableRow;
import java.util.List;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.apache.beam.sdk.io.gcp.testing.FakeJobService;

/**
 * Beam's in-memory BigQuery (write streams, offsets, flush, commit) for tests, with one empty
 * dataset. The fake keeps its tables in static memory, so each test starts a fresh one.
 */
public final class FakeBigQuery {
  public static final String PROJECT = "test-project";
  public static final String DATASET = "payments";

  private final FakeDatasetService datasets = new FakeDatasetService();
  private final FakeBigQueryServices services =
      new FakeBigQueryServices().withDatasetService(datasets).withJobService(new FakeJobService());

  private FakeBigQuery() {}

  public static FakeBigQuery start() {
    FakeDatasetService.setUp();
    BigQueryIoCaches.clear();
    FakeBigQuery fake = new FakeBigQuery();
    try {
      fake.datasets.createDataset(PROJECT, DATASET, "", "", null);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the fake dataset", e);
    }
    return fake;
  }

  public BigQueryTables tables() {
    return BigQueryTables.in(PROJECT, DATASET);
  }

  public BigQueryServices services() {
    return services;
  }

  public FakeDatasetService datasets() {
    return datasets;
  }

  public List<TableRow> rows(String table) {
    try {
      return datasets.getAllRows(PROJECT, DATASET, table);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read fake table " + table, e);
    }
  }

  public Table table(String table) {
    try {
      return datasets.getTable(
          new TableReference().setProjectId(PROJECT).setDatasetId(DATASET).setTableId(table));
    } catch (Exception e) {
      throw new IllegalStateException("cannot read fake table " + table, e);
    }
  }
}
