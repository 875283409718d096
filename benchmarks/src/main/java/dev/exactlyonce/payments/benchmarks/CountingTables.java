package dev.exactlyonce.payments.benchmarks;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutures;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BigDecimalByteStringEncoder;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.WireFormat;
import dev.exactlyonce.payments.local.standin.ForwardingAppendClient;
import dev.exactlyonce.payments.local.standin.LocalBigQuery;
import dev.exactlyonce.payments.local.standin.StreamRoutingDatasetService;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.bigquery.TableSchemas;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices.StreamAppendClient;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowToStorageApiProto;
import org.apache.beam.sdk.io.gcp.testing.FakeBigQueryServices;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.apache.beam.sdk.io.gcp.testing.FakeJobService;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The benchmark's tables: the pipeline writes through the production BigQueryIO transform (UPSERT
 * method, the default stream) up to the Storage Write API's append, where this engine accounts for
 * each row instead of keeping it. A payment row's arrival is when its append is acknowledged,
 * which is when BigQuery would show it.
 *
 * <p>Kept per JVM, because the pipeline holds serialized copies of this service. One benchmark
 * per JVM.
 */
final class CountingTables extends StreamRoutingDatasetService {
  private static final long serialVersionUID = 1L;

  private static volatile @Nullable Tally tally;

  /** What arrived in the tables. */
  static final class Tally {
    final String transactionsTable;
    final Set<String> transactionIds = ConcurrentHashMap.newKeySet();
    final AtomicLong rowsWrittenAgain = new AtomicLong();
    final Map<String, BigDecimal> totals = new ConcurrentHashMap<>();
    final Map<String, LongAdder> rowsByTable = new ConcurrentHashMap<>();
    /** Wall-clock millis at which the n-th distinct payment row arrived. */
    final AtomicLongArray arrivalMillis;
    /** Milliseconds from the record's production to its row's arrival, by arrival order. */
    final AtomicLongArray latencyMillis;
    final AtomicInteger arrived = new AtomicInteger();

    Tally(String transactionsTable, int expectedPayments) {
      this.transactionsTable = transactionsTable;
      this.arrivalMillis = new AtomicLongArray(expectedPayments);
      this.latencyMillis = new AtomicLongArray(expectedPayments);
    }

    long rows(String table) {
      LongAdder rows = rowsByTable.get(table);
      return rows == null ? 0 : rows.sum();
    }
  }

  /** Opens the tables, empty, and returns the services the pipeline writes through. */
  static BigQueryServices open(BigQueryTables tables, int expectedPayments) throws Exception {
    FakeDatasetService.setUp();
    CountingTables engine = new CountingTables();
    engine.createDataset(tables.project(), tables.dataset(), "", "benchmark tables", null);
    for (Map.Entry<String, TableSchemas.Layout> layout : TableSchemas.layouts(tables).entrySet()) {
      engine.createTable(LocalBigQuery.definition(tables, layout.getKey(), layout.getValue(), WriteMode.UPSERT));
    }
    tally = new Tally(tables.transactions(), expectedPayments);
    return new FakeBigQueryServices().withDatasetService(engine).withJobService(new FakeJobService());
  }

  static Tally tally() {
    Tally current = tally;
    if (current == null) {
      throw new IllegalStateException("no benchmark tables open");
    }
    return current;
  }

  @Override
  protected StreamAppendClient appendClient(
      StreamAppendClient engine, @Nullable String table, DescriptorProtos.DescriptorProto descriptor) throws Exception {
    if (table == null) {
      throw new IllegalStateException("the benchmark writes in UPSERT mode, through default streams only");
    }
    Tally current = tally();
    LongAdder counted = current.rowsByTable.computeIfAbsent(table, name -> new LongAdder());
    boolean payments = table.equals(current.transactionsTable);
    @Nullable PaymentRowFields fields =
        payments ? PaymentRowFields.of(TableRowToStorageApiProto.wrapDescriptorProto(descriptor)) : null;
    return new ForwardingAppendClient(engine) {
      @Override
      public ApiFuture<AppendRowsResponse> appendRows(long offset, ProtoRows protoRows) throws Exception {
        counted.add(protoRows.getSerializedRowsCount());
        if (fields != null) {
          long now = System.currentTimeMillis();
          for (ByteString row : protoRows.getSerializedRowsList()) {
            arrived(current, fields, row, now);
          }
        }
        return ApiFutures.immediateFuture(AppendRowsResponse.getDefaultInstance());
      }
    };
  }

  /**
   * The four columns the tally needs, read straight off the row's wire form: BigQuery decodes rows
   * on its side, so a full decode here would bill the pipeline for the server's work (it was 4% of
   * a profile's samples, docs/benchmarks.md, eighth pass).
   */
  static void arrived(Tally current, PaymentRowFields fields, ByteString row, long nowMillis)
      throws IOException {
    String transactionId = null;
    ByteString amount = null;
    String currency = null;
    long receivedAtMicros = 0;
    CodedInputStream in = row.newCodedInput();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (field == fields.transactionId()) {
        transactionId = in.readStringRequireUtf8();
      } else if (field == fields.amount()) {
        amount = in.readBytes();
      } else if (field == fields.currency()) {
        currency = in.readStringRequireUtf8();
      } else if (field == fields.receivedAt()) {
        receivedAtMicros = in.readInt64();
      } else {
        in.skipField(tag);
      }
    }
    if (transactionId == null || amount == null || currency == null) {
      throw new IllegalStateException("a payment row without its id, amount or currency: " + row);
    }
    arrived(
        current,
        transactionId,
        BigDecimalByteStringEncoder.decodeNumericByteString(amount),
        currency,
        receivedAtMicros / 1000,
        nowMillis);
  }

  /** Field numbers of the payment row's columns in the writer's descriptor. */
  record PaymentRowFields(int transactionId, int amount, int currency, int receivedAt) {
    static PaymentRowFields of(Descriptors.Descriptor row) {
      return new PaymentRowFields(
          number(row, "transaction_id"), number(row, "amount"), number(row, "currency"), number(row, "received_at"));
    }

    private static int number(Descriptors.Descriptor row, String column) {
      Descriptors.FieldDescriptor field = row.findFieldByName(column);
      if (field == null) {
        throw new IllegalStateException("the payment table's writer schema has no column " + column);
      }
      return field.getNumber();
    }
  }

  /** Records one payment row's arrival; a transaction seen before counts as written again. */
  static void arrived(
      Tally current, String transactionId, BigDecimal amount, String currency, long producedMillis, long nowMillis) {
    if (!current.transactionIds.add(transactionId)) {
      current.rowsWrittenAgain.incrementAndGet();
      return;
    }
    current.totals.merge(currency, amount, BigDecimal::add);
    int index = current.arrived.getAndIncrement();
    if (index < current.arrivalMillis.length()) {
      current.arrivalMillis.set(index, nowMillis);
      current.latencyMillis.set(index, nowMillis - producedMillis);
    }
  }
}
