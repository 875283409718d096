package dev.exactlyonce.payments.transforms.cdc;

import static dev.exactlyonce.payments.transforms.cdc.ChangeEvents.T0;
import static dev.exactlyonce.payments.transforms.cdc.ChangeEvents.envelope;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class DebeziumEnvelopeTest {
  private static final KafkaCoordinates AT = KafkaCoordinates.of("articles.cdc", 0, 5);
  private static final List<String> KEY = List.of("article_id");

  private static DebeziumEnvelope.Outcome parse(String key, String value) {
    return DebeziumEnvelope.parse(
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8),
        AT,
        new Instant(T0 + 500),
        KEY);
  }

  private static ChangeEvent change(String key, String value) {
    return assertInstanceOf(DebeziumEnvelope.Change.class, parse(key, value)).event();
  }

  private static DebeziumEnvelope.Rejected rejected(String key, String value) {
    return assertInstanceOf(DebeziumEnvelope.Rejected.class, parse(key, value));
  }

  @Test
  void updateIsKeyedByItsAfterImageAndOrderedByTsMsAndLsn() {
    ChangeEvent update = change(null, envelope("u", 42, "v2", T0, 77));
    assertEquals("[42]", update.getKeyJson());
    assertEquals(ChangeOp.UPDATE, update.getOp());
    assertEquals(ChangeSequence.of(T0, 77), update.getSequence());
    assertEquals(77L, update.getLsn());
    assertEquals("{\"article_id\":42,\"title\":\"v2\",\"price\":12.50}", update.getRowJson());
  }

  @Test
  void deleteIsKeyedByItsBeforeImageAndKeepsOnlyTheKey() {
    ChangeEvent delete = change(null, envelope("d", 42, "v2", T0, 78));
    assertEquals(ChangeOp.DELETE, delete.getOp());
    assertEquals("{\"article_id\":42}", delete.getRowJson());
  }

  @Test
  void schemaWrappedEnvelopeIsUnwrapped() {
    ChangeEvent create = change(null, "{\"schema\":{},\"payload\":" + envelope("c", 7, "new", T0, 1) + "}");
    assertEquals("[7]", create.getKeyJson());
    assertEquals(ChangeOp.CREATE, create.getOp());
  }

  @Test
  void tombstoneDeletesTheKafkaKeysRowOrderedByItsKafkaTime() {
    ChangeEvent tombstone = change(ChangeEvents.key(42), null);
    assertEquals(ChangeOp.TOMBSTONE, tombstone.getOp());
    assertEquals("[42]", tombstone.getKeyJson());
    assertEquals(ChangeSequence.of(T0 + 500, 0), tombstone.getSequence());
    assertNull(tombstone.getLsn());
  }

  @Test
  void deleteWithoutBeforeImageTakesTheKeyFromTheKafkaKey() {
    ChangeEvent delete = change("{\"article_id\":9}", "{\"before\":null,\"after\":null,\"op\":\"d\",\"ts_ms\":" + T0 + "}");
    assertEquals("[9]", delete.getKeyJson());
    assertEquals(ChangeSequence.of(T0, 0), delete.getSequence());
  }

  @Test
  void tsMsFallsBackToTheSourceTsMs() {
    ChangeEvent read = change(null, "{\"after\":{\"article_id\":3},\"op\":\"r\",\"source\":{\"ts_ms\":" + T0 + ",\"lsn\":\"12\"}}");
    assertEquals(ChangeSequence.of(T0, 12), read.getSequence());
  }

  @Test
  void everyBadRecordSaysWhy() {
    assertEquals(ErrorKind.UNPARSEABLE, rejected(null, "{not json").kind());
    assertEquals(ErrorKind.UNPARSEABLE, rejected(null, "[1,2]").kind());
    assertEquals(ErrorKind.UNKNOWN_OP, rejected(null, envelope("t", 1, "x", T0, 1)).kind());
    assertEquals(ErrorKind.MISSING_FIELD, rejected(null, "{\"after\":{\"article_id\":1},\"ts_ms\":1}").kind());
    assertEquals(ErrorKind.MISSING_KEY, rejected(null, "{\"after\":{\"title\":\"x\"},\"op\":\"c\",\"ts_ms\":1}").kind());
    assertEquals(ErrorKind.MISSING_KEY, rejected("not json", null).kind());
    assertEquals(ErrorKind.MISSING_FIELD, rejected(null, "{\"after\":{\"article_id\":1},\"op\":\"c\"}").kind());
    assertEquals(ErrorKind.INVALID_FIELD, rejected(null, "{\"after\":{\"article_id\":1},\"op\":\"c\",\"ts_ms\":-4}").kind());
    for (String lsn : new String[] {"-1", "\"-1\"", "\"twelve\"", "1.5", "18446744073709551615"}) {
      DebeziumEnvelope.Rejected negative =
          rejected(null, "{\"after\":{\"article_id\":1},\"op\":\"c\",\"source\":{\"ts_ms\":1,\"lsn\":" + lsn + "}}");
      assertEquals(ErrorKind.INVALID_FIELD, negative.kind(), lsn);
      assertTrue(negative.message().startsWith("source.lsn must be a non-negative integer"), negative.message());
    }
    assertEquals(ErrorKind.MISSING_FIELD, rejected(null, "{\"after\":null,\"op\":\"u\",\"ts_ms\":1}").kind());
  }

  @Test
  void changeTimeIsTheTsMsForTheTimestampPolicy() {
    assertEquals(new Instant(T0), DebeziumEnvelope.changeTimeOf(envelope("c", 1, "x", T0, 1).getBytes(StandardCharsets.UTF_8)));
    assertNull(DebeziumEnvelope.changeTimeOf(null));
    assertNull(DebeziumEnvelope.changeTimeOf("{oops".getBytes(StandardCharsets.UTF_8)));
  }
}
