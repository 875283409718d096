package dev.exactlyonce.payments.local.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reconciliation of hand-built tables against a hand-built ledger: one consistent set that passes,
 * then that set with exactly one thing broken per test.
 *
 * <p>The consistent set: tx-usd-1 (USD 10.00, once), tx-eur-1 (EUR 20.50, sent 3 times: retry and
 * replay, 2 duplicates dropped), tx-usd-2 (USD 5.25, once), tx-late (GBP 7.00, late, dead-lettered
 * as LATE), and 3 malformed records (1 UNPARSEABLE, 2 INVALID_FIELD): 9 records = 3 rows + 2
 * duplicates + 4 dead letters.
 */
class ReconciliationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WINDOW = "2026-03-01 10:00:00.000000 UTC";

  @TempDir Path dir;

  // ---------------------------------------------------------------- the consistent set

  private static Ledger.Entry entry(String id, String currency, String amount, int copies, List<String> scenarios, boolean late) {
    return new Ledger.Entry(id, currency, new BigDecimal(amount), "2026-03-01T10:00:00.000Z", copies, scenarios, false, late);
  }

  private static List<Ledger.Entry> consistentEntries() {
    return List.of(
        entry("tx-usd-1", "USD", "10.00", 1, List.of(), false),
        entry("tx-eur-1", "EUR", "20.50", 3, List.of("retry", "replay"), false),
        entry("tx-usd-2", "USD", "5.25", 1, List.of(), false),
        entry("tx-late", "GBP", "7.00", 1, List.of(), true));
  }

  private static Ledger ledger(long recordsSent, List<Ledger.Entry> entries) {
    return new Ledger(
        "payments",
        42,
        recordsSent,
        entries,
        Map.of("UNPARSEABLE", 1L, "INVALID_FIELD", 2L),
        Map.of("retry", 1L, "replay", 1L, "late", 1L, "malformed", 3L));
  }

  /** The consistent ledger, but claiming {@code recordsSent} records were sent. */
  private static Ledger ledgerSending(long recordsSent) {
    return ledger(recordsSent, consistentEntries());
  }

  private static Ledger consistentLedger() {
    return ledgerSending(9);
  }

  /** Rows per table, written as <table>.ndjson in BigQuery's export shape. */
  private static final class Tables {
    final List<Map<String, Object>> transactions = new ArrayList<>();
    final List<Map<String, Object>> fraud = new ArrayList<>();
    final List<Map<String, Object>> metrics = new ArrayList<>();
    final List<Map<String, Object>> audit = new ArrayList<>();
    final List<Map<String, Object>> deadLetters = new ArrayList<>();

    static Tables consistent() {
      Tables tables = new Tables();
      tables.payment("tx-usd-1", "10.00", "USD");
      tables.payment("tx-eur-1", "20.50", "EUR");
      tables.payment("tx-usd-2", "5.25", "USD");
      tables.audit.add(row("transaction_id", "tx-eur-1", "duplicate_copies", "2"));
      tables.deadLetters.add(row("error_kind", "LATE", "message", "late", "transaction_id", "tx-late"));
      tables.deadLetters.add(row("error_kind", "UNPARSEABLE", "message", "not valid JSON"));
      tables.deadLetters.add(row("error_kind", "INVALID_FIELD", "message", "amount has more than 2 decimal places"));
      tables.deadLetters.add(row("error_kind", "INVALID_FIELD", "message", "currency must be 3 upper-case letters"));
      tables.metrics.add(metric(WINDOW, "USD", 0, 2, "15.25"));
      tables.metrics.add(metric(WINDOW, "EUR", 0, 1, "20.50"));
      return tables;
    }

    /** tx-late written on time after all: a payment row, counted in a GBP pane. */
    void addLatePaymentRow() {
      payment("tx-late", "7.00", "GBP");
      metrics.add(metric(WINDOW, "GBP", 0, 1, "7.00"));
    }

    /** Neither the payment nor the fraud row of {@code id} written. */
    void removePayment(String id) {
      removeFirst(transactions, "transaction_id", id);
      removeFirst(fraud, "transaction_id", id);
    }

    void payment(String id, String amount, String currency) {
      Map<String, Object> row =
          row("transaction_id", id, "sender_account", "ACC-1", "receiver_account", "ACC-2", "amount", amount,
              "currency", currency, "event_time", WINDOW);
      transactions.add(row);
      Map<String, Object> scored = new LinkedHashMap<>(row);
      scored.put("risk_score", "0");
      scored.put("risk_level", "LOW");
      scored.put("risk_reasons", List.of());
      fraud.add(scored);
    }

    static Map<String, Object> metric(String windowStart, String currency, long pane, long payments, String total) {
      return row("window_start", windowStart, "currency", currency, "total_amount", total, "pane_index", Long.toString(pane),
          "payment_count", Long.toString(payments));
    }

    /** Replaces the one metrics row of {@code currency} with {@code panes}. */
    @SafeVarargs
    final void replaceMetrics(String currency, Map<String, Object>... panes) {
      removeFirst(metrics, "currency", currency);
      metrics.addAll(List.of(panes));
    }

    static void removeFirst(List<Map<String, Object>> table, String column, String value) {
      removeFirst(table, row -> value.equals(row.get(column)));
    }

    /** Removes the first row of a table that matches. */
    static void removeFirst(List<Map<String, Object>> table, Predicate<Map<String, Object>> which) {
      for (int i = 0; i < table.size(); i++) {
        if (which.test(table.get(i))) {
          table.remove(i);
          return;
        }
      }
      throw new IllegalArgumentException("no such row to remove");
    }

    TableFiles writeAndRead(Path dir) throws IOException {
      write(dir, BigQueryTables.DEFAULT_TRANSACTIONS, transactions);
      write(dir, BigQueryTables.DEFAULT_FRAUD, fraud);
      write(dir, BigQueryTables.DEFAULT_METRICS, metrics);
      write(dir, BigQueryTables.DEFAULT_AUDIT, audit);
      write(dir, BigQueryTables.DEFAULT_DEAD_LETTER, deadLetters);
      return TableFiles.read(dir);
    }
  }

  private static Map<String, Object> row(Object... columnsAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < columnsAndValues.length; i += 2) {
      row.put((String) columnsAndValues[i], columnsAndValues[i + 1]);
    }
    return row;
  }

  private static void write(Path dir, String table, List<Map<String, Object>> rows) throws IOException {
    StringBuilder text = new StringBuilder();
    for (Map<String, Object> row : rows) {
      text.append(JSON.writeValueAsString(row)).append('\n');
    }
    Files.writeString(dir.resolve(table + ".ndjson"), text, StandardCharsets.UTF_8);
  }

  private Reconciliation.Report check(Ledger ledger, Tables tables) throws IOException {
    return Reconciliation.check(ledger, tables.writeAndRead(dir));
  }

  private Reconciliation.Report checkCollapsingReplays(Ledger ledger, Tables tables) throws IOException {
    return Reconciliation.check(ledger, tables.writeAndRead(dir), Reconciliation.Accounting.REPLAYS_COLLAPSE);
  }

  /** The consistent tables, changed by {@code change}, checked against the consistent ledger. */
  private Reconciliation.Report checkConsistentChangedBy(Consumer<Tables> change) throws IOException {
    return checkConsistentChangedBy(9, change);
  }

  /** As {@link #checkConsistentChangedBy(Consumer)}, the ledger claiming {@code recordsSent}. */
  private Reconciliation.Report checkConsistentChangedBy(long recordsSent, Consumer<Tables> change)
      throws IOException {
    Tables tables = Tables.consistent();
    change.accept(tables);
    return check(ledgerSending(recordsSent), tables);
  }

  private static void assertSomeLine(Reconciliation.Report report, Predicate<String> matches) {
    assertTrue(report.lines().stream().anyMatch(matches), report.text());
  }

  private static void assertFailsWith(Reconciliation.Report report, String... fragments) {
    assertFalse(report.passed(), "expected FAIL:\n" + report.text());
    assertTrue(report.text().endsWith("RECONCILIATION: FAIL"), report.text());
    boolean found = report.differences().stream().anyMatch(d -> containsAll(d, fragments));
    assertTrue(found, "no difference mentions " + List.of(fragments) + ": " + report.differences());
  }

  private static boolean containsAll(String text, String... fragments) {
    for (String fragment : fragments) {
      if (!text.contains(fragment)) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- PASS

  @Test
  void consistentTablesPass() throws IOException {
    Reconciliation.Report report = check(consistentLedger(), Tables.consistent());

    assertTrue(report.passed(), report.text());
    assertEquals(List.of(), report.differences());
    assertEquals(List.of(), report.missing());
    assertTrue(report.text().contains("differences: none"), report.text());
    assertTrue(report.text().endsWith("RECONCILIATION: PASS"), report.text());
  }

  @Test
  void reportAccountsForEveryRecordSent() throws IOException {
    Reconciliation.Report report = check(consistentLedger(), Tables.consistent());

    assertSomeLine(
        report,
        line -> containsAll(line, "records accounted for", "9 = 3 payment rows + 2 duplicates dropped + 4 dead letters"));
    assertSomeLine(report, line -> containsAll(line, "duplicates caught", "2 of 2"));
    assertSomeLine(report, line -> line.matches(" +retry +1 of 1"));
    assertSomeLine(report, line -> line.matches(" +replay +1 of 1"));
    assertSomeLine(report, line -> line.matches(" +INVALID_FIELD +2 / 2"));
  }

  @Test
  void latePaymentEndingAsLateDeadLetterPassesAndCountsAsDeadLettered() throws IOException {
    Reconciliation.Report report = check(consistentLedger(), Tables.consistent());

    assertTrue(report.passed(), report.text());
    assertSomeLine(report, line -> line.contains("late ones: 1 dead-lettered, 0 written before the watermark moved"));
    assertSomeLine(report, line -> containsAll(line, "LATE", "1 (late payments and their copies; 1 payments)"));
  }

  @Test
  void latePaymentWrittenBeforeTheWatermarkMovedPassesAndCountsAsWritten() throws IOException {
    Reconciliation.Report report =
        checkConsistentChangedBy(
            tables -> {
              Tables.removeFirst(tables.deadLetters, "error_kind", "LATE");
              tables.addLatePaymentRow();
            });

    assertTrue(report.passed(), report.text());
    assertSomeLine(report, line -> line.contains("late ones: 0 dead-lettered, 1 written before the watermark moved"));
  }

  static Stream<Named<Consumer<Tables>>> harmlessChanges() {
    return Stream.of(
        Named.of(
            // Written before the restore: two panes, the second with one payment. The replay fired
            // the window once, complete, as pane 0.
            "the fullest pane counts even under a lower index, as a replay after a restore writes it",
            tables ->
                tables.replaceMetrics(
                    "USD", Tables.metric(WINDOW, "USD", 1, 1, "10.00"), Tables.metric(WINDOW, "USD", 0, 2, "15.25"))),
        Named.of(
            // The final pane first in the file, and pane 10 after pane 2: highest by number, not by
            // position or text.
            "the highest pane of a window counts and earlier smaller panes are ignored",
            tables ->
                tables.replaceMetrics(
                    "USD", Tables.metric(WINDOW, "USD", 10, 2, "15.25"), Tables.metric(WINDOW, "USD", 2, 1, "10.00"))),
        Named.of(
            "panes of different windows add up",
            tables ->
                tables.replaceMetrics(
                    "USD",
                    Tables.metric(WINDOW, "USD", 0, 1, "10.00"),
                    Tables.metric("2026-03-01 10:01:00.000000 UTC", "USD", 0, 1, "5.25"))),
        Named.of(
            "amounts in scientific notation, as the engine may render them, still match",
            tables -> tables.transactions.get(0).put("amount", "1E+1")),
        Named.of(
            "the same amount with another scale is not a difference",
            tables -> tables.transactions.get(0).put("amount", "10")));
  }

  @ParameterizedTest(name = "{0}: passes")
  @MethodSource("harmlessChanges")
  void harmlessChangePasses(Consumer<Tables> change) throws IOException {
    Reconciliation.Report report = checkConsistentChangedBy(change);

    assertTrue(report.passed(), report.text());
  }

  /**
   * A payment row beside a LATE dead letter for the same payment: every reading of a record
   * reaches the same verdict, so no accounting excuses the pair, not even after replays.
   */
  @Test
  void aPaymentWithBothARowAndALateDeadLetterFailsWhateverTheAccounting() throws IOException {
    Tables tables = Tables.consistent();
    tables.addLatePaymentRow();

    Reconciliation.Report exact = check(consistentLedger(), tables);
    Reconciliation.Report replays = checkCollapsingReplays(consistentLedger(), tables);

    assertFailsWith(exact, "tx-late: has a payment row and 1 LATE dead letter(s)");
    assertFailsWith(replays, "tx-late: has a payment row and 1 LATE dead letter(s)");
  }

  // ---------------------------------------------------------------- FAIL

  /** Fragments that one difference of the report must all mention. */
  private static List<String> difference(String... fragments) {
    return List.of(fragments);
  }

  /**
   * The consistent tables broken by {@code change}, checked against the consistent ledger claiming
   * {@code recordsSent} records, must fail with each of {@code differences}.
   */
  @SafeVarargs
  private static Arguments breaks(
      String description, long recordsSent, Consumer<Tables> change, List<String>... differences) {
    return Arguments.of(Named.of(description, change), recordsSent, List.of(differences));
  }

  static Stream<Arguments> breakages() {
    return Stream.of(
        breaks(
            "a fraud row without its payment row",
            9,
            tables -> Tables.removeFirst(tables.transactions, "transaction_id", "tx-usd-2"),
            difference("tx-usd-2: in payment_transactions_fraud but not in payment_transactions")),
        breaks(
            "a payment without its fraud row",
            9,
            tables -> Tables.removeFirst(tables.fraud, "transaction_id", "tx-usd-1"),
            difference("tx-usd-1: in payment_transactions but not in payment_transactions_fraud")),
        breaks(
            "a payment counted in no final pane, even when the totals agree",
            9,
            tables -> tables.replaceMetrics("USD", Tables.metric(WINDOW, "USD", 0, 1, "15.25")),
            difference("USD: 2 payment rows, but payment_metrics' final panes count 1")),
        breaks(
            "a fraud row written twice",
            9,
            tables -> tables.fraud.add(new LinkedHashMap<>(tables.fraud.get(1))),
            difference("payment_transactions_fraud has tx-eur-1 2 times")),
        breaks(
            "an amount one cent off",
            9,
            tables -> tables.transactions.get(0).put("amount", "10.01"),
            difference("tx-usd-1", "sent 10.00 USD", "written 10.01 USD")),
        breaks(
            "the wrong currency",
            9,
            tables -> tables.transactions.get(0).put("currency", "CHF"),
            difference("tx-usd-1", "sent 10.00 USD", "written 10.00 CHF")),
        breaks(
            "the same pane of a window twice",
            9,
            tables -> tables.metrics.add(Tables.metric(WINDOW, "EUR", 0, 1, "20.50")),
            difference("payment_metrics has pane 0", "EUR", "twice")),
        breaks(
            "the wrong count of malformed dead letters of one kind",
            9,
            tables -> Tables.removeFirst(tables.deadLetters, "error_kind", "INVALID_FIELD"),
            difference("dead letters of kind INVALID_FIELD: found 1, expected 2")),
        breaks(
            "a dead letter of a kind the ledger never sent",
            10,
            tables -> tables.deadLetters.add(row("error_kind", "WRITE_FAILED", "message", "boom")),
            difference("dead letters of kind WRITE_FAILED: found 1, expected 0")),
        breaks(
            "a row for a transaction the ledger never sent",
            9,
            tables -> tables.payment("tx-ghost", "1.00", "USD"),
            difference("payment_transactions has tx-ghost, which the ledger never sent"),
            difference("payment_transactions_fraud has tx-ghost, which the ledger never sent")),
        breaks(
            "a LATE dead letter for a transaction the ledger never sent",
            10,
            tables ->
                tables.deadLetters.add(
                    row("error_kind", "LATE", "message", "late", "transaction_id", "tx-ghost")),
            difference("dead_letter (LATE) has tx-ghost, which the ledger never sent")),
        breaks(
            "duplicates not accounted for",
            8,
            tables -> tables.audit.get(0).put("duplicate_copies", "1"),
            difference(
                "tx-eur-1: sent 3 copies, accounted 1 row(s) + 1 duplicate(s) + 0 late dead letter(s)")));
  }

  @ParameterizedTest(name = "{0}: fails")
  @MethodSource("breakages")
  void breakageFails(Consumer<Tables> change, long recordsSent, List<List<String>> differences)
      throws IOException {
    Reconciliation.Report report = checkConsistentChangedBy(recordsSent, change);

    for (List<String> difference : differences) {
      assertFailsWith(report, difference.toArray(String[]::new));
    }
  }

  @Test
  void missingPaymentFailsAndIsListedAsMissing() throws IOException {
    Reconciliation.Report report = checkConsistentChangedBy(tables -> tables.removePayment("tx-usd-2"));

    assertFailsWith(report, "tx-usd-2", "sent on time but not in payment_transactions");
    assertEquals(List.of("tx-usd-2"), report.missing());
    assertTrue(report.text().contains("tx-usd-2"), report.text());
  }

  @Test
  void paymentRowWrittenTwiceFails() throws IOException {
    Reconciliation.Report report =
        checkConsistentChangedBy(
            tables -> tables.transactions.add(new LinkedHashMap<>(tables.transactions.get(0))));

    assertFailsWith(report, "payment_transactions has tx-usd-1 2 times");
    assertEquals(List.of(), report.missing());
  }

  @Test
  void currencyTotalMismatchInFinalMetricsPaneFails() throws IOException {
    // The final pane is one cent off; the earlier pane being right does not help.
    Reconciliation.Report report =
        checkConsistentChangedBy(
            tables ->
                tables.replaceMetrics(
                    "USD", Tables.metric(WINDOW, "USD", 0, 2, "15.25"), Tables.metric(WINDOW, "USD", 1, 2, "15.26")));

    assertFailsWith(report, "USD totals differ", "expected 15.25", "payment_transactions 15.25", "payment_metrics 15.26");
    assertEquals(1, report.differences().size(), report.differences().toString());
  }

  @Test
  void latePaymentInNoTableIsMissing() throws IOException {
    Reconciliation.Report report =
        checkConsistentChangedBy(8, tables -> Tables.removeFirst(tables.deadLetters, "error_kind", "LATE"));

    assertFailsWith(report, "tx-late: sent 1 copies, accounted 0 row(s) + 0 duplicate(s) + 0 late dead letter(s)");
    assertFailsWith(report, "tx-late: sent late but in no table, not even dead_letter");
    assertEquals(List.of("tx-late"), report.missing());
  }

  @Test
  void replaysCollapseAccountingAcceptsCopiesAbsorbedByUpsertsButNotLostPayments() throws IOException {
    Tables tables = Tables.consistent();
    Tables.removeFirst(tables.audit, row -> true);

    Reconciliation.Report exact = check(consistentLedger(), tables);
    Reconciliation.Report collapsing = checkCollapsingReplays(consistentLedger(), tables);

    assertFalse(exact.passed(), "exact accounting notices the copies nobody counted");
    assertTrue(collapsing.passed(), collapsing.text());

    Tables.removeFirst(tables.transactions, row -> true);
    Reconciliation.Report lost = checkCollapsingReplays(consistentLedger(), tables);
    assertFalse(lost.passed(), "a payment in no table is never absorbed");
    assertEquals(1, lost.missing().size());
  }

  @Test
  void recordsSentNotEqualToRowsPlusDuplicatesPlusDeadLettersFails() throws IOException {
    Reconciliation.Report report = check(ledgerSending(10), Tables.consistent());

    assertFailsWith(report, "records sent 10 != rows + duplicates + dead letters 9");
    assertEquals(1, report.differences().size(), report.differences().toString());
  }

  @Test
  void failedReportListsEveryDifferenceInItsText() throws IOException {
    Reconciliation.Report report =
        checkConsistentChangedBy(tables -> tables.transactions.get(0).put("amount", "10.01"));

    assertTrue(report.text().contains("differences: " + report.differences().size()), report.text());
    for (String difference : report.differences()) {
      assertTrue(report.text().contains("  - " + difference), report.text());
    }
  }

  @Test
  void longListsOfDifferencesAreCutShortInTheTextButKeptInFull() throws IOException {
    List<Ledger.Entry> entries = new ArrayList<>(consistentEntries());
    for (int i = 0; i < 30; i++) {
      entries.add(entry("tx-lost-" + i, "USD", "1.00", 1, List.of(), false));
    }

    Reconciliation.Report report = check(ledger(39, entries), Tables.consistent());

    assertEquals(30, report.missing().size());
    assertTrue(report.differences().size() > 60, report.differences().toString());
    long listed = report.text().lines().filter(line -> line.startsWith("  - ")).count();
    assertEquals(25, listed, report.text());
    assertTrue(report.text().contains("  ... and " + (report.differences().size() - 25) + " more"), report.text());
    assertTrue(report.text().endsWith("RECONCILIATION: FAIL"), report.text());
  }

  // ---------------------------------------------------------------- TableFiles

  @Test
  void missingTableFileFailsNamingTheFile() throws IOException {
    Tables.consistent().writeAndRead(dir);
    Files.delete(dir.resolve("deduplication_audit.ndjson"));

    IOException error = assertThrows(IOException.class, () -> TableFiles.read(dir));

    assertTrue(error.getMessage().contains(dir.resolve("deduplication_audit.ndjson").toString()), error.getMessage());
  }

  @Test
  void nonJsonLineFailsNamingFileAndLine() throws IOException {
    Tables.consistent().writeAndRead(dir);
    Path metrics = dir.resolve("payment_metrics.ndjson");
    Files.writeString(metrics, "{\"currency\":\"USD\"}\n\nnot json\n", StandardCharsets.UTF_8);

    IOException error = assertThrows(IOException.class, () -> TableFiles.read(dir));

    assertTrue(error.getMessage().contains(metrics.toString()), error.getMessage());
    assertTrue(error.getMessage().contains("line 3"), error.getMessage());
  }

  @Test
  void blankLinesInTableFilesAreSkipped() throws IOException {
    Tables.consistent().writeAndRead(dir);
    Path audit = dir.resolve("deduplication_audit.ndjson");
    Files.writeString(audit, "\n" + Files.readString(audit) + "\n  \n", StandardCharsets.UTF_8);

    Reconciliation.Report report = Reconciliation.check(consistentLedger(), TableFiles.read(dir));

    assertTrue(report.passed(), report.text());
  }
}
