package dev.exactlyonce.payments.transforms.cdc;

import com.google.auto.value.AutoValue;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One change to one row of the source table, as read from a Debezium envelope: which row (its
 * primary key), what happened, when (the change sequence) and the row afterwards.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class ChangeEvent {
  /**
   * The primary key's values as a JSON array, in the configured key column order (e.g. {@code
   * [42]}): one string per row, equal for every change to it, so it can key state and grouping.
   */
  @SchemaFieldNumber("0")
  public abstract String getKeyJson();

  @SchemaFieldNumber("1")
  public abstract ChangeOp getOp();

  /** Where the change stands among all changes to its row; see {@code ChangeSequence}. */
  @SchemaFieldNumber("2")
  public abstract String getSequence();

  /** Debezium's {@code ts_ms}; for a tombstone, its Kafka timestamp. */
  @SchemaFieldNumber("3")
  public abstract long getTsMs();

  /** The row after the change as a JSON object; for deletes, the key columns only. */
  @SchemaFieldNumber("4")
  public abstract String getRowJson();

  @SchemaFieldNumber("5")
  public abstract KafkaCoordinates getSource();

  /** Set when the sequence came from Debezium's {@code source.lsn}; null when it had none. */
  @SchemaFieldNumber("6")
  public abstract @Nullable Long getLsn();

  public static Builder builder() {
    return new AutoValue_ChangeEvent.Builder();
  }

  /** Builder. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setKeyJson(String value);

    public abstract Builder setOp(ChangeOp value);

    public abstract Builder setSequence(String value);

    public abstract Builder setTsMs(long value);

    public abstract Builder setRowJson(String value);

    public abstract Builder setSource(KafkaCoordinates value);

    public abstract Builder setLsn(@Nullable Long value);

    public abstract ChangeEvent build();
  }
}
