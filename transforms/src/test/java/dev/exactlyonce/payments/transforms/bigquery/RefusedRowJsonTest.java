package dev.exactlyonce.payments.transforms.bigquery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.exactlyonce.payments.transforms.TestEvents;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Rows carry Joda instants and BigDecimals to the write; a row refused before it reached BigQuery
 * still reaches the dead-letter table as readable JSON.
 */
class RefusedRowJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void timestampsAreIsoTextAndAmountsKeepTheirCents() throws Exception {
    byte[] json =
        StorageWrite.rowJson(
            TableRows.transaction(
                TestEvents.payment(7, "tx-1", "1200.50", "EUR", TestEvents.T0.plus(123))));
    JsonNode row = JSON.readTree(json);

    assertEquals("tx-1", row.get("transaction_id").asText());
    assertEquals(TestEvents.T0.plus(123).toString(), row.get("event_time").asText());
    assertEquals(TestEvents.T0.toString(), row.get("received_at").asText());
    assertTrue(new String(json, StandardCharsets.UTF_8).contains("\"amount\":1200.50"), "cents kept");
    assertEquals(7, row.get("kafka_offset").asLong());
  }
}
