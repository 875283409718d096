package dev.exactlyonce.payments.local.reconcile;

import dev.exactlyonce.payments.local.simulator.Ledger;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks the tables against the ledger of what was sent, payment by payment, and the product's
 * invariants: no payment row twice; records sent = payment rows + duplicates dropped + dead
 * letters; per-currency totals exact, in the transactions table and in the metrics' final panes.
 */
public final class Reconciliation {
  private static final int MAX_LISTED = 25;

  private final Ledger ledger;
  private final TableFiles tables;
  private final Accounting accounting;

  /** How strictly copies must be accounted for. */
  public enum Accounting {
    /**
     * Every copy sent is a row, a counted duplicate or a dead letter, exactly: one uninterrupted
     * run, or any run that kept its state.
     */
    EXACT,
    /**
     * Upserts absorbed replays (a restart without state, a lost checkpoint): a copy may have left
     * no trace but the single row it collapsed into. Rows, duplicates and dead letters may then
     * add up to less than was sent, never more, and never to zero for a payment.
     */
    REPLAYS_COLLAPSE
  }
  private final List<String> differences = new ArrayList<>();
  private final List<String> missing = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();

  private Reconciliation(Ledger ledger, TableFiles tables, Accounting accounting) {
    this.ledger = ledger;
    this.tables = tables;
    this.accounting = accounting;
  }

  /**
   * The verdict and the report to print.
   *
   * @param missing transactions sent on time that are in no table: the loss users fear most
   */
  public record Report(boolean passed, List<String> lines, List<String> differences, List<String> missing) {
    public String text() {
      List<String> all = new ArrayList<>(lines);
      if (differences.isEmpty()) {
        all.add("differences: none");
      } else {
        all.add("differences: " + differences.size());
        differences.stream().limit(MAX_LISTED).forEach(d -> all.add("  - " + d));
        if (differences.size() > MAX_LISTED) {
          all.add("  ... and " + (differences.size() - MAX_LISTED) + " more");
        }
      }
      all.add("RECONCILIATION: " + (passed ? "PASS" : "FAIL"));
      return String.join(System.lineSeparator(), all);
    }
  }

  public static Report check(Ledger ledger, TableFiles tables) {
    return check(ledger, tables, Accounting.EXACT);
  }

  public static Report check(Ledger ledger, TableFiles tables, Accounting accounting) {
    return new Reconciliation(ledger, tables, accounting).run();
  }

  private Report run() {
    Map<String, List<Map<String, Object>>> rowsById = byId(tables.transactions);
    Map<String, List<Map<String, Object>>> fraudById = byId(tables.fraud);
    Map<String, List<Map<String, Object>>> auditById = byId(tables.audit);
    noneTwice("payment_transactions", rowsById);
    noneTwice("payment_transactions_fraud", fraudById);
    noneTwice("deduplication_audit", auditById);

    Map<String, Long> lateById = new HashMap<>();
    Map<String, Long> deadLettersByKind = new TreeMap<>();
    for (Map<String, Object> row : tables.deadLetters) {
      String kind = text(row, "error_kind");
      deadLettersByKind.merge(kind, 1L, Long::sum);
      if ("LATE".equals(kind)) {
        lateById.merge(text(row, "transaction_id"), 1L, Long::sum);
      }
    }

    Map<String, Ledger.Entry> sent = ledger.payments().stream()
        .collect(Collectors.toMap(Ledger.Entry::transactionId, Function.identity()));
    Map<String, BigDecimal> expectedTotals = new TreeMap<>();
    Map<String, long[]> byScenario = new TreeMap<>();
    long lateWritten = 0;
    long lateDeadLettered = 0;
    for (Ledger.Entry entry : ledger.payments()) {
      String id = entry.transactionId();
      int written = rowsById.getOrDefault(id, List.of()).size();
      long duplicates = auditById.getOrDefault(id, List.of()).stream().mapToLong(r -> number(r, "duplicate_copies")).sum();
      long late = lateById.getOrDefault(id, 0L);
      if (written > 0 && late > 0) {
        // Every reading of a record reaches the same verdict, so no replay can excuse this pair.
        differences.add(id + ": has a payment row and " + late + " LATE dead letter(s)");
      }
      if (!accounted(written + duplicates + late, entry.copies())) {
        differences.add(id + ": sent " + entry.copies() + " copies, accounted " + written + " row(s) + "
            + duplicates + " duplicate(s) + " + late + " late dead letter(s)");
      }
      if (written + late == 0 && entry.late()) {
        missing.add(id);
        differences.add(id + ": sent late but in no table, not even dead_letter");
      }
      if (written == 0 && !entry.late()) {
        missing.add(id);
        differences.add(id + ": sent on time but not in payment_transactions");
      }
      if (written > 0) {
        checkRow(entry, rowsById.get(id).get(0));
        expectedTotals.merge(entry.currency(), entry.amount(), BigDecimal::add);
        if (!fraudById.containsKey(id)) {
          differences.add(id + ": in payment_transactions but not in payment_transactions_fraud");
        }
      }
      if (entry.late()) {
        if (written > 0) {
          lateWritten++;
        } else {
          lateDeadLettered++;
        }
      }
      if (accounted(written + duplicates + late, entry.copies())) {
        for (String scenario : entry.duplicateScenarios()) {
          byScenario.computeIfAbsent(scenario, s -> new long[2])[0]++;
        }
        long caught = duplicates;
        for (String scenario : entry.duplicateScenarios()) {
          if (caught-- > 0) {
            byScenario.get(scenario)[1]++;
          }
        }
      }
    }
    unexpected("payment_transactions", rowsById.keySet(), sent.keySet());
    unexpected("payment_transactions_fraud", fraudById.keySet(), sent.keySet());
    for (String id : fraudById.keySet()) {
      if (!rowsById.containsKey(id)) {
        differences.add(id + ": in payment_transactions_fraud but not in payment_transactions");
      }
    }
    unexpected("deduplication_audit", auditById.keySet(), sent.keySet());
    unexpected("dead_letter (LATE)", lateById.keySet(), sent.keySet());

    long deadLetters = tables.deadLetters.size();
    long duplicatesDropped = tables.audit.stream().mapToLong(r -> number(r, "duplicate_copies")).sum();
    long accounted = tables.transactions.size() + duplicatesDropped + deadLetters;
    lines.add(String.format("records sent                 %,d", ledger.recordsSent()));
    lines.add(String.format("records accounted for        %,d = %,d payment rows + %,d duplicates dropped + %,d dead letters",
        accounted, tables.transactions.size(), duplicatesDropped, deadLetters));
    if (!accounted(accounted, ledger.recordsSent())) {
      differences.add("records sent " + ledger.recordsSent() + " != rows + duplicates + dead letters " + accounted);
    }
    lines.add(String.format("unique payments sent         %,d (written %,d; late ones: %,d dead-lettered, %,d written before the watermark moved)",
        ledger.payments().size(), tables.transactions.size(), lateDeadLettered, lateWritten));
    lines.add(String.format("duplicates caught            %,d of %,d copies sent", duplicatesDropped, ledger.duplicateCopies()));
    byScenario.forEach((scenario, counts) -> lines.add(String.format("  %-26s %,d of %,d", scenario, counts[1], counts[0])));
    checkDeadLetters(deadLettersByKind, lateDeadLettered);
    checkTotals(expectedTotals);
    return new Report(differences.isEmpty(), lines, differences, missing);
  }

  private boolean accounted(long found, long sent) {
    return accounting == Accounting.EXACT ? found == sent : found <= sent;
  }

  private void checkRow(Ledger.Entry entry, Map<String, Object> row) {
    BigDecimal amount = new BigDecimal(text(row, "amount"));
    if (amount.compareTo(entry.amount()) != 0 || !entry.currency().equals(text(row, "currency"))) {
      differences.add(entry.transactionId() + ": sent " + entry.amount() + " " + entry.currency()
          + ", written " + text(row, "amount") + " " + text(row, "currency"));
    }
  }

  private void checkDeadLetters(Map<String, Long> byKind, long lateDeadLettered) {
    Map<String, Long> expected = new TreeMap<>(ledger.malformed());
    lines.add("dead letters by kind (found / expected):");
    Set<String> kinds = new java.util.TreeSet<>(byKind.keySet());
    kinds.addAll(expected.keySet());
    for (String kind : kinds) {
      long found = byKind.getOrDefault(kind, 0L);
      if ("LATE".equals(kind)) {
        lines.add(String.format("  %-26s %,d (late payments and their copies; %,d payments)", kind, found, lateDeadLettered));
        continue;
      }
      long wanted = expected.getOrDefault(kind, 0L);
      lines.add(String.format("  %-26s %,d / %,d", kind, found, wanted));
      if (found != wanted) {
        differences.add("dead letters of kind " + kind + ": found " + found + ", expected " + wanted);
      }
    }
  }

  private void checkTotals(Map<String, BigDecimal> expected) {
    Map<String, BigDecimal> written = sum(tables.transactions, "amount");
    List<Map<String, Object>> finalPanes = finalPanes();
    Map<String, BigDecimal> metrics = sum(finalPanes, "total_amount");
    Map<String, BigDecimal> counted = sum(finalPanes, "payment_count");
    Map<String, BigDecimal> rows = new TreeMap<>();
    tables.transactions.forEach(row -> rows.merge(text(row, "currency"), BigDecimal.ONE, BigDecimal::add));
    rows.forEach((currency, count) -> {
      if (count.compareTo(counted.getOrDefault(currency, BigDecimal.ZERO)) != 0) {
        differences.add(currency + ": " + count + " payment rows, but payment_metrics' final panes count "
            + counted.getOrDefault(currency, BigDecimal.ZERO));
      }
    });
    lines.add("totals per currency (sent and written / payment_transactions / payment_metrics final panes):");
    Set<String> currencies = new java.util.TreeSet<>(expected.keySet());
    currencies.addAll(written.keySet());
    currencies.addAll(metrics.keySet());
    for (String currency : currencies) {
      BigDecimal want = expected.getOrDefault(currency, BigDecimal.ZERO);
      BigDecimal got = written.getOrDefault(currency, BigDecimal.ZERO);
      BigDecimal windowed = metrics.getOrDefault(currency, BigDecimal.ZERO);
      boolean exact = want.compareTo(got) == 0 && want.compareTo(windowed) == 0;
      lines.add(String.format("  %s %,.2f / %,.2f / %,.2f %s", currency, want, got, windowed, exact ? "exact" : "MISMATCH"));
      if (!exact) {
        differences.add(currency + " totals differ: expected " + want.toPlainString() + ", payment_transactions "
            + got.toPlainString() + ", payment_metrics " + windowed.toPlainString());
      }
    }
  }

  /**
   * The pane of each window and currency with the most payments (of equals, the later): panes
   * accumulate. Not the
   * highest pane index: a replay after a restore can fire the complete pane under a lower index
   * than an incomplete one the first reading wrote.
   */
  private List<Map<String, Object>> finalPanes() {
    Map<String, Map<String, Object>> latest = new HashMap<>();
    Set<String> seen = new java.util.HashSet<>();
    for (Map<String, Object> row : tables.metrics) {
      String window = text(row, "window_start") + " " + text(row, "currency");
      if (!seen.add(window + " #" + text(row, "pane_index"))) {
        differences.add("payment_metrics has pane " + text(row, "pane_index") + " of " + window + " twice");
      }
      Map<String, Object> current = latest.get(window);
      long count = number(row, "payment_count");
      long currentCount = current == null ? -1 : number(current, "payment_count");
      if (count > currentCount || (count == currentCount && number(row, "pane_index") > number(current, "pane_index"))) {
        latest.put(window, row);
      }
    }
    return new ArrayList<>(latest.values());
  }

  private void noneTwice(String table, Map<String, List<Map<String, Object>>> rowsById) {
    long twice = rowsById.values().stream().filter(rows -> rows.size() > 1).count();
    lines.add(String.format("%-28s %s", table + ":", twice == 0 ? "no transaction twice" : twice + " transactions more than once"));
    rowsById.forEach((id, rows) -> {
      if (rows.size() > 1) {
        differences.add(table + " has " + id + " " + rows.size() + " times");
      }
    });
  }

  private void unexpected(String table, Set<String> found, Set<String> sent) {
    for (String id : found) {
      if (!sent.contains(id)) {
        differences.add(table + " has " + id + ", which the ledger never sent");
      }
    }
  }

  private static Map<String, List<Map<String, Object>>> byId(List<Map<String, Object>> rows) {
    return rows.stream().collect(Collectors.groupingBy(row -> text(row, "transaction_id")));
  }

  private static Map<String, BigDecimal> sum(List<Map<String, Object>> rows, String column) {
    Map<String, BigDecimal> totals = new TreeMap<>();
    rows.forEach(row -> totals.merge(text(row, "currency"), new BigDecimal(text(row, column)), BigDecimal::add));
    return totals;
  }

  private static String text(Map<String, Object> row, String column) {
    Object value = row.get(column);
    return value == null ? "" : value.toString();
  }

  private static long number(Map<String, Object> row, String column) {
    return Long.parseLong(text(row, column));
  }
}
