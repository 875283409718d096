package dev.exactlyonce.payments.transforms.bigquery;

import com.google.api.services.bigquery.model.TableRow;
import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.model.WindowMetrics;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One {@link TableRow} per model value, in the column names of {@link TableSchemas}. Values are
 * kept in the Java types BigQueryIO's Storage Write API converts without parsing: NUMERIC as
 * {@link java.math.BigDecimal} (exact), TIMESTAMP as Joda {@link Instant}, BYTES as byte arrays,
 * JSON as JSON text. Strings would be exact too, but the write would parse every one back, and
 * that parsing was a sixth of the conversion's time (docs/benchmarks.md).
 */
public final class TableRows {
  private TableRows() {}

  /** Where a row's columns go: a {@link TableRow}, or the Avro record BigQueryIO's write encodes. */
  @FunctionalInterface
  public interface Columns {
    void put(String column, Object value);
  }

  /** One model value's columns; the same mapping feeds both kinds of row. */
  @FunctionalInterface
  public interface ColumnWriter<T> extends Serializable {
    void write(T value, Columns into);
  }

  public static TableRow transaction(Payment payment) {
    TableRow row = new TableRow();
    transaction(payment, row::set);
    return row;
  }

  public static void transaction(Payment payment, Columns row) {
    KafkaCoordinates source = payment.getSource();
    row.put("transaction_id", payment.getTransactionId());
    row.put("sender_account", payment.getSenderAccount());
    row.put("receiver_account", payment.getReceiverAccount());
    row.put("amount", payment.getAmount());
    row.put("currency", payment.getCurrency());
    row.put("event_time", payment.getEventTime());
    row.put("kafka_topic", source.getTopic());
    row.put("kafka_partition", (long) source.getPartition());
    row.put("kafka_offset", source.getOffset());
    row.put("received_at", payment.getReceivedAt());
    putIfPresent(row, "payment_method", payment.getPaymentMethod());
    putIfPresent(row, "merchant_category", payment.getMerchantCategory());
    putIfPresent(row, "country", payment.getCountry());
    putIfPresent(row, "attributes", payment.getExtraAttributesJson());
  }

  public static TableRow fraud(ScoredPayment scored) {
    TableRow row = new TableRow();
    fraud(scored, row::set);
    return row;
  }

  public static void fraud(ScoredPayment scored, Columns row) {
    transaction(scored.getPayment(), row);
    row.put("risk_score", (long) scored.getRiskScore());
    row.put("risk_level", scored.getRiskLevel().name());
    row.put("risk_reasons", scored.getRiskReasons());
  }

  public static TableRow metrics(WindowMetrics metrics) {
    return new TableRow()
        .set("window_start", metrics.getWindowStart())
        .set("window_end", metrics.getWindowEnd())
        .set("currency", metrics.getCurrency())
        .set("payment_count", metrics.getPaymentCount())
        .set("total_amount", metrics.getTotalAmount())
        .set("average_amount", metrics.getAverageAmount())
        .set("max_amount", metrics.getMaxAmount())
        .set("high_risk_count", metrics.getHighRiskCount())
        .set("pane_index", metrics.getPaneIndex())
        .set("pane_timing", metrics.getPaneTiming());
  }

  public static TableRow audit(DuplicateAudit audit) {
    return new TableRow()
        .set("transaction_id", audit.getTransactionId())
        .set("event_time", audit.getEventTime())
        .set("first_seen_at", audit.getFirstSeenAt())
        .set("last_seen_at", audit.getLastSeenAt())
        .set("duplicate_copies", audit.getDuplicateCopies());
  }

  public static TableRow deadLetter(DeadLetter deadLetter) {
    TableRow row =
        new TableRow()
            .set("dead_letter_id", deadLetterId(deadLetter))
            .set("error_kind", deadLetter.getErrorKind().name())
            .set("message", deadLetter.getMessage());
    KafkaCoordinates source = deadLetter.getSource();
    if (source != null) {
      row.set("kafka_topic", source.getTopic())
          .set("kafka_partition", (long) source.getPartition())
          .set("kafka_offset", source.getOffset());
    }
    putIfPresent(row::set, "raw_key", deadLetter.getRawKey());
    putIfPresent(row::set, "raw_value", deadLetter.getRawValue());
    putIfPresent(row::set, "transaction_id", deadLetter.getTransactionId());
    putIfPresent(row::set, "event_time", deadLetter.getEventTime());
    putIfPresent(row::set, "received_at", deadLetter.getReceivedAt());
    return row;
  }

  /**
   * One id per dead letter, stable across replays: {@code topic/partition/offset} of the record.
   * A row BigQuery refused is a dead letter of its own (one record can have several refused rows,
   * one per table): {@code refused/} and a digest of the refusal's message and row.
   */
  static String deadLetterId(DeadLetter deadLetter) {
    KafkaCoordinates source = deadLetter.getSource();
    if (deadLetter.getErrorKind() != ErrorKind.WRITE_FAILED && source != null) {
      return source.getTopic() + "/" + source.getPartition() + "/" + source.getOffset();
    }
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(deadLetter.getMessage().getBytes(StandardCharsets.UTF_8));
      if (deadLetter.getRawValue() != null) {
        digest.update(deadLetter.getRawValue());
      }
      return "refused/" + HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void putIfPresent(Columns row, String column, @Nullable Object value) {
    if (value != null) {
      row.put(column, value);
    }
  }
}
