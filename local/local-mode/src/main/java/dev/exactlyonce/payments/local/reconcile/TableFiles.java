package dev.exactlyonce.payments.local.reconcile;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.exactlyonce.payments.local.standin.LocalBigQuery;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The five tables as the stand-in (or a BigQuery JSON export) left them: one file per table. */
public final class TableFiles {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> ROW = new TypeReference<>() {};

  final List<Map<String, Object>> transactions;
  final List<Map<String, Object>> fraud;
  final List<Map<String, Object>> metrics;
  final List<Map<String, Object>> audit;
  final List<Map<String, Object>> deadLetters;

  private TableFiles(Path dir, BigQueryTables names) throws IOException {
    transactions = read(dir, names.transactions());
    fraud = read(dir, names.fraud());
    metrics = read(dir, names.metrics());
    audit = read(dir, names.audit());
    deadLetters = read(dir, names.deadLetter());
  }

  /**
   * Reads {@code <dir>/<table>.ndjson} for the five default table names.
   *
   * @throws IOException naming the file that is missing or not NDJSON
   */
  public static TableFiles read(Path dir) throws IOException {
    return read(dir, BigQueryTables.in(LocalBigQuery.PROJECT, "payments"));
  }

  /** Like {@link #read(Path)}, for tables named as in {@code names}. */
  public static TableFiles read(Path dir, BigQueryTables names) throws IOException {
    return new TableFiles(dir, names);
  }

  /** Sum of {@code amount} in payment_transactions, by currency. */
  public Map<String, BigDecimal> transactionTotalsByCurrency() {
    Map<String, BigDecimal> totals = new TreeMap<>();
    transactions.forEach(
        row -> totals.merge(String.valueOf(row.get("currency")), new BigDecimal(String.valueOf(row.get("amount"))), BigDecimal::add));
    return totals;
  }

  /** Transactions with a row in payment_transactions. */
  public Set<String> transactionIds() {
    Set<String> ids = new TreeSet<>();
    transactions.forEach(row -> ids.add(String.valueOf(row.get("transaction_id"))));
    return ids;
  }

  /** Transactions with more than one row in payment_transactions. */
  public Set<String> transactionIdsWrittenMoreThanOnce() {
    Map<String, Long> counts = new HashMap<>();
    transactions.forEach(row -> counts.merge(String.valueOf(row.get("transaction_id")), 1L, Long::sum));
    Set<String> twice = new TreeSet<>();
    counts.forEach((id, count) -> {
      if (count > 1) {
        twice.add(id);
      }
    });
    return twice;
  }

  /** The rows of {@code <dir>/<table>.ndjson}; also the CDC reconciliation's reader. */
  public static List<Map<String, Object>> read(Path dir, String table) throws IOException {
    Path file = dir.resolve(table + ".ndjson");
    if (!Files.isRegularFile(file)) {
      throw new IOException("table file missing: " + file);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    int lineNumber = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lineNumber++;
      if (!line.isBlank()) {
        try {
          rows.add(JSON.readValue(line, ROW));
        } catch (IOException e) {
          throw new IOException(file + " line " + lineNumber + " is not a JSON object", e);
        }
      }
    }
    return rows;
  }
}
