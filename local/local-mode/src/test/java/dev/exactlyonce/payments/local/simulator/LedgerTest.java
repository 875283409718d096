package dev.exactlyonce.payments.local.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  @TempDir Path dir;

  private static Ledger.Entry entry(String id, String currency, String amount, int copies, List<String> scenarios) {
    return new Ledger.Entry(id, currency, new BigDecimal(amount), "2026-03-01T10:00:00.000Z", copies, scenarios, false, false);
  }

  private static Ledger sample() {
    return new Ledger(
        "payments",
        42,
        7,
        List.of(
            entry("tx-1", "USD", "0.10", 1, List.of()),
            entry("tx-2", "USD", "0.20", 3, List.of("retry", "rebalance")),
            new Ledger.Entry("tx-3", "EUR", new BigDecimal("19.90"), "2026-03-01T07:00:00.000Z", 1, List.of(), false, true),
            new Ledger.Entry("tx-4", "CHF", new BigDecimal("100.00"), "2026-03-01T09:58:00.000Z", 1, List.of(), true, false)),
        Map.of("UNPARSEABLE", 1L),
        Map.of("retry", 1L, "rebalance", 1L, "late", 1L, "out_of_order", 1L, "malformed", 1L));
  }

  @Test
  void writeThenReadRoundTripsEqual() throws IOException {
    Path file = dir.resolve("ledger.json");
    Ledger ledger = sample();

    ledger.write(file);

    assertEquals(ledger, Ledger.read(file));
  }

  @Test
  void amountsKeepTheirCentsThroughTheFile() throws IOException {
    Path file = dir.resolve("ledger.json");
    sample().write(file);

    Ledger read = Ledger.read(file);

    assertEquals(new BigDecimal("100.00"), read.payments().get(3).amount());
    assertEquals(2, read.payments().get(3).amount().scale());
  }

  @Test
  void simulatedLedgerRoundTripsEqual() throws Exception {
    Path file = dir.resolve("ledger.json");
    SimulatorSettings settings = SimulatorSettings.defaults(Instant.parse("2026-03-01T12:00:00Z"))
        .withPayments(200).withRate(1_000_000).withSeed(5).withInjectionRates(0.2, 0.05, 0.05, 0.2, 0.05, 0.2);
    Ledger ledger = PaymentSimulator.run(settings, "payments", (key, value) -> { }, sent -> { });

    ledger.write(file);

    assertEquals(ledger, Ledger.read(file));
  }

  @Test
  void totalsByCurrencySumExactly() {
    Map<String, BigDecimal> totals = sample().totalsByCurrency();

    // 0.10 + 0.20 is not 0.30 in binary floating point; here it must be.
    assertEquals(Map.of("USD", new BigDecimal("0.30"), "EUR", new BigDecimal("19.90"), "CHF", new BigDecimal("100.00")), totals);
  }

  @Test
  void totalsCountEachPaymentOnceWhateverItsCopies() {
    Ledger ledger = new Ledger("payments", 1, 6, List.of(entry("tx-1", "GBP", "5.55", 6, List.of("retry", "retry", "replay", "replay", "rebalance"))), Map.of(), Map.of());

    assertEquals(Map.of("GBP", new BigDecimal("5.55")), ledger.totalsByCurrency());
    assertEquals(5, ledger.duplicateCopies());
  }

  @Test
  void duplicateCopiesCountsEveryCopyButTheFirst() {
    assertEquals(2, sample().duplicateCopies());
  }

  @Test
  void writeIsAtomicAndLeavesNoTemporaryFileBehind() throws IOException {
    Path file = dir.resolve("ledger.json");

    sample().write(file);

    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void writeReplacesAnEarlierLedger() throws IOException {
    Path file = dir.resolve("ledger.json");
    Files.writeString(file, "an earlier, longer ledger ".repeat(1000));
    Ledger ledger = sample();

    ledger.write(file);

    assertEquals(ledger, Ledger.read(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void readingAMissingLedgerFails() {
    assertThrows(IOException.class, () -> Ledger.read(dir.resolve("nope.json")));
  }
}
