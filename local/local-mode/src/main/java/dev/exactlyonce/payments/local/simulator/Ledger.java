package dev.exactlyonce.payments.local.simulator;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the simulator truly meant to send: every unique payment once, with how many copies of it
 * went out and why, and the malformed records by the error kind they must produce. Reconciliation
 * checks the tables against this.
 *
 * @param topic the topic written
 * @param seed the simulator's seed
 * @param recordsSent every record produced, copies and malformed ones included
 * @param payments the unique valid payments
 * @param malformed malformed records sent, by the dead-letter error kind each must produce
 * @param injected counts by scenario: copies sent by {@code retry}, {@code replay} and {@code
 *     rebalance}; payments sent {@code out_of_order} and {@code late}
 */
public record Ledger(
    String topic,
    long seed,
    long recordsSent,
    List<Entry> payments,
    Map<String, Long> malformed,
    Map<String, Long> injected) {


  /**
   * One unique payment.
   *
   * @param copies times it was sent, the first one included
   * @param duplicateScenarios why extra copies were sent (retry, replay, rebalance), in order
   * @param late its event time is older than the deduplication horizon when sent
   */
  public record Entry(
      String transactionId,
      String currency,
      BigDecimal amount,
      String eventTime,
      int copies,
      List<String> duplicateScenarios,
      boolean outOfOrder,
      boolean late) {}

  public Map<String, BigDecimal> totalsByCurrency() {
    Map<String, BigDecimal> totals = new TreeMap<>();
    for (Entry entry : payments) {
      totals.merge(entry.currency(), entry.amount(), BigDecimal::add);
    }
    return totals;
  }

  public long duplicateCopies() {
    return payments.stream().mapToLong(entry -> entry.copies() - 1L).sum();
  }

  /** Written to a temporary file and moved into place: never seen half-written. */
  public void write(Path file) throws IOException {
    JsonFile.write(file, this);
  }

  public static Ledger read(Path file) throws IOException {
    return JsonFile.read(file, Ledger.class);
  }
}
