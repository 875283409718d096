package dev.exactlyonce.payments.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.bigquery.TableRows;
import dev.exactlyonce.payments.transforms.bigquery.TableSchemas;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowToStorageApiProto;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The tally reads a payment row's four columns off the wire as the pipeline's write encodes them. */
class CountingTablesTest {
  private static final Instant RECEIVED = Instant.parse("2026-12-05T10:00:00.250Z");

  private static Payment payment(String id, String amount, String attributes) {
    return Payment.builder()
        .setTransactionId(id)
        .setSenderAccount("acct-1")
        .setReceiverAccount("acct-2")
        .setAmount(new BigDecimal(amount))
        .setCurrency("EUR")
        .setEventTime(RECEIVED.minus(1_000))
        .setPaymentMethod("card")
        .setExtraAttributesJson(attributes)
        .setSource(KafkaCoordinates.of("payments", 3, 41L))
        .setReceivedAt(RECEIVED)
        .build();
  }

  /** The row exactly as BigQueryIO's Storage Write path serializes it for this table. */
  private static ByteString wireRow(Descriptors.Descriptor descriptor, Payment payment) throws Exception {
    return TableRowToStorageApiProto.messageFromTableRow(
            TableRowToStorageApiProto.SchemaInformation.fromTableSchema(
                TableRowToStorageApiProto.schemaToProtoTableSchema(TableSchemas.transactions())),
            descriptor, TableRows.transaction(payment), false, false, null, null, -1)
        .toByteString();
  }

  @Test
  void readsIdAmountCurrencyAndProductionTimeAndCountsASecondRowAsWrittenAgain() throws Exception {
    Descriptors.Descriptor descriptor =
        TableRowToStorageApiProto.getDescriptorFromTableSchema(TableSchemas.transactions(), true, false);
    CountingTables.PaymentRowFields fields = CountingTables.PaymentRowFields.of(descriptor);
    CountingTables.Tally tally = new CountingTables.Tally("payment_transactions", 4);

    CountingTables.arrived(tally, fields, wireRow(descriptor, payment("tx-1", "1234.50", "{\"a\":1}")), 10_000);
    CountingTables.arrived(tally, fields, wireRow(descriptor, payment("tx-2", "0.01", null)), 10_005);
    CountingTables.arrived(tally, fields, wireRow(descriptor, payment("tx-1", "1234.50", null)), 10_009);

    assertEquals(Set.of("tx-1", "tx-2"), tally.transactionIds);
    assertEquals(1, tally.rowsWrittenAgain.get());
    assertEquals(0, new BigDecimal("1234.51").compareTo(tally.totals.get("EUR")), tally.totals.toString());
    assertEquals(Map.of("EUR", tally.totals.get("EUR")), tally.totals);
    assertEquals(2, tally.arrived.get());
    assertEquals(10_000 - RECEIVED.getMillis(), tally.latencyMillis.get(0));
    assertEquals(10_005, tally.arrivalMillis.get(1));
  }

  @Test
  void aRowWithoutItsAmountIsRefusedNotCountedAsZero() throws Exception {
    Descriptors.Descriptor descriptor =
        TableRowToStorageApiProto.getDescriptorFromTableSchema(TableSchemas.audit(), true, false);
    CountingTables.Tally tally = new CountingTables.Tally("payment_transactions", 1);
    Descriptors.Descriptor transactions =
        TableRowToStorageApiProto.getDescriptorFromTableSchema(TableSchemas.transactions(), true, false);
    ByteString idOnly = ByteString.copyFrom(
        DynamicMessage.newBuilder(transactions)
            .setField(transactions.findFieldByName("transaction_id"), "tx-9")
            .buildPartial()
            .toByteArray());

    assertThrows(
        IllegalStateException.class,
        () -> CountingTables.arrived(tally, CountingTables.PaymentRowFields.of(transactions), idOnly, 1));
    assertThrows(IllegalStateException.class, () -> CountingTables.PaymentRowFields.of(descriptor));
    assertEquals(0, tally.arrived.get());
  }
}
