package dev.exactlyonce.payments.transforms.kafka;

import java.io.Serializable;

/**
 * A request to drain a streaming run: once raised, and once a partition is quiet, the Kafka
 * watermark jumps to the end of time, every window closes, every table is flushed and the pipeline
 * finishes as a streaming pipeline would on drain. Production runs are drained by their runner
 * (Dataflow's drain, Flink's stop-with-savepoint) and never raise it; a local run raises it when
 * its input went idle. Asked on every watermark, so an implementation must answer cheaply.
 */
@FunctionalInterface
public interface DrainSignal extends Serializable {
  boolean isRaised();

  /** A signal that is never raised. */
  static DrainSignal never() {
    return () -> false;
  }
}
