package dev.exactlyonce.payments.model;

/** Why a record went to the dead-letter table instead of the payment tables. */
public enum ErrorKind {
  /** Not a JSON object at all (bad bytes, bad JSON, a tombstone, an array...). */
  UNPARSEABLE,
  /** A required field is absent, null or blank. */
  MISSING_FIELD,
  /** A field is present but its value breaks a rule (amount, currency, type). */
  INVALID_FIELD,
  /**
   * {@code event_time} is present but is not an RFC 3339 timestamp Beam can represent, or is
   * further ahead of its Kafka record's timestamp than clocks can disagree.
   */
  BAD_TIMESTAMP,
  /** Arrived after the deduplication horizon of its event time had closed. */
  LATE,
  /** A change event whose {@code op} is not one of Debezium's c, u, d, r (CDC pipeline). */
  UNKNOWN_OP,
  /**
   * A change event, or a tombstone, from which no primary key can be read: not in {@code after}
   * or {@code before}, nor in the Kafka key (CDC pipeline).
   */
  MISSING_KEY,
  /** BigQuery refused the row built from a valid record. */
  WRITE_FAILED;

  /** Kinds that describe an input record; WRITE_FAILED describes an output row. */
  public boolean isInputRejection() {
    return this != WRITE_FAILED;
  }
}
