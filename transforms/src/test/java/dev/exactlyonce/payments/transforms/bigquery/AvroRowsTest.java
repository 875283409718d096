package dev.exactlyonce.payments.transforms.bigquery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.api.services.bigquery.model.TableRow;
import com.google.api.services.bigquery.model.TableSchema;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.protobuf.Descriptors.Descriptor;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.RiskLevel;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.transforms.TestEvents;
import dev.exactlyonce.payments.transforms.bigquery.TableRows.ColumnWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.beam.sdk.io.gcp.bigquery.AvroGenericRecordToStorageApiProto;
import org.apache.beam.sdk.io.gcp.bigquery.AvroWriteRequest;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryUtils;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowToStorageApiProto;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The payment tables reach BigQuery as Avro records (StorageWrite.RowFormat#avro): through
 * BigQueryIO's own converters, each must become the very bytes its {@link TableRow} became, in the
 * column types of {@link TableSchemas}, whether optional columns are present or not.
 */
class AvroRowsTest {

  private static final Payment EVERY_COLUMN =
      TestEvents.payment(
          41,
          "{\"transaction_id\":\"tx-1\",\"sender_account\":\"ACC-1\",\"receiver_account\":\"ACC-2\","
              + "\"amount\":\"1234.50\",\"currency\":\"EUR\",\"event_time\":\"2026-03-01T09:59:58.125Z\","
              + "\"payment_method\":\"card\",\"merchant_category\":\"5411\",\"country\":\"DE\","
              + "\"device\":{\"id\":\"d-9\",\"trusted\":true}}");
  private static final Payment REQUIRED_ONLY =
      TestEvents.payment(
          42,
          "{\"transaction_id\":\"tx-2\",\"sender_account\":\"ACC-3\",\"receiver_account\":\"ACC-3\","
              + "\"amount\":0.01,\"currency\":\"JPY\",\"event_time\":\"2026-03-01T09:00:00Z\"}");

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("a payment with every column", TableSchemas.transactions(), EVERY_COLUMN,
            (ColumnWriter<Payment>) TableRows::transaction, (Function<Payment, TableRow>) TableRows::transaction),
        Arguments.of("a payment with only the required ones", TableSchemas.transactions(), REQUIRED_ONLY,
            (ColumnWriter<Payment>) TableRows::transaction, (Function<Payment, TableRow>) TableRows::transaction),
        Arguments.of("a scored payment with reasons", TableSchemas.fraud(),
            ScoredPayment.of(EVERY_COLUMN, 70, RiskLevel.HIGH, List.of("HIGH_AMOUNT", "VELOCITY")),
            (ColumnWriter<ScoredPayment>) TableRows::fraud, (Function<ScoredPayment, TableRow>) TableRows::fraud),
        Arguments.of("a scored payment without", TableSchemas.fraud(),
            ScoredPayment.of(REQUIRED_ONLY, 0, RiskLevel.LOW, List.of()),
            (ColumnWriter<ScoredPayment>) TableRows::fraud, (Function<ScoredPayment, TableRow>) TableRows::fraud));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  <T> void anAvroRecordBecomesTheBytesItsTableRowBecomes(
      String description, TableSchema schema, T value, ColumnWriter<T> columns, Function<T, TableRow> tableRow)
      throws Exception {
    Schema avro = BigQueryUtils.toGenericAvroSchema(schema);
    Descriptor avroDescriptor =
        TableRowToStorageApiProto.getDescriptorFromTableSchema(
            AvroGenericRecordToStorageApiProto.protoTableSchemaFromAvroSchema(avro), true, true);
    Descriptor tableDescriptor = TableRowToStorageApiProto.getDescriptorFromTableSchema(schema, true, true);

    byte[] throughAvro =
        AvroGenericRecordToStorageApiProto.messageFromGenericRecord(
                avroDescriptor, StorageWrite.avroRecord(new AvroWriteRequest<>(value, avro), columns), "UPSERT", "7")
            .toByteArray();
    byte[] throughTableRow =
        TableRowToStorageApiProto.messageFromTableRow(
                TableRowToStorageApiProto.SchemaInformation.fromTableSchema(
                    TableRowToStorageApiProto.schemaToProtoTableSchema(schema)),
                tableDescriptor, tableRow.apply(value), false, false, null, "UPSERT", 7L)
            .toByteArray();

    assertArrayEquals(throughTableRow, throughAvro, () -> new String(throughAvro, StandardCharsets.ISO_8859_1));
  }

  /** BigQuery reads the bytes by the table's column types: NUMERIC must not turn BIGNUMERIC. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void theAvroSchemaKeepsEveryColumnsTypeAndMode(String description, TableSchema schema) {
    List<TableFieldSchema> expected = TableRowToStorageApiProto.schemaToProtoTableSchema(schema).getFieldsList();
    List<TableFieldSchema> throughAvro =
        AvroGenericRecordToStorageApiProto.protoTableSchemaFromAvroSchema(BigQueryUtils.toGenericAvroSchema(schema))
            .getFieldsList();

    assertEquals(expected.size(), throughAvro.size());
    for (int i = 0; i < expected.size(); i++) {
      TableFieldSchema want = expected.get(i);
      TableFieldSchema got = throughAvro.get(i);
      assertEquals(want.getName(), got.getName());
      assertEquals(want.getMode(), got.getMode(), want.getName());
      // The Avro schema carries JSON as a string; on the wire both are strings.
      TableFieldSchema.Type wantType =
          want.getType() == TableFieldSchema.Type.JSON ? TableFieldSchema.Type.STRING : want.getType();
      TableFieldSchema.Type gotType =
          got.getType() == TableFieldSchema.Type.JSON ? TableFieldSchema.Type.STRING : got.getType();
      assertEquals(wantType, gotType, want.getName());
    }
  }
}
