package dev.exactlyonce.payments.local.standin;

import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.exactlyonce.payments.transforms.cdc.ChangeSequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.io.gcp.bigquery.StorageApiCDC;
import org.apache.beam.sdk.io.gcp.bigquery.TableRowToStorageApiProto;

/**
 * BigQuery's CDC ordering for the stand-in's change tables, applied before Beam's engine sees a
 * write. The engine reads {@code _CHANGE_SEQUENCE_NUMBER} as one 64-bit hexadecimal number and
 * cannot read BigQuery's sectioned form ({@code ts_ms/lsn}); this class compares sequences as
 * BigQuery does ({@link ChangeSequence#compare}), drops a change that is not newer than the last
 * one applied to its key, deletes included (a deleted key keeps its sequence, so a late, older
 * update cannot bring the row back), and hands the engine the changes it keeps with an
 * ever-increasing sequence of its own, which it always applies.
 *
 * <p>The sequences live as long as the stand-in's tables: {@link LocalBigQuery} keeps them beside
 * each change table's file and loads them with it. Keys are compared by their values' text, which
 * holds for STRING and INT64 key columns.
 */
final class ChangeOrdering {
  private static final Map<String, Table> TABLES = new ConcurrentHashMap<>();
  private static final AtomicLong ENGINE_SEQUENCE = new AtomicLong();

  private ChangeOrdering() {}

  /** One change table: its key columns and the last sequence applied to each key. */
  private record Table(List<String> primaryKey, Map<String, String> lastSequence) {}

  /** Orders changes to {@code table}, starting from the sequences a previous run left. */
  static void register(String table, List<String> primaryKey, Map<String, String> sequences) {
    TABLES.put(table, new Table(List.copyOf(primaryKey), new ConcurrentHashMap<>(sequences)));
  }

  static void clear() {
    TABLES.clear();
  }

  static boolean orders(String table) {
    return TABLES.containsKey(table);
  }

  /** The last sequence applied to each key of {@code table}, by key, in key order. */
  static Map<String, String> sequences(String table) {
    Table ordered = TABLES.get(table);
    return ordered == null ? Map.of() : new TreeMap<>(ordered.lastSequence());
  }

  /** The rows of one append that BigQuery would apply, sequenced for the engine. */
  static ProtoRows admit(String table, DescriptorProtos.DescriptorProto descriptorProto, ProtoRows rows)
      throws InvalidProtocolBufferException {
    Table ordered = TABLES.get(table);
    if (ordered == null) {
      return rows;
    }
    Descriptor descriptor;
    try {
      descriptor = TableRowToStorageApiProto.wrapDescriptorProto(descriptorProto);
    } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
      throw new IllegalStateException("BigQueryIO sent an invalid row descriptor for " + table, e);
    }
    FieldDescriptor sequenceField = descriptor.findFieldByName(StorageApiCDC.CHANGE_SQN_COLUMN);
    if (sequenceField == null) {
      return rows;
    }
    List<FieldDescriptor> keyFields = new ArrayList<>();
    for (String column : ordered.primaryKey()) {
      keyFields.add(descriptor.findFieldByName(column));
    }
    ProtoRows.Builder admitted = ProtoRows.newBuilder();
    for (ByteString bytes : rows.getSerializedRowsList()) {
      DynamicMessage row = DynamicMessage.parseFrom(descriptor, bytes);
      String sequence = (String) row.getField(sequenceField);
      String key = keyOf(keyFields, row);
      boolean newer;
      synchronized (ordered) {
        String last = ordered.lastSequence().get(key);
        newer = last == null || ChangeSequence.compare(sequence, last) > 0;
        if (newer) {
          ordered.lastSequence().put(key, sequence);
        }
      }
      if (newer) {
        admitted.addSerializedRows(
            row.toBuilder()
                .setField(sequenceField, Long.toHexString(ENGINE_SEQUENCE.incrementAndGet()))
                .build()
                .toByteString());
      }
    }
    return admitted.build();
  }

  /** The key as the text of its values, the form {@link LocalBigQuery} also builds from files. */
  static String keyOf(List<?> values) {
    List<String> text = new ArrayList<>(values.size());
    values.forEach(value -> text.add(String.valueOf(value)));
    return text.toString();
  }

  private static String keyOf(List<FieldDescriptor> keyFields, DynamicMessage row) {
    List<Object> values = new ArrayList<>(keyFields.size());
    for (FieldDescriptor field : keyFields) {
      values.add(field == null ? null : row.getField(field));
    }
    return keyOf(values);
  }
}
