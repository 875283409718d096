package dev.exactlyonce.payments.transforms.time;

import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.ValueState;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * An event-time timer with a value state that holds when it is set for: Beam cannot read a timer
 * back, and a stage that brings one timer forward for many elements must know whether it already
 * fires earlier.
 */
public final class MirroredTimer {
  private MirroredTimer() {}

  /** Sets the timer for {@code at} unless it is already set for an earlier moment. */
  public static void setUnlessEarlier(Timer timer, ValueState<Instant> setFor, Instant at) {
    Instant set = setFor.read();
    if (set == null || at.isBefore(set)) {
      set(timer, setFor, at);
    }
  }

  /** Sets the timer for {@code at}, or, with null, records that it is set for nothing more. */
  public static void set(Timer timer, ValueState<Instant> setFor, @Nullable Instant at) {
    if (at == null) {
      setFor.clear();
      return;
    }
    timer.set(at);
    setFor.write(at);
  }
}
