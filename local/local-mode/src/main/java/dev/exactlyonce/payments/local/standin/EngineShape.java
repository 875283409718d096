package dev.exactlyonce.payments.local.standin;

import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import java.lang.reflect.Field;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryUtils;

/**
 * Rows read back from the table files, put in the shape the engine gives rows the pipeline wrote:
 * timestamps as BigQueryIO renders them. Keys compare by value, so a reloaded row and a later upsert
 * of the same window must render their TIMESTAMP key the same way to meet.
 */
final class EngineShape {
  private static final DateTimeFormatter ENGINE_TIMESTAMP = engineTimestampFormat();

  private EngineShape() {}

  static List<TableRow> of(List<TableRow> rows, TableSchema schema) {
    Map<String, TableFieldSchema> fields = LocalBigQuery.fieldsOf(schema);
    List<TableRow> shaped = new ArrayList<>(rows.size());
    for (TableRow row : rows) {
      TableRow copy = row.clone();
      fields.forEach(
          (name, field) -> {
            Object value = copy.get(name);
            if (value != null && "TIMESTAMP".equals(field.getType())) {
              copy.set(name, LocalDateTime.ofInstant(ExportShape.parseTimestamp(value.toString()), ZoneOffset.UTC).format(ENGINE_TIMESTAMP));
            }
          });
      shaped.add(copy);
    }
    return shaped;
  }

  /** BigQueryIO keeps its timestamp format to its package; the stand-in must match it exactly. */
  private static DateTimeFormatter engineTimestampFormat() {
    try {
      Field format = BigQueryUtils.class.getDeclaredField("TIMESTAMP_FORMATTER");
      format.setAccessible(true);
      return (DateTimeFormatter) format.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read BigQueryIO's timestamp format", e);
    }
  }
}
