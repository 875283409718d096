package dev.exactlyonce.payments.local.standin;

import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row as BigQuery's JSON export writes it: columns in schema order, nulls left out, INT64 and
 * NUMERIC as plain decimal strings, TIMESTAMP as {@code yyyy-MM-dd HH:mm:ss.SSSSSS UTC}, BYTES as base64,
 * REPEATED as arrays.
 */
final class ExportShape {
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS 'UTC'").withZone(ZoneOffset.UTC);

  private ExportShape() {}

  static Map<String, Object> of(TableRow row, TableSchema schema) {
    Map<String, Object> shaped = new LinkedHashMap<>();
    for (Map.Entry<String, TableFieldSchema> field : LocalBigQuery.fieldsOf(schema).entrySet()) {
      Object value = row.get(field.getKey());
      if (value == null) {
        continue;
      }
      shaped.put(field.getKey(), shape(value, field.getValue().getType()));
    }
    return shaped;
  }

  private static Object shape(Object value, String type) {
    if (value instanceof List<?> list) {
      return list.stream().map(element -> shape(element, type)).toList();
    }
    switch (type) {
      case "TIMESTAMP":
        return TIMESTAMP.format(parseTimestamp(value.toString()));
      case "NUMERIC":
      case "BIGNUMERIC":
        // The engine hands NUMERIC back normalized, 1230.00 as "1.23E+3"; exports never use exponents.
        return new BigDecimal(value.toString()).toPlainString();
      default:
        return value.toString();
    }
  }

  /**
   * Accepts the shapes a timestamp takes on the way through: RFC 3339, the export shape, and the
   * engine's own rendering ({@code 2026-03-01 T10:00:00.123}).
   */
  static Instant parseTimestamp(String text) {
    String iso = text.strip().replace(" UTC", "").replace(" T", "T").replace(' ', 'T');
    if (!iso.endsWith("Z") && !iso.matches(".*[+-]\\d\\d:\\d\\d$")) {
      iso = iso + "Z";
    }
    try {
      return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(iso, Instant::from);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a timestamp: " + text, e);
    }
  }
}
