package dev.exactlyonce.payments.local.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Realistic payments with realistic trouble, deterministic from a seed: accounts, amounts with
 * cents, several currencies, methods and merchants; producer retries, replayed offset ranges,
 * re-deliveries after a rebalance, out-of-order and late events, and malformed records of every
 * kind. Returns the {@link Ledger} of what it meant to send.
 */
public final class PaymentSimulator {

  /** Where records go: Kafka in local runs, a list in tests. */
  public interface Sink {
    void send(byte[] key, byte[] value);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] CURRENCIES = {"USD", "USD", "USD", "USD", "EUR", "EUR", "EUR", "GBP", "GBP", "CHF"};
  private static final String[] METHODS = {"card", "card", "bank_transfer", "wallet", "ach"};
  private static final String[] MERCHANTS = {"grocery", "travel", "electronics", "utilities", "dining", "p2p"};
  private static final String[] COUNTRIES = {"US", "DE", "FR", "GB", "CH", "NL"};
  private static final int RECENT = 64;
  private static final double SELF_TRANSFER_RATE = 0.005;
  private static final double EXTRA_FIELD_RATE = 0.1;
  /** The scenario of a retry whose event time the producer generated anew. */
  public static final String REGENERATED_RETRY = "regenerated_retry";

  private final SimulatorSettings settings;
  private final Sink sink;
  private final Random random;
  private final Map<String, MutableEntry> entries = new LinkedHashMap<>();
  private final Map<String, Long> malformed = new TreeMap<>();
  private final Map<String, Long> injected = new TreeMap<>();
  private final Deque<Sent> recent = new ArrayDeque<>();
  private final List<Redelivery> pendingRedeliveries = new ArrayList<>();
  private long recordsSent;
  private int malformedKind;

  private PaymentSimulator(SimulatorSettings settings, Sink sink) {
    this.settings = settings;
    this.sink = sink;
    this.random = new Random(settings.seed());
  }

  /** Sends everything at the configured rate; {@code progress} hears the records sent so far. */
  public static Ledger run(SimulatorSettings settings, String topic, Sink sink, LongConsumer progress)
      throws InterruptedException {
    return new PaymentSimulator(settings, sink).simulate(topic, progress);
  }

  private Ledger simulate(String topic, LongConsumer progress) throws InterruptedException {
    long startNanos = System.nanoTime();
    Instant first = settings.end().minus(settings.eventTimeSpan());
    for (long i = 0; i < settings.payments(); i++) {
      Instant now = first.plus(settings.eventTimeSpan().getMillis() * i / Math.max(1, settings.payments()));
      sendPayment(now);
      if (random.nextDouble() < settings.malformedRate()) {
        sendMalformed(now);
      }
      redeliverDue(i);
      if (recordsSent % 500 == 0) {
        progress.accept(recordsSent);
      }
      throttle(startNanos);
    }
    for (Redelivery redelivery : pendingRedeliveries) {
      redelivery.records.forEach(sent -> resend(sent, "rebalance"));
    }
    pendingRedeliveries.clear();
    progress.accept(recordsSent);
    List<Ledger.Entry> payments = new ArrayList<>();
    entries.values().forEach(entry -> payments.add(entry.toEntry()));
    return new Ledger(topic, settings.seed(), recordsSent, payments, malformed, injected);
  }

  private void sendPayment(Instant now) {
    String id = new UUID(random.nextLong(), random.nextLong()).toString();
    boolean late = random.nextDouble() < settings.lateRate();
    boolean outOfOrder = !late && random.nextDouble() < settings.outOfOrderRate();
    Instant eventTime = now;
    if (late) {
      eventTime = now.minus(settings.lateBy());
      count("late");
    } else if (outOfOrder) {
      long back = 10_000 + (long) (random.nextDouble() * (settings.outOfOrderBy().getMillis() - 10_000));
      eventTime = now.minus(Duration.millis(back));
      count("out_of_order");
    }
    String sender = account();
    String receiver = random.nextDouble() < SELF_TRANSFER_RATE ? sender : account();
    String currency = pick(CURRENCIES);
    BigDecimal amount = amount();
    ObjectNode event = JSON.createObjectNode();
    event.put("transaction_id", id);
    event.put("sender_account", sender);
    event.put("receiver_account", receiver);
    event.put("amount", amount);
    event.put("currency", currency);
    event.put("event_time", eventTime.toString());
    event.put("payment_method", pick(METHODS));
    event.put("merchant_category", pick(MERCHANTS));
    event.put("country", pick(COUNTRIES));
    if (random.nextDouble() < EXTRA_FIELD_RATE) {
      event.put("device_id", "dev-" + random.nextInt(10_000));
    }
    Sent sent = new Sent(id, event.toString().getBytes(StandardCharsets.UTF_8));
    entries.put(id, new MutableEntry(id, currency, amount, eventTime.toString(), outOfOrder, late));
    emit(sent);
    if (late) {
      return; // Copies of a late payment would only be more late dead letters.
    }
    remember(sent);
    if (random.nextDouble() < settings.retryRate()) {
      resend(sent, "retry");
    }
    if (settings.regeneratedRetryRate() > 0 && random.nextDouble() < settings.regeneratedRetryRate()) {
      event.put("event_time", eventTime.plus(drift()).toString());
      resend(new Sent(id, event.toString().getBytes(StandardCharsets.UTF_8)), REGENERATED_RETRY);
    }
    if (random.nextDouble() < settings.replayRate()) {
      int length = Math.min(recent.size(), 5 + random.nextInt(16));
      Iterator<Sent> newestFirst = recent.descendingIterator();
      List<Sent> range = new ArrayList<>();
      for (int k = 0; k < length; k++) {
        range.add(0, newestFirst.next());
      }
      range.forEach(copy -> resend(copy, "replay"));
    }
    if (random.nextDouble() < settings.rebalanceRate()) {
      int length = Math.min(recent.size(), 3 + random.nextInt(8));
      List<Sent> batch = new ArrayList<>(recent).subList(recent.size() - length, recent.size());
      pendingRedeliveries.add(new Redelivery(entries.size() + 20 + random.nextInt(80), new ArrayList<>(batch)));
    }
  }

  /**
   * How far a re-serialised retry's event time moves: from a second up to the largest drift, as
   * often later as earlier, so copies land in other deduplication and metrics windows.
   */
  private Duration drift() {
    long min = 1_000;
    long span = Math.max(0, settings.maxRetryDrift().getMillis() - min);
    long millis = min + (long) (random.nextDouble() * span);
    return Duration.millis(random.nextBoolean() ? millis : -millis);
  }

  private void redeliverDue(long paymentsSent) {
    Iterator<Redelivery> due = pendingRedeliveries.iterator();
    while (due.hasNext()) {
      Redelivery redelivery = due.next();
      if (redelivery.afterPayments <= paymentsSent) {
        redelivery.records.forEach(sent -> resend(sent, "rebalance"));
        due.remove();
      }
    }
  }

  private void resend(Sent sent, String scenario) {
    entries.get(sent.transactionId).duplicateScenarios.add(scenario);
    count(scenario);
    emit(sent);
  }

  private void emit(Sent sent) {
    sink.send(sent.transactionId.getBytes(StandardCharsets.UTF_8), sent.value);
    recordsSent++;
  }

  private void remember(Sent sent) {
    recent.addLast(sent);
    if (recent.size() > RECENT) {
      recent.removeFirst();
    }
  }

  /** Every kind of malformed record in turn, each with the error kind it must produce. */
  private void sendMalformed(Instant now) {
    String id = "malformed-" + new UUID(random.nextLong(), random.nextLong());
    String valid = "\"transaction_id\":\"" + id + "\",\"sender_account\":\"ACC-1\",\"receiver_account\":\"ACC-2\"";
    String time = "\"event_time\":\"" + now + "\"";
    String[][] kinds = {
      {"UNPARSEABLE", "{" + valid + ",\"amount\":"},
      {"UNPARSEABLE", null},
      {"MISSING_FIELD", "{" + valid + ",\"currency\":\"USD\"," + time + "}"},
      {"INVALID_FIELD", "{" + valid + ",\"amount\":12.345,\"currency\":\"USD\"," + time + "}"},
      {"INVALID_FIELD", "{" + valid + ",\"amount\":-5.00,\"currency\":\"USD\"," + time + "}"},
      {"INVALID_FIELD", "{" + valid + ",\"amount\":5.00,\"currency\":\"US\"," + time + "}"},
      {"BAD_TIMESTAMP", "{" + valid + ",\"amount\":5.00,\"currency\":\"USD\",\"event_time\":\"31/12/2026 10:00\"}"},
    };
    String[] kind = kinds[malformedKind++ % kinds.length];
    malformed.merge(kind[0], 1L, Long::sum);
    count("malformed");
    sink.send(id.getBytes(StandardCharsets.UTF_8), kind[1] == null ? null : kind[1].getBytes(StandardCharsets.UTF_8));
    recordsSent++;
  }

  private void throttle(long startNanos) throws InterruptedException {
    long dueNanos = recordsSent * 1_000_000_000L / settings.ratePerSecond();
    long aheadNanos = dueNanos - (System.nanoTime() - startNanos);
    if (aheadNanos > 1_000_000) {
      Thread.sleep(aheadNanos / 1_000_000);
    }
  }

  private String account() {
    return String.format("ACC-%06d", random.nextInt(settings.accounts()));
  }

  /** Mostly small amounts, a long tail of large ones; always cents. */
  private BigDecimal amount() {
    double value = Math.exp(3.5 + 1.3 * random.nextGaussian());
    return BigDecimal.valueOf(Math.max(0.01, Math.min(value, 50_000))).setScale(2, RoundingMode.HALF_EVEN);
  }

  private String pick(String[] values) {
    return values[random.nextInt(values.length)];
  }

  private void count(String scenario) {
    injected.merge(scenario, 1L, Long::sum);
  }

  private record Sent(String transactionId, byte[] value) {}

  private record Redelivery(long afterPayments, List<Sent> records) {}

  private static final class MutableEntry {
    final String transactionId;
    final String currency;
    final BigDecimal amount;
    final String eventTime;
    final boolean outOfOrder;
    final boolean late;
    final List<String> duplicateScenarios = new ArrayList<>();

    MutableEntry(String transactionId, String currency, BigDecimal amount, String eventTime, boolean outOfOrder, boolean late) {
      this.transactionId = transactionId;
      this.currency = currency;
      this.amount = amount;
      this.eventTime = eventTime;
      this.outOfOrder = outOfOrder;
      this.late = late;
    }

    Ledger.Entry toEntry() {
      return new Ledger.Entry(
          transactionId, currency, amount, eventTime, 1 + duplicateScenarios.size(), List.copyOf(duplicateScenarios), outOfOrder, late);
    }
  }
}
