package dev.exactlyonce.payments.local.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PaymentSimulatorTest {
  private static final Instant END = Instant.parse("2026-03-01T12:00:00Z");
  private static final String TOPIC = "payments";
  private static final Pattern AMOUNT = Pattern.compile("\"amount\":(-?[0-9.eE+-]+)[,}]");

  private record Sent(String key, byte[] value) {
    String text() {
      return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    boolean malformed() {
      return key.startsWith("malformed-");
    }
  }

  /** A sink that keeps every record in order. */
  private static final class ListSink implements PaymentSimulator.Sink {
    final List<Sent> records = new ArrayList<>();

    @Override
    public void send(byte[] key, byte[] value) {
      records.add(new Sent(new String(key, StandardCharsets.UTF_8), value));
    }
  }

  private record Run(Ledger ledger, List<Sent> records) {}

  private static SimulatorSettings settings(long payments, long seed) {
    return SimulatorSettings.defaults(END).withPayments(payments).withRate(1_000_000).withSeed(seed);
  }

  /** Every kind of trouble, often. */
  private static SimulatorSettings troubleEverywhere(long payments, long seed) {
    return settings(payments, seed).withInjectionRates(0.2, 0.05, 0.05, 0.2, 0.05, 0.3);
  }

  private static Run run(SimulatorSettings settings) throws InterruptedException {
    ListSink sink = new ListSink();
    Ledger ledger = PaymentSimulator.run(settings, TOPIC, sink, sent -> { });
    return new Run(ledger, sink.records);
  }

  private static PaymentJsonParser.Outcome parse(Sent sent) {
    return PaymentJsonParser.parse(sent.value(), KafkaCoordinates.of(TOPIC, 0, 0), END);
  }

  @ParameterizedTest(name = "horizon {0} minutes")
  @ValueSource(longs = {2, 240})
  void fittedToAHorizonOnlyLatePaymentsArriveMoreThanTheHorizonAfterTheirEventTime(long horizonMinutes)
      throws InterruptedException {
    Duration horizon = Duration.standardMinutes(horizonMinutes);
    Duration skew = Duration.standardMinutes(5);
    Run run = run(troubleEverywhere(300, 5).withRegeneratedRetries(0.2).fittedTo(horizon, Duration.standardSeconds(30), skew));
    Map<String, Ledger.Entry> byId = new HashMap<>();
    run.ledger().payments().forEach(entry -> byId.put(entry.transactionId(), entry));

    // The pipeline calls a record LATE when it reached Kafka more than the horizon after its event
    // time (its first copy's, for a copy); every record here reaches Kafka at about END.
    int late = 0;
    int regenerated = 0;
    Map<String, Instant> firstEventTime = new HashMap<>();
    for (Sent sent : run.records()) {
      if (sent.malformed()) {
        continue;
      }
      Payment payment = ((PaymentJsonParser.Valid) parse(sent)).payment();
      Ledger.Entry entry = byId.get(payment.getTransactionId());
      Instant first = firstEventTime.putIfAbsent(payment.getTransactionId(), payment.getEventTime());
      Instant judgedBy = first == null ? payment.getEventTime() : first;
      assertEquals(entry.late(), judgedBy.isBefore(END.minus(horizon)), entry.toString());
      assertTrue(!payment.getEventTime().isAfter(END.plus(skew)), "ahead of its record: " + entry);
      if (first == null && entry.late()) {
        late++;
      }
      if (first != null && !first.equals(payment.getEventTime())) {
        regenerated++;
        assertTrue(entry.duplicateScenarios().contains(PaymentSimulator.REGENERATED_RETRY), entry.toString());
      }
    }
    assertTrue(late > 0 && regenerated > 0, "late " + late + ", regenerated retries " + regenerated);
  }

  @Test
  void regeneratedRetriesDriftBothWaysAcrossWindowBoundaries() throws InterruptedException {
    Run run = run(settings(2_000, 3).withRegeneratedRetries(0.5));
    Map<String, Instant> firstEventTime = new HashMap<>();
    long later = 0;
    long earlier = 0;
    long otherWindow = 0;
    for (Sent sent : run.records()) {
      if (sent.malformed()) {
        continue;
      }
      Payment payment = ((PaymentJsonParser.Valid) parse(sent)).payment();
      Instant first = firstEventTime.putIfAbsent(payment.getTransactionId(), payment.getEventTime());
      if (first == null || first.equals(payment.getEventTime())) {
        continue;
      }
      long drift = payment.getEventTime().getMillis() - first.getMillis();
      assertTrue(Math.abs(drift) >= 1_000 && Math.abs(drift) <= Duration.standardMinutes(4).getMillis(), "drift " + drift);
      later += drift > 0 ? 1 : 0;
      earlier += drift < 0 ? 1 : 0;
      otherWindow += Math.floorDiv(first.getMillis(), 10_000) != Math.floorDiv(payment.getEventTime().getMillis(), 10_000) ? 1 : 0;
    }
    assertTrue(later > 100 && earlier > 100, "later " + later + ", earlier " + earlier);
    assertTrue(otherWindow > later, "copies in another 10 s window: " + otherWindow);
    assertEquals(later + earlier, run.ledger().injected().get(PaymentSimulator.REGENERATED_RETRY));
  }

  @Test
  void sameSeedSendsByteIdenticalRecordsAndTheSameLedger() throws InterruptedException {
    Run first = run(troubleEverywhere(300, 11));
    Run second = run(troubleEverywhere(300, 11));

    assertEquals(first.records().size(), second.records().size());
    for (int i = 0; i < first.records().size(); i++) {
      assertEquals(first.records().get(i).key(), second.records().get(i).key(), "key of record " + i);
      assertArrayEquals(first.records().get(i).value(), second.records().get(i).value(), "value of record " + i);
    }
    assertEquals(first.ledger(), second.ledger());
  }

  @Test
  void differentSeedSendsDifferentPayments() throws InterruptedException {
    Run first = run(settings(50, 11));
    Run second = run(settings(50, 12));

    assertNotEquals(first.ledger(), second.ledger());
    assertNotEquals(first.records().get(0).key(), second.records().get(0).key());
    assertEquals(12, second.ledger().seed());
    Set<String> firstIds = new HashSet<>();
    first.ledger().payments().forEach(entry -> firstIds.add(entry.transactionId()));
    assertTrue(second.ledger().payments().stream().noneMatch(entry -> firstIds.contains(entry.transactionId())));
  }

  @Test
  void ledgerRecordsSentEqualsRecordsEmitted() throws InterruptedException {
    Run run = run(troubleEverywhere(300, 3));

    assertEquals(run.records().size(), run.ledger().recordsSent());
    long malformed = run.ledger().malformed().values().stream().mapToLong(Long::longValue).sum();
    long copies = run.ledger().payments().stream().mapToLong(Ledger.Entry::copies).sum();
    assertEquals(run.ledger().recordsSent(), copies + malformed);
    assertEquals(TOPIC, run.ledger().topic());
    assertEquals(3, run.ledger().seed());
  }

  @Test
  void sendsTheConfiguredNumberOfUniquePayments() throws InterruptedException {
    Run run = run(troubleEverywhere(250, 5));

    assertEquals(250, run.ledger().payments().size());
    assertEquals(250, run.records().stream().filter(sent -> !sent.malformed()).map(Sent::key).distinct().count());
  }

  @Test
  void everyValidRecordParsesToItsLedgerEntry() throws InterruptedException {
    Run run = run(troubleEverywhere(300, 21));
    Map<String, Ledger.Entry> entries = new HashMap<>();
    run.ledger().payments().forEach(entry -> entries.put(entry.transactionId(), entry));

    int valid = 0;
    for (Sent sent : run.records()) {
      if (sent.malformed()) {
        continue;
      }
      PaymentJsonParser.Outcome outcome = parse(sent);
      assertTrue(outcome instanceof PaymentJsonParser.Valid, sent.text() + " -> " + outcome);
      Payment payment = ((PaymentJsonParser.Valid) outcome).payment();
      Ledger.Entry entry = entries.get(payment.getTransactionId());
      assertTrue(entry != null, "in the ledger: " + payment.getTransactionId());
      assertEquals(sent.key(), payment.getTransactionId(), "the Kafka key is the transaction id");
      assertEquals(entry.amount(), payment.getAmount(), payment.getTransactionId());
      assertEquals(entry.currency(), payment.getCurrency(), payment.getTransactionId());
      if (!entry.duplicateScenarios().contains(PaymentSimulator.REGENERATED_RETRY)) {
        // A regenerated retry carries another event time; the ledger keeps the first copy's.
        assertEquals(Instant.parse(entry.eventTime()), payment.getEventTime(), payment.getTransactionId());
      }
      valid++;
    }
    assertTrue(valid > 300, "copies included: " + valid);
  }

  @Test
  void copiesPerTransactionMatchTheLedger() throws InterruptedException {
    Run run = run(troubleEverywhere(300, 8));
    Map<String, Integer> emitted = new HashMap<>();
    run.records().stream().filter(sent -> !sent.malformed()).forEach(sent -> emitted.merge(sent.key(), 1, Integer::sum));

    for (Ledger.Entry entry : run.ledger().payments()) {
      assertEquals(entry.copies(), emitted.getOrDefault(entry.transactionId(), 0), entry.transactionId());
      assertEquals(entry.copies() - 1, entry.duplicateScenarios().size(), entry.transactionId());
    }
    assertEquals(run.ledger().payments().size(), emitted.size());
    assertTrue(run.ledger().duplicateCopies() > 0);
  }

  @Test
  void copiesOfAPaymentAreByteIdenticalUnlessRegenerated() throws InterruptedException {
    Run run = run(troubleEverywhere(300, 9).withRegeneratedRetries(0));
    Map<String, byte[]> first = new HashMap<>();

    for (Sent sent : run.records()) {
      if (!sent.malformed()) {
        byte[] earlier = first.putIfAbsent(sent.key(), sent.value());
        if (earlier != null) {
          assertArrayEquals(earlier, sent.value(), sent.key());
        }
      }
    }
  }

  @Test
  void withHighInjectionRatesEveryScenarioOccurs() throws InterruptedException {
    Run run = run(troubleEverywhere(400, 13));
    Ledger ledger = run.ledger();

    assertEquals(
        Set.of("retry", "replay", "rebalance", "out_of_order", "late", "malformed", PaymentSimulator.REGENERATED_RETRY),
        ledger.injected().keySet());
    Map<String, Long> scenarioCopies = new TreeMap<>();
    ledger.payments().forEach(entry -> entry.duplicateScenarios().forEach(s -> scenarioCopies.merge(s, 1L, Long::sum)));
    for (String scenario : List.of("retry", "replay", "rebalance", PaymentSimulator.REGENERATED_RETRY)) {
      assertTrue(scenarioCopies.getOrDefault(scenario, 0L) > 0, scenario);
      assertEquals(ledger.injected().get(scenario), scenarioCopies.get(scenario), "copies sent by " + scenario);
    }
    assertEquals(ledger.injected().get("late"), ledger.payments().stream().filter(Ledger.Entry::late).count());
    assertEquals(ledger.injected().get("out_of_order"), ledger.payments().stream().filter(Ledger.Entry::outOfOrder).count());
    assertEquals(
        ledger.injected().get("malformed"), ledger.malformed().values().stream().mapToLong(Long::longValue).sum());
    assertEquals(Set.of("UNPARSEABLE", "MISSING_FIELD", "INVALID_FIELD", "BAD_TIMESTAMP"), ledger.malformed().keySet());
  }

  @Test
  void latePaymentsAreNeverSentTwiceAndNeverOutOfOrder() throws InterruptedException {
    Run run = run(troubleEverywhere(400, 13));

    List<Ledger.Entry> late = run.ledger().payments().stream().filter(Ledger.Entry::late).toList();
    assertFalse(late.isEmpty());
    for (Ledger.Entry entry : late) {
      assertEquals(1, entry.copies(), entry.transactionId());
      assertFalse(entry.outOfOrder(), entry.transactionId());
    }
  }

  @Test
  void malformedRecordsProduceExactlyTheLedgersErrorKinds() throws InterruptedException {
    Run run = run(troubleEverywhere(400, 17));
    Map<String, Long> rejected = new TreeMap<>();

    for (Sent sent : run.records()) {
      PaymentJsonParser.Outcome outcome = parse(sent);
      if (sent.malformed()) {
        assertTrue(outcome instanceof PaymentJsonParser.Rejected, sent.text() + " -> " + outcome);
        rejected.merge(((PaymentJsonParser.Rejected) outcome).kind().name(), 1L, Long::sum);
      } else {
        assertTrue(outcome instanceof PaymentJsonParser.Valid, sent.text() + " -> " + outcome);
      }
    }

    assertEquals(run.ledger().malformed(), rejected);
  }

  @Test
  void amountsAlwaysHaveExactlyTwoDecimals() throws InterruptedException {
    Run run = run(troubleEverywhere(500, 23));

    for (Sent sent : run.records()) {
      if (sent.malformed()) {
        continue;
      }
      Matcher amount = AMOUNT.matcher(sent.text());
      assertTrue(amount.find(), sent.text());
      assertTrue(amount.group(1).matches("[0-9]+\\.[0-9]{2}"), "amount as sent: " + amount.group(1));
    }
    for (Ledger.Entry entry : run.ledger().payments()) {
      assertEquals(2, entry.amount().scale(), entry.transactionId());
      assertTrue(entry.amount().signum() > 0, entry.transactionId());
    }
  }

  @Test
  void eventTimesFollowTheClockAndLateOnesAreLateByBeforeTheirNeighbours() throws InterruptedException {
    SimulatorSettings settings = troubleEverywhere(400, 29);
    Run run = run(settings);
    List<Ledger.Entry> payments = run.ledger().payments();
    long n = settings.payments();
    Instant first = END.minus(settings.eventTimeSpan());

    int late = 0;
    for (int i = 0; i < payments.size(); i++) {
      Ledger.Entry entry = payments.get(i);
      Instant now = first.plus(settings.eventTimeSpan().getMillis() * i / n);
      Instant eventTime = Instant.parse(entry.eventTime());
      if (entry.late()) {
        late++;
        assertEquals(now.minus(settings.lateBy()), eventTime, entry.transactionId());
        // Its neighbours in sending order are on time (or only a little out of order).
        for (int neighbour : new int[] {i - 1, i + 1}) {
          if (neighbour >= 0 && neighbour < payments.size() && !payments.get(neighbour).late()) {
            Duration gap = new Duration(eventTime, Instant.parse(payments.get(neighbour).eventTime()));
            assertTrue(
                gap.isLongerThan(settings.lateBy().minus(settings.outOfOrderBy()).minus(Duration.standardSeconds(10))),
                entry.transactionId() + " is only " + gap + " before its neighbour");
          }
        }
      } else if (entry.outOfOrder()) {
        assertTrue(!eventTime.isAfter(now.minus(Duration.standardSeconds(10))), entry.transactionId());
        assertTrue(!eventTime.isBefore(now.minus(settings.outOfOrderBy())), entry.transactionId());
      } else {
        assertEquals(now, eventTime, entry.transactionId());
      }
      assertFalse(eventTime.isAfter(END), "never ahead of the clock: " + entry.transactionId());
    }
    assertTrue(late > 0);
  }

  @Test
  void noPaymentsSendsNothing() throws InterruptedException {
    Run run = run(settings(0, 1));

    assertEquals(List.of(), run.records());
    assertEquals(0, run.ledger().recordsSent());
    assertEquals(List.of(), run.ledger().payments());
  }

  @Test
  void progressHearsTheFinalCount() throws InterruptedException {
    ListSink sink = new ListSink();
    List<Long> heard = new ArrayList<>();

    Ledger ledger = PaymentSimulator.run(troubleEverywhere(100, 2), TOPIC, sink, heard::add);

    assertFalse(heard.isEmpty());
    assertEquals(ledger.recordsSent(), heard.get(heard.size() - 1));
  }
}
