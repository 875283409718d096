package dev.exactlyonce.payments.transforms.cdc;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.services.bigquery.model.TableRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The {@link TableRow} a change writes into its {@link ChangeTable}: the configured columns from
 * the change's row, the fields that are not columns as one JSON object in {@value
 * ChangeTable#EXTRA}, and the change's op, time, log position and sequence. Values keep the forms
 * BigQueryIO converts exactly: NUMERIC as plain decimal strings (never a double), INT64 as longs,
 * TIMESTAMP as RFC 3339 (a number there is Debezium's epoch milliseconds), JSON as JSON text.
 */
public final class ChangeRows {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          // 12.50 stays 12.50: a row is kept as the source wrote it.
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  private ChangeRows() {}

  public static TableRow row(ChangeEvent change, ChangeTable table) {
    ObjectNode source = parse(change.getRowJson());
    TableRow row = new TableRow();
    for (Map.Entry<String, String> column : table.columns().entrySet()) {
      JsonNode value = source.get(column.getKey());
      if (value != null && !value.isNull()) {
        row.set(column.getKey(), value(value, column.getValue()));
      }
    }
    ObjectNode extra = JSON.createObjectNode();
    Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!table.columns().containsKey(field.getKey())) {
        extra.set(field.getKey(), field.getValue());
      }
    }
    if (!extra.isEmpty()) {
      row.set(ChangeTable.EXTRA, extra.toString());
    }
    row.set(ChangeTable.OP, change.getOp().code())
        .set(ChangeTable.TS_MS, change.getTsMs())
        .set(ChangeTable.SEQUENCE, change.getSequence());
    if (change.getLsn() != null) {
      row.set(ChangeTable.LSN, change.getLsn());
    }
    return row;
  }

  private static Object value(JsonNode value, String type) {
    switch (type) {
      case "INT64":
        // Beyond a long (an unsigned BIGINT), the text goes as sent and BigQuery refuses the row
        // (WRITE_FAILED, kept as JSON) rather than taking asLong()'s wrapped value.
        return value.canConvertToExactIntegral() && value.canConvertToLong() ? (Object) value.asLong() : value.asText();
      case "NUMERIC":
      case "BIGNUMERIC":
        return value.isNumber() ? value.decimalValue().toPlainString() : value.asText();
      case "FLOAT64":
        return value.isNumber() ? (Object) value.doubleValue() : value.asText();
      case "BOOL":
        return value.isBoolean() ? (Object) value.booleanValue() : value.asText();
      case "TIMESTAMP":
        return value.canConvertToExactIntegral() ? new Instant(value.asLong()).toString() : value.asText();
      case "JSON":
        return value.toString();
      default:
        return value.isValueNode() ? value.asText() : value.toString();
    }
  }

  private static ObjectNode parse(@Nullable String json) {
    try {
      JsonNode node = json == null ? null : JSON.readTree(json);
      return node instanceof ObjectNode object ? object : JSON.createObjectNode();
    } catch (IOException e) {
      throw new UncheckedIOException("a change's row is always a JSON object: " + json, e);
    }
  }
}
