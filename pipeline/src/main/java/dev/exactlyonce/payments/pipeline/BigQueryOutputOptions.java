package dev.exactlyonce.payments.pipeline;

import org.apache.beam.sdk.io.gcp.bigquery.BigQueryOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Where and how the five tables are written. */
public interface BigQueryOutputOptions extends BigQueryOptions {
  @Description("Project of the output dataset; defaults to --project.")
  String getOutputProject();

  void setOutputProject(String value);

  @Description("BigQuery dataset for the five tables.")
  @Default.String("payments")
  String getDataset();

  void setDataset(String value);

  @Description("Table of unique payments.")
  @Default.String("payment_transactions")
  String getTransactionsTable();

  void setTransactionsTable(String value);

  @Description("Table of unique payments with risk score, level and reasons.")
  @Default.String("payment_transactions_fraud")
  String getFraudTable();

  void setFraudTable(String value);

  @Description("Table of per-window, per-currency metrics.")
  @Default.String("payment_metrics")
  String getMetricsTable();

  void setMetricsTable(String value);

  @Description("Table with one row per duplicated transaction.")
  @Default.String("deduplication_audit")
  String getAuditTable();

  void setAuditTable(String value);

  @Description("Table of records that did not become payments, with the reason.")
  @Default.String("dead_letter")
  String getDeadLetterTable();

  void setDeadLetterTable(String value);

  @Description(
      "Seconds between Storage Write API flushes: how soon rows become visible, and how many "
          + "flushes BigQuery sees.")
  @Default.Long(5)
  Long getWriteTriggeringFrequencySeconds();

  void setWriteTriggeringFrequencySeconds(Long value);

  @Description(
      "EXACTLY_ONCE (Storage Write API exactly-once appends) or UPSERT (CDC upserts on each "
          + "table's primary key: replays collapse on any runner). Default: UPSERT on Flink, "
          + "EXACTLY_ONCE on Dataflow and the DirectRunner.")
  String getWriteMode();

  void setWriteMode(String value);

  @Description("Storage Write API streams per table; 0 lets the runner decide (auto-sharding).")
  @Default.Integer(0)
  Integer getWriteStreams();

  void setWriteStreams(Integer value);
}
