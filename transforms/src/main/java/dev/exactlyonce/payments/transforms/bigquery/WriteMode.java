package dev.exactlyonce.payments.transforms.bigquery;

/** How rows reach BigQuery, and so what a replay of the same input does to the tables. */
public enum WriteMode {
  /**
   * Storage Write API, exactly-once method: appends to buffered streams at offsets kept in Beam
   * state. Exactly once where the runner commits state and output together (Dataflow); a replay of
   * input the pipeline already wrote (a restart without that state) appends the rows again.
   */
  EXACTLY_ONCE,
  /**
   * Storage Write API, at-least-once method, as CDC upserts on each table's primary key with
   * deterministic change-sequence numbers: any replay collapses to one row per key, on any runner.
   */
  UPSERT
}
