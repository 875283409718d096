package dev.exactlyonce.payments.transforms.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import java.io.IOException;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Reads one Debezium change record (the envelope {@code {"before", "after", "op", "ts_ms",
 * "source": {"lsn"}}}, bare or wrapped as {@code {"schema", "payload"}}), or a tombstone (a record
 * with a key and no value), and says which change it is or why it is none. Never throws for bad
 * input.
 *
 * <p>The key comes from {@code after} (c, u, r) or {@code before} (d), and from the Kafka key
 * (Debezium's key JSON, bare or wrapped) when the image lacks it or for a tombstone. A tombstone has
 * no change time: it is ordered by its Kafka timestamp, with log position 0.
 */
public final class DebeziumEnvelope {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // 12.50 stays 12.50: a row is kept as the source wrote it.
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  private DebeziumEnvelope() {}

  /** The result of reading one record. */
  public sealed interface Outcome permits Change, Rejected {}

  public record Change(ChangeEvent event) implements Outcome {}

  public record Rejected(ErrorKind kind, String message) implements Outcome {}

  public static Outcome parse(
      byte @Nullable [] key,
      byte @Nullable [] value,
      KafkaCoordinates source,
      Instant kafkaTime,
      List<String> primaryKey) {
    try {
      return new Change(read(key, value, source, kafkaTime, primaryKey));
    } catch (Problem problem) {
      return new Rejected(problem.kind, problem.getMessage());
    }
  }

  /**
   * A change's {@code ts_ms} as an instant, or null when the record has none (a tombstone, bad
   * input): the event time the Kafka timestamp policy orders changes by.
   */
  public static @Nullable Instant changeTimeOf(byte @Nullable [] value) {
    ObjectNode envelope = unwrapped(readObjectOrNull(value));
    if (envelope == null) {
      return null;
    }
    try {
      return new Instant(tsMs(envelope));
    } catch (Problem | IllegalArgumentException e) {
      return null;
    }
  }

  private static ChangeEvent read(
      byte @Nullable [] key, byte @Nullable [] value, KafkaCoordinates source, Instant kafkaTime, List<String> primaryKey) {
    if (value == null || value.length == 0) {
      ArrayNode keyValues = keyOf(unwrapped(readObjectOrNull(key)), primaryKey);
      if (keyValues == null) {
        throw new Problem(ErrorKind.MISSING_KEY, "tombstone without a readable primary key in its Kafka key");
      }
      return ChangeEvent.builder()
          .setKeyJson(keyValues.toString())
          .setOp(ChangeOp.TOMBSTONE)
          .setSequence(ChangeSequence.of(Math.max(0, kafkaTime.getMillis()), 0))
          .setTsMs(kafkaTime.getMillis())
          .setRowJson(keyRow(keyValues, primaryKey).toString())
          .setSource(source)
          .setLsn(null)
          .build();
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(value);
    } catch (JsonProcessingException e) {
      // The original message leaves out the location, which quotes the input.
      throw new Problem(ErrorKind.UNPARSEABLE, "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new Problem(ErrorKind.UNPARSEABLE, "unreadable: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new Problem(ErrorKind.UNPARSEABLE, "not a JSON object");
    }
    ObjectNode envelope = unwrapped((ObjectNode) root);
    ChangeOp op = op(envelope.get("op"));
    long tsMs = tsMs(envelope);
    Long lsn = lsn(envelope.get("source"));
    JsonNode image = envelope.get(op.removesRow() ? "before" : "after");
    if (!op.removesRow() && (image == null || !image.isObject())) {
      throw new Problem(ErrorKind.MISSING_FIELD, "op " + op.code() + " without an after object");
    }
    ArrayNode keyValues = image != null && image.isObject() ? keyOf((ObjectNode) image, primaryKey) : null;
    if (keyValues == null) {
      keyValues = keyOf(unwrapped(readObjectOrNull(key)), primaryKey);
    }
    if (keyValues == null) {
      throw new Problem(ErrorKind.MISSING_KEY, "no primary key " + primaryKey + " in the change nor in its Kafka key");
    }
    return ChangeEvent.builder()
        .setKeyJson(keyValues.toString())
        .setOp(op)
        .setSequence(ChangeSequence.of(tsMs, lsn == null ? 0 : lsn))
        .setTsMs(tsMs)
        .setRowJson(op.removesRow() ? keyRow(keyValues, primaryKey).toString() : image.toString())
        .setSource(source)
        .setLsn(lsn)
        .build();
  }

  /** Debezium's converter with schemas enabled wraps the envelope (and the key) in a payload. */
  private static @Nullable ObjectNode unwrapped(@Nullable ObjectNode node) {
    if (node != null && !node.has("op") && node.get("payload") instanceof ObjectNode payload) {
      return payload;
    }
    return node;
  }

  private static @Nullable ObjectNode readObjectOrNull(byte @Nullable [] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    try {
      JsonNode node = MAPPER.readTree(bytes);
      return node instanceof ObjectNode object ? object : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The key columns' values, in key order, or null when one is absent or null. */
  private static @Nullable ArrayNode keyOf(@Nullable ObjectNode row, List<String> primaryKey) {
    if (row == null) {
      return null;
    }
    ArrayNode values = MAPPER.createArrayNode();
    for (String column : primaryKey) {
      JsonNode value = row.get(column);
      if (value == null || value.isNull() || value.isContainerNode()) {
        return null;
      }
      values.add(value);
    }
    return values;
  }

  private static ObjectNode keyRow(ArrayNode keyValues, List<String> primaryKey) {
    ObjectNode row = MAPPER.createObjectNode();
    for (int i = 0; i < primaryKey.size(); i++) {
      row.set(primaryKey.get(i), keyValues.get(i));
    }
    return row;
  }

  private static ChangeOp op(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      throw new Problem(ErrorKind.MISSING_FIELD, "missing required field op");
    }
    switch (node.asText()) {
      case "c":
        return ChangeOp.CREATE;
      case "u":
        return ChangeOp.UPDATE;
      case "r":
        return ChangeOp.READ;
      case "d":
        return ChangeOp.DELETE;
      default:
        throw new Problem(ErrorKind.UNKNOWN_OP, "op must be one of c, u, d, r, was " + abbreviated(node));
    }
  }

  /** The envelope's {@code ts_ms}, or the source's when the envelope has none. */
  private static long tsMs(ObjectNode envelope) {
    JsonNode node = envelope.get("ts_ms");
    if ((node == null || node.isNull()) && envelope.get("source") instanceof ObjectNode source) {
      node = source.get("ts_ms");
    }
    if (node == null || node.isNull()) {
      throw new Problem(ErrorKind.MISSING_FIELD, "missing required field ts_ms");
    }
    if (!node.canConvertToExactIntegral() || !node.canConvertToLong() || node.asLong() < 0) {
      throw new Problem(ErrorKind.INVALID_FIELD, "ts_ms must be a non-negative integer, was " + abbreviated(node));
    }
    return node.asLong();
  }

  private static @Nullable Long lsn(@Nullable JsonNode source) {
    JsonNode node = source == null ? null : source.get("lsn");
    if (node == null || node.isNull()) {
      return null;
    }
    long lsn;
    if (node.isTextual()) {
      try {
        lsn = Long.parseLong(node.textValue().strip());
      } catch (NumberFormatException e) {
        lsn = -1;
      }
    } else {
      lsn = node.canConvertToExactIntegral() && node.canConvertToLong() ? node.asLong() : -1;
    }
    // A negative position would order this change after every later one of its row.
    if (lsn < 0) {
      throw new Problem(ErrorKind.INVALID_FIELD, "source.lsn must be a non-negative integer, was " + abbreviated(node));
    }
    return lsn;
  }

  private static String abbreviated(JsonNode node) {
    String text = node.isTextual() ? node.textValue() : node.toString();
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }

  /** Why a record is not a change; caught inside this class. */
  private static final class Problem extends RuntimeException {
    private final ErrorKind kind;

    Problem(ErrorKind kind, String message) {
      super(message, null, false, false);
      this.kind = kind;
    }
  }
}
