package dev.exactlyonce.payments.model;

import com.google.auto.value.AutoValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/**
 * A record the pipeline did not turn into a payment row, with everything needed to find, explain
 * and replay it: the bytes exactly as received, where they came from, and why.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class DeadLetter {
  @SchemaFieldNumber("0")
  public abstract ErrorKind getErrorKind();

  @SchemaFieldNumber("1")
  public abstract String getMessage();

  /** Null only for rows that never came from Kafka (a refused output row). */
  @SchemaFieldNumber("2")
  public abstract @Nullable KafkaCoordinates getSource();

  @SuppressWarnings("mutable")
  @SchemaFieldNumber("3")
  public abstract byte @Nullable [] getRawKey();

  @SuppressWarnings("mutable")
  @SchemaFieldNumber("4")
  public abstract byte @Nullable [] getRawValue();

  /** Set when the record was readable enough to say which payment it meant. */
  @SchemaFieldNumber("5")
  public abstract @Nullable String getTransactionId();

  @SchemaFieldNumber("6")
  public abstract @Nullable Instant getEventTime();

  /** Kafka record timestamp; null for refused output rows. */
  @SchemaFieldNumber("7")
  public abstract @Nullable Instant getReceivedAt();

  public static Builder builder() {
    return new AutoValue_DeadLetter.Builder();
  }

  /** A rejected Kafka record: why, where it sat, its bytes as received and when it arrived. */
  public static Builder ofRecord(
      ErrorKind kind,
      String message,
      KafkaCoordinates source,
      byte @Nullable [] rawKey,
      byte @Nullable [] rawValue,
      Instant receivedAt) {
    return builder()
        .setErrorKind(kind)
        .setMessage(message)
        .setSource(source)
        .setRawKey(rawKey)
        .setRawValue(rawValue)
        .setReceivedAt(receivedAt);
  }

  /** Builder. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setErrorKind(ErrorKind value);

    public abstract Builder setMessage(String value);

    public abstract Builder setSource(@Nullable KafkaCoordinates value);

    public abstract Builder setRawKey(byte @Nullable [] value);

    public abstract Builder setRawValue(byte @Nullable [] value);

    public abstract Builder setTransactionId(@Nullable String value);

    public abstract Builder setEventTime(@Nullable Instant value);

    public abstract Builder setReceivedAt(@Nullable Instant value);

    public abstract DeadLetter build();
  }
}
