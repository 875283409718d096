package dev.exactlyonce.payments.model;

/** Why a record went to the dead-letter table instead of the payment tables. */
public enum ErrorKind {
  /** Not a JSON object at all (bad bytes, bad JSON, a tombstone, an array...). */
  UNPARSEABLE,
  /** A required field is absent, null or blank. */
  MISSING_FIELD,
  /** A field is present but its value breaks a rule (amount, currency, type). */
  INVALID_FIELD,
  /** {@code event_time} is present but is not an RFC 3339 timestamp Beam can represent. */
  BAD_TIMESTAMP,
  /** Arrived after the deduplication horizon of its event time had closed. */
  LATE,
  /** BigQuery refused the row built from a valid record. */
  WRITE_FAILED;

  /** Kinds that describe an input record; WRITE_FAILED describes an output row. */
  public boolean isInputRejection() {
    return this != WRITE_FAILED;
  }
}
