package dev.exactlyonce.payments.runners.flink;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What {@code flink run} installs before it calls the jar's main: a context environment that
 * submits to its cluster. A subclass only to reach Flink's protected installer.
 */
final class FlinkCliEnvironment extends StreamExecutionEnvironment {
  private FlinkCliEnvironment() {}

  /** Runs {@code launch} as if under {@code flink run}. */
  static void during(Runnable launch) {
    initializeContextEnvironment(StreamExecutionEnvironment::new);
    try {
      launch.run();
    } finally {
      resetContextEnvironment();
    }
  }
}
