package dev.exactlyonce.payments.pipeline.cdc;

import dev.exactlyonce.payments.pipeline.BigQueryOutputOptions;
import dev.exactlyonce.payments.pipeline.KafkaReadOptions;
import dev.exactlyonce.payments.transforms.cdc.ChangeTable;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * Every option of the CDC pipeline: the Kafka read and the output dataset are the payments
 * pipeline's ({@code --topic} names the change topic; it and {@code --consumerGroup} default to
 * {@code articles.cdc} and {@code articles-cdc-pipeline} here, see {@code CdcPipeline}), plus the
 * change table's shape.
 */
public interface CdcOptions extends KafkaReadOptions, BigQueryOutputOptions, StreamingOptions {
  @Description("Table kept in step with the source table, in --dataset; created if needed.")
  @Default.String("articles")
  String getChangeTable();

  void setChangeTable(String value);

  @Description("Primary key column(s) of the source table, comma-separated, in key order.")
  @Default.String("article_id")
  String getPrimaryKey();

  void setPrimaryKey(String value);

  @Description(
      "Columns of the source table as name:TYPE (BigQuery types: STRING, INT64, NUMERIC, BIGNUMERIC, "
          + "FLOAT64, BOOL, TIMESTAMP, DATE, JSON, BYTES), comma-separated. Fields of a change that "
          + "are not columns are kept in the _extra JSON column.")
  @Default.String(ChangeTable.DEFAULT_COLUMNS)
  String getColumns();

  void setColumns(String value);

  @Description(
      "Seconds of change time within which several changes to one row collapse to the newest "
          + "before they are written.")
  @Default.Long(10)
  Long getCollapseWindowSeconds();

  void setCollapseWindowSeconds(Long value);
}
