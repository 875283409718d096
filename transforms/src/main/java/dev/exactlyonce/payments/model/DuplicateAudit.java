package dev.exactlyonce.payments.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/** What deduplication saw of one transaction that arrived more than once. */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class DuplicateAudit {
  @SchemaFieldNumber("0")
  public abstract String getTransactionId();

  @SchemaFieldNumber("1")
  public abstract Instant getEventTime();

  /** Earliest Kafka record timestamp among all copies: when the payment was first seen. */
  @SchemaFieldNumber("2")
  public abstract Instant getFirstSeenAt();

  /** Latest Kafka record timestamp among all copies. */
  @SchemaFieldNumber("3")
  public abstract Instant getLastSeenAt();

  /** Copies dropped: every copy but the one kept. Always at least 1. */
  @SchemaFieldNumber("4")
  public abstract long getDuplicateCopies();

  public static DuplicateAudit of(
      String transactionId,
      Instant eventTime,
      Instant firstSeenAt,
      Instant lastSeenAt,
      long duplicateCopies) {
    return new AutoValue_DuplicateAudit(
        transactionId, eventTime, firstSeenAt, lastSeenAt, duplicateCopies);
  }
}
