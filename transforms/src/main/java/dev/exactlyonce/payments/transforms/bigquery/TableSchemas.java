package dev.exactlyonce.payments.transforms.bigquery;

import com.google.api.services.bigquery.model.Clustering;
import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableSchema;
import com.google.api.services.bigquery.model.TimePartitioning;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The explicit schemas of the five tables, and their primary keys (used by {@link
 * WriteMode#UPSERT}). Money is NUMERIC, times are TIMESTAMP.
 */
public final class TableSchemas {
  private TableSchemas() {}

  public static final List<String> TRANSACTIONS_KEY = List.of("transaction_id");
  public static final List<String> FRAUD_KEY = List.of("transaction_id");
  public static final List<String> METRICS_KEY = List.of("window_start", "currency");
  public static final List<String> AUDIT_KEY = List.of("transaction_id");
  /** Kafka topic, partition and offset of the record, or what was refused (see TableRows). */
  public static final List<String> DEAD_LETTER_KEY = List.of("dead_letter_id");

  /** Day partitions of {@code payment_transactions}, by event time. */
  public static final String PARTITION_FIELD = "event_time";

  public static final List<String> CLUSTERING_FIELDS = List.of("sender_account", "currency");

  public static TimePartitioning transactionsPartitioning() {
    return new TimePartitioning().setType("DAY").setField(PARTITION_FIELD);
  }

  public static Clustering transactionsClustering() {
    return new Clustering().setFields(CLUSTERING_FIELDS);
  }

  /** One table's layout: its schema and its primary key. */
  public record Layout(TableSchema schema, List<String> primaryKey) {}

  /** Every table's layout, by its name in {@code tables}, in a stable order. */
  public static Map<String, Layout> layouts(BigQueryTables tables) {
    Map<String, Layout> layouts = new LinkedHashMap<>();
    layouts.put(tables.transactions(), new Layout(transactions(), TRANSACTIONS_KEY));
    layouts.put(tables.fraud(), new Layout(fraud(), FRAUD_KEY));
    layouts.put(tables.metrics(), new Layout(metrics(), METRICS_KEY));
    layouts.put(tables.audit(), new Layout(audit(), AUDIT_KEY));
    layouts.put(tables.deadLetter(), new Layout(deadLetter(), DEAD_LETTER_KEY));
    return layouts;
  }

  private static final List<TableFieldSchema> PAYMENT_COLUMNS =
      List.of(
          required("transaction_id", "STRING"),
          required("sender_account", "STRING"),
          required("receiver_account", "STRING"),
          required("amount", "NUMERIC"),
          required("currency", "STRING"),
          required("event_time", "TIMESTAMP"),
          nullable("payment_method", "STRING"),
          nullable("merchant_category", "STRING"),
          nullable("country", "STRING"),
          nullable("attributes", "JSON"),
          required("kafka_topic", "STRING"),
          required("kafka_partition", "INT64"),
          required("kafka_offset", "INT64"),
          required("received_at", "TIMESTAMP"));

  public static TableSchema transactions() {
    return schema(PAYMENT_COLUMNS);
  }

  public static TableSchema fraud() {
    List<TableFieldSchema> columns = new ArrayList<>(PAYMENT_COLUMNS);
    columns.add(required("risk_score", "INT64"));
    columns.add(required("risk_level", "STRING"));
    columns.add(new TableFieldSchema().setName("risk_reasons").setType("STRING").setMode("REPEATED"));
    return schema(columns);
  }

  public static TableSchema metrics() {
    return schema(
        List.of(
            required("window_start", "TIMESTAMP"),
            required("window_end", "TIMESTAMP"),
            required("currency", "STRING"),
            required("payment_count", "INT64"),
            required("total_amount", "NUMERIC"),
            required("average_amount", "NUMERIC"),
            required("max_amount", "NUMERIC"),
            required("high_risk_count", "INT64"),
            required("pane_index", "INT64"),
            required("pane_timing", "STRING")));
  }

  public static TableSchema audit() {
    return schema(
        List.of(
            required("transaction_id", "STRING"),
            required("event_time", "TIMESTAMP"),
            required("first_seen_at", "TIMESTAMP"),
            required("last_seen_at", "TIMESTAMP"),
            required("duplicate_copies", "INT64")));
  }

  public static TableSchema deadLetter() {
    return schema(
        List.of(
            required("dead_letter_id", "STRING"),
            required("error_kind", "STRING"),
            required("message", "STRING"),
            nullable("kafka_topic", "STRING"),
            nullable("kafka_partition", "INT64"),
            nullable("kafka_offset", "INT64"),
            nullable("raw_key", "BYTES"),
            nullable("raw_value", "BYTES"),
            nullable("transaction_id", "STRING"),
            nullable("event_time", "TIMESTAMP"),
            nullable("received_at", "TIMESTAMP")));
  }

  private static TableSchema schema(List<TableFieldSchema> columns) {
    return new TableSchema().setFields(new ArrayList<>(columns));
  }

  private static TableFieldSchema required(String name, String type) {
    return new TableFieldSchema().setName(name).setType(type).setMode("REQUIRED");
  }

  private static TableFieldSchema nullable(String name, String type) {
    return new TableFieldSchema().setName(name).setType(type).setMode("NULLABLE");
  }
}
