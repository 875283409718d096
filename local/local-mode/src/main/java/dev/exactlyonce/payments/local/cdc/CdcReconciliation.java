package dev.exactlyonce.payments.local.cdc;

import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks a change table against the source table's true final state, row by row and column by
 * column (NUMERIC and INT64 by value), and the dead letters against the malformed records sent.
 */
public final class CdcReconciliation {
  private static final String KEY = "article_id";

  private CdcReconciliation() {}

  /**
   * The verdict and the report to print; {@code missing} lists the keys the source has and the table
   * lacks.
   *
   * @throws IOException naming a table file that is missing or not NDJSON
   */
  public static Reconciliation.Report check(CdcLedger ledger, Path tablesDir, String deadLetterTable) throws IOException {
    List<String> differences = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    Map<String, Map<String, Object>> actual = new TreeMap<>();
    for (Map<String, Object> row : TableFiles.read(tablesDir, ledger.table())) {
      if (actual.put(String.valueOf(row.get(KEY)), row) != null) {
        differences.add(KEY + " " + row.get(KEY) + ": more than one row");
      }
    }
    Map<String, Map<String, Object>> expected = new TreeMap<>();
    ledger.finalRows().forEach(row -> expected.put(String.valueOf(row.get(KEY)), row));
    for (Map.Entry<String, Map<String, Object>> row : expected.entrySet()) {
      Map<String, Object> written = actual.get(row.getKey());
      if (written == null) {
        missing.add(row.getKey());
        differences.add(KEY + " " + row.getKey() + ": the source has it, the table does not");
        continue;
      }
      Set<String> columns = new TreeSet<>(row.getValue().keySet());
      columns.addAll(written.keySet());
      for (String column : columns) {
        if (!sameValue(row.getValue().get(column), written.get(column))) {
          differences.add(KEY + " " + row.getKey() + ": " + column + " is " + written.get(column)
              + ", the source has " + row.getValue().get(column));
        }
      }
    }
    for (String key : actual.keySet()) {
      if (!expected.containsKey(key)) {
        differences.add(KEY + " " + key + ": in the table, but deleted or never in the source");
      }
    }
    Map<String, Long> deadLetters = new TreeMap<>();
    TableFiles.read(tablesDir, deadLetterTable)
        .forEach(row -> deadLetters.merge(String.valueOf(row.get("error_kind")), 1L, Long::sum));
    if (!deadLetters.equals(new TreeMap<>(ledger.deadLetters()))) {
      differences.add("dead letters by kind are " + deadLetters + ", the malformed records sent make " + ledger.deadLetters());
    }
    List<String> lines = new ArrayList<>();
    lines.add("records sent: " + ledger.recordsSent() + " (" + ledger.injected() + ")");
    lines.add("rows: " + expected.size() + " in the source, " + actual.size() + " in " + ledger.table());
    lines.add("dead letters: " + deadLetters);
    return new Reconciliation.Report(differences.isEmpty(), lines, differences, missing);
  }

  private static boolean sameValue(Object expected, Object actual) {
    if (expected == null || actual == null) {
      return expected == actual;
    }
    try {
      return new BigDecimal(expected.toString()).compareTo(new BigDecimal(actual.toString())) == 0;
    } catch (NumberFormatException notNumbers) {
      return Objects.equals(expected.toString(), actual.toString());
    }
  }
}
