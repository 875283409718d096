package dev.exactlyonce.payments.transforms.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.api.services.bigquery.model.TableRow;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.transforms.bigquery.WriteChangesToBigQuery;
import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation.MutationType;
import org.junit.jupiter.api.Test;

class ChangeRowsTest {
  private static final ChangeTable TABLE =
      ChangeTable.of("articles", "article_id:INT64,title:STRING,price:NUMERIC,published:BOOL,updated_at:TIMESTAMP", "article_id");

  private static ChangeEvent change(ChangeOp op, String rowJson) {
    return ChangeEvent.builder()
        .setKeyJson("[7]")
        .setOp(op)
        .setSequence(ChangeSequence.of(1_000, 5))
        .setTsMs(1_000)
        .setRowJson(rowJson)
        .setSource(KafkaCoordinates.of("t", 0, 1))
        .setLsn(5L)
        .build();
  }

  @Test
  void columnsKeepExactValuesAndFieldsBeyondThemGoToExtra() {
    TableRow row = ChangeRows.row(change(ChangeOp.UPDATE,
        "{\"article_id\":7,\"title\":\"t\",\"price\":0.10,\"published\":true,\"updated_at\":1772359200000,\"tags\":[\"a\"],\"rank\":3}"), TABLE);
    assertEquals(7L, row.get("article_id"));
    assertEquals("0.10", row.get("price"), "money stays an exact decimal string, never a double");
    assertEquals(true, row.get("published"));
    assertEquals("2026-03-01T10:00:00.000Z", row.get("updated_at"), "Debezium's epoch milliseconds");
    assertEquals("{\"tags\":[\"a\"],\"rank\":3}", row.get("_extra"));
    assertEquals("u", row.get("_op"));
    assertEquals(ChangeSequence.of(1_000, 5), row.get("_change_sequence"));
  }

  @Test
  void anIntegerBeyondALongIsSentAsWrittenForBigQueryToRefuseNotWrapped() {
    TableRow row = ChangeRows.row(change(ChangeOp.UPDATE, "{\"article_id\":18446744073709551615}"), TABLE);
    assertEquals("18446744073709551615", row.get("article_id"));
  }

  @Test
  void aDeleteCarriesTheKeyAndIsWrittenAsADelete() {
    ChangeEvent delete = change(ChangeOp.DELETE, "{\"article_id\":7}");
    TableRow row = ChangeRows.row(delete, TABLE);
    assertEquals(7L, row.get("article_id"));
    assertFalse(row.containsKey("_extra"));
    assertEquals(MutationType.DELETE, WriteChangesToBigQuery.mutationOf(delete).getMutationType());
    assertEquals(MutationType.DELETE, WriteChangesToBigQuery.mutationOf(change(ChangeOp.TOMBSTONE, "{\"article_id\":7}")).getMutationType());
    assertEquals(MutationType.UPSERT, WriteChangesToBigQuery.mutationOf(change(ChangeOp.READ, "{\"article_id\":7}")).getMutationType());
  }

  @Test
  void theTableHasTheKeyRequiredTheRestNullableAndTheChangeColumns() {
    assertEquals("REQUIRED", TABLE.schema().getFields().get(0).getMode());
    assertEquals("NULLABLE", TABLE.schema().getFields().get(1).getMode());
    assertEquals(
        java.util.List.of("article_id", "title", "price", "published", "updated_at", "_extra", "_op", "_ts_ms", "_lsn", "_change_sequence"),
        TABLE.schema().getFields().stream().map(f -> f.getName()).toList());
    assertThrows(IllegalArgumentException.class, () -> ChangeTable.of("a", "id:INT64", "missing"));
    assertThrows(IllegalArgumentException.class, () -> ChangeTable.of("a", "id:VARCHAR", "id"));
    assertThrows(IllegalArgumentException.class, () -> ChangeTable.of("a", "id:INT64,_op:STRING", "id"));
  }
}
