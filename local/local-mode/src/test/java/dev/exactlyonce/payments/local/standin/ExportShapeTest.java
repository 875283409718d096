package dev.exactlyonce.payments.local.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.services.bigquery.model.TableFieldSchema;
import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import dev.exactlyonce.payments.transforms.bigquery.TableSchemas;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExportShapeTest {
  private static final String EXPORTED = "2026-03-01 10:00:00.123000 UTC";

  private static TableRow auditRow(String timestamp) {
    return new TableRow()
        .set("transaction_id", "tx-1")
        .set("event_time", timestamp)
        .set("first_seen_at", timestamp)
        .set("last_seen_at", timestamp)
        .set("duplicate_copies", 2L);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-03-01T10:00:00.123Z", // RFC 3339, as the pipeline's TableRows set it
        "2026-03-01T11:00:00.123+01:00", // RFC 3339 with an offset
        "2026-03-01 10:00:00.123000 UTC", // the export shape, as a reopened table file holds it
        "2026-03-01 T10:00:00.123", // the engine's rendering after the Storage Write API
        "2026-03-01 T10:00:00.123000", // the engine's rendering, microsecond digits
      })
  void everyTimestampShapeComesOutInExportShape(String timestamp) {
    Map<String, Object> shaped = ExportShape.of(auditRow(timestamp), TableSchemas.audit());

    assertEquals(EXPORTED, shaped.get("event_time"));
    assertEquals(EXPORTED, shaped.get("first_seen_at"));
    assertEquals(EXPORTED, shaped.get("last_seen_at"));
  }

  @Test
  void timestampWithoutFractionGetsSixZeroDigits() {
    Map<String, Object> shaped = ExportShape.of(auditRow("2026-03-01T10:00:00Z"), TableSchemas.audit());

    assertEquals("2026-03-01 10:00:00.000000 UTC", shaped.get("event_time"));
  }

  @Test
  void enginesWholeSecondAndMicrosecondRenderingsComeOutInExportShape() {
    TableRow row = auditRow("2026-03-01 T10:00:00").set("first_seen_at", "2026-03-01 T10:05:00.000001");

    Map<String, Object> shaped = ExportShape.of(row, TableSchemas.audit());

    assertEquals("2026-03-01 10:00:00.000000 UTC", shaped.get("event_time"));
    assertEquals("2026-03-01 10:05:00.000001 UTC", shaped.get("first_seen_at"));
  }

  @Test
  void exportShapeIsAFixedPointOfItself() {
    Map<String, Object> once = ExportShape.of(auditRow("2026-03-01T10:00:00.123Z"), TableSchemas.audit());
    TableRow again = new TableRow();
    again.putAll(once);

    assertEquals(once, ExportShape.of(again, TableSchemas.audit()));
  }

  @Test
  void parseTimestampReadsEveryShapeAsTheSameInstant() {
    Instant expected = Instant.parse("2026-03-01T10:00:00.123Z");

    assertEquals(expected, ExportShape.parseTimestamp("2026-03-01T10:00:00.123Z"));
    assertEquals(expected, ExportShape.parseTimestamp(EXPORTED));
    assertEquals(expected, ExportShape.parseTimestamp("2026-03-01 T10:00:00.123"));
    assertEquals(expected, ExportShape.parseTimestamp("  2026-03-01T10:00:00.123Z "));
  }

  @Test
  void textThatIsNoTimestampIsRejectedNamingIt() {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> ExportShape.of(auditRow("yesterday"), TableSchemas.audit()));

    assertTrue(error.getMessage().contains("yesterday"), error.getMessage());
  }

  @Test
  void nullAndAbsentColumnsAreLeftOut() {
    TableRow row = new TableRow().set("error_kind", "UNPARSEABLE").set("message", "not valid JSON").set("transaction_id", null);

    Map<String, Object> shaped = ExportShape.of(row, TableSchemas.deadLetter());

    assertEquals(Map.of("error_kind", "UNPARSEABLE", "message", "not valid JSON"), shaped);
    assertFalse(shaped.containsKey("transaction_id"));
    assertFalse(shaped.containsKey("event_time"));
  }

  @Test
  void columnsComeOutInSchemaOrderWhateverTheRowOrder() {
    TableRow row = new TableRow()
        .set("pane_timing", "ON_TIME")
        .set("pane_index", 0L)
        .set("high_risk_count", 1L)
        .set("max_amount", "9.00")
        .set("average_amount", "5.00")
        .set("total_amount", "10.00")
        .set("payment_count", 2L)
        .set("currency", "USD")
        .set("window_end", "2026-03-01T10:01:00Z")
        .set("window_start", "2026-03-01T10:00:00Z");

    Map<String, Object> shaped = ExportShape.of(row, TableSchemas.metrics());

    List<String> schemaOrder = TableSchemas.metrics().getFields().stream().map(TableFieldSchema::getName).toList();
    assertEquals(schemaOrder, List.copyOf(shaped.keySet()));
  }

  @Test
  void int64AndNumericComeOutAsStrings() {
    TableRow row = new TableRow()
        .set("window_start", "2026-03-01T10:00:00Z")
        .set("window_end", "2026-03-01T10:01:00Z")
        .set("currency", "USD")
        .set("payment_count", 2L)
        .set("total_amount", "10.00")
        .set("average_amount", "5.00")
        .set("max_amount", "9.00")
        .set("high_risk_count", 0)
        .set("pane_index", 12L)
        .set("pane_timing", "ON_TIME");

    Map<String, Object> shaped = ExportShape.of(row, TableSchemas.metrics());

    assertEquals("2", shaped.get("payment_count"));
    assertEquals("0", shaped.get("high_risk_count"));
    assertEquals("12", shaped.get("pane_index"));
    assertEquals("10.00", shaped.get("total_amount"));
  }

  @Test
  void bytesAsTheEngineGivesThemStayBase64() {
    TableRow row = new TableRow().set("error_kind", "UNPARSEABLE").set("message", "m").set("raw_value", "e29vcHM=");

    assertEquals("e29vcHM=", ExportShape.of(row, TableSchemas.deadLetter()).get("raw_value"));
  }

  /**
   * The engine gives NUMERIC values with zeros before the point in scientific notation (1230.00
   * comes back as "1.23E+3"); BigQuery's JSON export writes them plain.
   */
  @Test
  void numericInScientificNotationComesOutAsAPlainDecimal() {
    TableRow row = new TableRow()
        .set("transaction_id", "tx-1")
        .set("amount", "1.23E+3");

    assertEquals("1230", ExportShape.of(row, TableSchemas.transactions()).get("amount"));
  }

  @Test
  void repeatedColumnsStayLists() {
    TableRow row = new TableRow().set("transaction_id", "tx-1").set("risk_reasons", List.of("LARGE_AMOUNT", "NEW_RECEIVER"));

    Map<String, Object> shaped = ExportShape.of(row, TableSchemas.fraud());

    assertEquals(List.of("LARGE_AMOUNT", "NEW_RECEIVER"), shaped.get("risk_reasons"));
  }

  @Test
  void emptyRepeatedColumnStaysAnEmptyList() {
    TableRow row = new TableRow().set("transaction_id", "tx-1").set("risk_reasons", List.of());

    Map<String, Object> shaped = ExportShape.of(row, TableSchemas.fraud());

    assertEquals(List.of(), shaped.get("risk_reasons"));
  }

  @Test
  void eachElementOfARepeatedColumnIsShapedByTheColumnType() {
    TableSchema schema = new TableSchema().setFields(List.of(
        new TableFieldSchema().setName("seen_at").setType("TIMESTAMP").setMode("REPEATED"),
        new TableFieldSchema().setName("counts").setType("INT64").setMode("REPEATED")));
    TableRow row = new TableRow()
        .set("seen_at", List.of("2026-03-01T10:00:00.123Z", "2026-03-01 T10:00:00.123"))
        .set("counts", List.of(1L, 2L));

    Map<String, Object> shaped = ExportShape.of(row, schema);

    assertEquals(List.of(EXPORTED, EXPORTED), shaped.get("seen_at"));
    assertEquals(List.of("1", "2"), shaped.get("counts"));
  }
}
