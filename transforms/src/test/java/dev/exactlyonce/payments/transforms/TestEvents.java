package dev.exactlyonce.payments.transforms;

import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.joda.time.Instant;

/** Payment events and Kafka records for tests, built the way producers and KafkaIO build them. */
public final class TestEvents {
  public static final String TOPIC = "payments";
  public static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private TestEvents() {}

  /** A valid event as JSON. */
  public static String json(
      String transactionId, String sender, String receiver, String amount, String currency, Instant eventTime) {
    return "{\"transaction_id\":\""
        + transactionId
        + "\",\"sender_account\":\""
        + sender
        + "\",\"receiver_account\":\""
        + receiver
        + "\",\"amount\":"
        + amount
        + ",\"currency\":\""
        + currency
        + "\",\"event_time\":\""
        + eventTime
        + "\",\"payment_method\":\"card\"}";
  }

  public static String json(String transactionId, String amount, String currency, Instant eventTime) {
    return json(transactionId, "ACC-1", "ACC-2", amount, currency, eventTime);
  }

  /** The Kafka record of an event at a given offset; its Kafka timestamp is the event time. */
  public static KafkaRecord<byte[], byte[]> record(long offset, String json) {
    return record(0, offset, json, T0);
  }

  public static KafkaRecord<byte[], byte[]> record(int partition, long offset, String json, Instant kafkaTime) {
    byte[] value = json == null ? null : json.getBytes(StandardCharsets.UTF_8);
    String key = "key-" + offset;
    return new KafkaRecord<>(
        TOPIC,
        partition,
        offset,
        kafkaTime.getMillis(),
        KafkaTimestampType.LOG_APPEND_TIME,
        null,
        key.getBytes(StandardCharsets.UTF_8),
        value);
  }

  /** The payment a valid event parses to, read from Kafka at the given offset. */
  public static Payment payment(long offset, String json) {
    return payment(offset, json, T0);
  }

  public static Payment payment(long offset, String json, Instant receivedAt) {
    PaymentJsonParser.Outcome outcome =
        PaymentJsonParser.parse(
            json.getBytes(StandardCharsets.UTF_8), KafkaCoordinates.of(TOPIC, 0, offset), receivedAt);
    if (outcome instanceof PaymentJsonParser.Valid valid) {
      return valid.payment();
    }
    throw new IllegalArgumentException("test event is not valid: " + outcome);
  }

  public static Payment payment(long offset, String transactionId, String amount, String currency, Instant eventTime) {
    return payment(offset, json(transactionId, amount, currency, eventTime));
  }
}
