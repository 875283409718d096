package dev.exactlyonce.payments.transforms.bigquery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.api.services.bigquery.model.TableReference;
import dev.exactlyonce.payments.transforms.bigquery.PinnedTable.ParsedDestination;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryHelpers;
import org.apache.beam.sdk.io.gcp.bigquery.TableDestination;
import org.apache.beam.sdk.io.gcp.bigquery.TableDestinationCoderV3;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/**
 * A pinned destination parses its table spec once, and is otherwise the destination BigQueryIO
 * would have built: the same reference, equal to its own decoded copy, and never shared with a
 * caller that fills in the project.
 */
class PinnedTableTest {

  @Test
  void referenceIsTheParsedSpecWithOrWithoutAProject() {
    for (String spec : new String[] {"my-project:payments.payment_transactions", "payments.payment_transactions_fraud"}) {
      TableReference expected = BigQueryHelpers.parseTableSpec(spec);
      TableReference pinned = new ParsedDestination(spec, null, null).getTableReference();
      assertEquals(expected.getProjectId(), pinned.getProjectId(), spec);
      assertEquals(expected.getDatasetId(), pinned.getDatasetId(), spec);
      assertEquals(expected.getTableId(), pinned.getTableId(), spec);
    }
  }

  @Test
  void everyCallerGetsAReferenceOfItsOwn() {
    ParsedDestination destination = new ParsedDestination("payments.payment_transactions_fraud", null, null);
    TableReference first = destination.getTableReference();
    // What TableDestination.getTableUrn does to the reference it gets when the spec has no project.
    first.setProjectId("filled-in-by-a-caller");

    TableReference second = destination.getTableReference();
    assertNotSame(first, second);
    assertNull(second.getProjectId());
  }

  @Test
  void equalToTheDestinationItDecodesAsWithTheSameHash() throws Exception {
    ParsedDestination pinned =
        new ParsedDestination(
            "my-project:payments.payment_transactions",
            TableSchemas.transactionsPartitioning(),
            TableSchemas.transactionsClustering());
    TableDestination decoded =
        CoderUtils.clone(TableDestinationCoderV3.of(), pinned);
    TableDestination plain =
        new TableDestination(
            "my-project:payments.payment_transactions",
            null,
            TableSchemas.transactionsPartitioning(),
            TableSchemas.transactionsClustering());

    for (TableDestination other : new TableDestination[] {decoded, plain}) {
      assertEquals(other, pinned);
      assertEquals(pinned, other);
      assertEquals(other.hashCode(), pinned.hashCode());
    }
    assertEquals(plain.getJsonClustering(), decoded.getJsonClustering());
  }
}
