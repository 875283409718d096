package dev.exactlyonce.payments.transforms.cdc;

import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableSchema;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The table a CDC pipeline keeps in step with its source: its name, its columns (the source
 * schema, in BigQuery types) and its primary key. Immutable.
 *
 * <p>Besides the source columns every row has: {@value #EXTRA} (JSON), the fields of {@code after}
 * that are not configured columns, so schema drift in the source is kept and never fatal; {@value
 * #OP}, {@value #TS_MS}, {@value #LSN} and {@value #SEQUENCE}, the change that wrote the row.
 */
public final class ChangeTable implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String EXTRA = "_extra";
  public static final String OP = "_op";
  public static final String TS_MS = "_ts_ms";
  public static final String LSN = "_lsn";
  public static final String SEQUENCE = "_change_sequence";

  /** The seed's example: an articles table keyed by {@code article_id}. */
  public static final String DEFAULT_COLUMNS =
      "article_id:INT64,title:STRING,author:STRING,body:STRING,price:NUMERIC,published:BOOL,updated_at:TIMESTAMP";

  private static final Set<String> TYPES =
      Set.of("STRING", "INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "BOOL", "TIMESTAMP", "DATE", "JSON", "BYTES");

  private final String name;
  private final LinkedHashMap<String, String> columns;
  private final List<String> primaryKey;

  private ChangeTable(String name, LinkedHashMap<String, String> columns, List<String> primaryKey) {
    if (primaryKey.isEmpty()) {
      throw new IllegalArgumentException("a change table needs at least one primary key column");
    }
    for (String key : primaryKey) {
      if (!columns.containsKey(key)) {
        throw new IllegalArgumentException("primary key column " + key + " is not among the columns " + columns.keySet());
      }
    }
    for (String column : columns.keySet()) {
      if (column.startsWith("_")) {
        throw new IllegalArgumentException("column names starting with _ are the pipeline's own: " + column);
      }
    }
    this.name = name;
    this.columns = columns;
    this.primaryKey = List.copyOf(primaryKey);
  }

  /**
   * A table named {@code name} with {@code columns} given as {@code name:TYPE,...} (BigQuery
   * types) and the primary key columns given as {@code a,b}.
   */
  public static ChangeTable of(String name, String columns, String primaryKey) {
    return new ChangeTable(name, parseColumns(columns), splitNames(primaryKey));
  }

  public String name() {
    return name;
  }

  public List<String> primaryKey() {
    return primaryKey;
  }

  /** Source columns and their BigQuery types, in order. */
  public Map<String, String> columns() {
    return java.util.Collections.unmodifiableMap(columns);
  }

  /** Key columns are REQUIRED; every other column is NULLABLE, since a delete carries the key only. */
  public TableSchema schema() {
    List<TableFieldSchema> fields = new ArrayList<>();
    columns.forEach((column, type) -> fields.add(field(column, type, primaryKey.contains(column))));
    fields.add(field(EXTRA, "JSON", false));
    fields.add(field(OP, "STRING", true));
    fields.add(field(TS_MS, "INT64", true));
    fields.add(field(LSN, "INT64", false));
    fields.add(field(SEQUENCE, "STRING", true));
    return new TableSchema().setFields(fields);
  }

  private static TableFieldSchema field(String name, String type, boolean required) {
    return new TableFieldSchema().setName(name).setType(type).setMode(required ? "REQUIRED" : "NULLABLE");
  }

  private static LinkedHashMap<String, String> parseColumns(String spec) {
    LinkedHashMap<String, String> columns = new LinkedHashMap<>();
    for (String column : splitNames(spec)) {
      int colon = column.indexOf(':');
      if (colon <= 0 || colon == column.length() - 1) {
        throw new IllegalArgumentException("a column is name:TYPE, was '" + column + "'");
      }
      String type = column.substring(colon + 1).strip().toUpperCase(Locale.ROOT);
      if (!TYPES.contains(type)) {
        throw new IllegalArgumentException("column type must be one of " + TYPES + ", was '" + type + "'");
      }
      if (columns.put(column.substring(0, colon).strip(), type) != null) {
        throw new IllegalArgumentException("column " + column.substring(0, colon) + " is given twice");
      }
    }
    return columns;
  }

  private static List<String> splitNames(String spec) {
    if (spec == null || spec.isBlank()) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (String part : spec.split(",")) {
      if (!part.isBlank()) {
        names.add(part.strip());
      }
    }
    return names;
  }
}
