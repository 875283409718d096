package dev.exactlyonce.payments.transforms.cdc;

import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.joda.time.Instant;

/** Debezium change records for tests, as a connector with the JSON converter writes them. */
public final class ChangeEvents {
  public static final String TOPIC = "articles.cdc";
  public static final long T0 = Instant.parse("2026-03-01T10:00:00Z").getMillis();

  private ChangeEvents() {}

  /** An envelope for article {@code id}; {@code row} is null for the image the op leaves out. */
  public static String envelope(String op, long id, String title, long tsMs, long lsn) {
    String row = "{\"article_id\":" + id + ",\"title\":\"" + title + "\",\"price\":12.50}";
    String before = op.equals("d") || op.equals("u") ? row : "null";
    String after = op.equals("d") ? "null" : row;
    return "{\"before\":" + before + ",\"after\":" + after + ",\"op\":\"" + op + "\",\"ts_ms\":" + tsMs
        + ",\"source\":{\"lsn\":" + lsn + ",\"table\":\"articles\"}}";
  }

  public static String key(long id) {
    return "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"article_id\":" + id + "}}";
  }

  public static KafkaRecord<byte[], byte[]> record(long offset, long id, String value) {
    return record(offset, key(id), value, T0);
  }

  public static KafkaRecord<byte[], byte[]> record(long offset, String key, String value, long kafkaTime) {
    return new KafkaRecord<>(
        TOPIC,
        0,
        offset,
        kafkaTime,
        KafkaTimestampType.CREATE_TIME,
        null,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }
}
