package dev.exactlyonce.payments.transforms.cdc;

/** What a change event does to its row, from Debezium's {@code op} (or a tombstone). */
public enum ChangeOp {
  /** {@code c}: a row was inserted. */
  CREATE,
  /** {@code u}: a row was updated. */
  UPDATE,
  /** {@code r}: a row was read by the connector's snapshot. */
  READ,
  /** {@code d}: a row was deleted. */
  DELETE,
  /** A Kafka record with a key and no value: Debezium's marker that the key is gone. */
  TOMBSTONE;

  /** Whether the row is gone after this change; otherwise it holds the change's {@code after}. */
  public boolean removesRow() {
    return this == DELETE || this == TOMBSTONE;
  }

  /** The op as Debezium writes it; a tombstone has none. */
  public String code() {
    switch (this) {
      case CREATE:
        return "c";
      case UPDATE:
        return "u";
      case READ:
        return "r";
      case DELETE:
        return "d";
      default:
        return "tombstone";
    }
  }
}
