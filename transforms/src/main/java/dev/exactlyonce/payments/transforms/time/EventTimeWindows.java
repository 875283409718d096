package dev.exactlyonce.payments.transforms.time;

import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.IncompatibleWindowException;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Fixed windows chosen by the event time carried in the element, not by the element timestamp.
 *
 * <p>Why: the Kafka timestamp policy ({@code EventTimePolicy}) never stamps a record behind
 * the watermark, so no runner ever sees late data it could drop silently. A record that arrives
 * after the watermark passed its event time is stamped at the watermark instead and keeps its real
 * event time in the payload. Windowing by that real event time keeps every copy of a payment in
 * the same window however late it arrived, and the gap between element timestamp and event time
 * tells downstream stages how late it was.
 *
 * <p>A window covers {@code [start, start + size + extension)} where {@code start} is the event
 * time rounded down to a multiple of {@code size}. With an extension, windows overlap but each
 * element still lands in exactly one; the extension keeps a late copy's element timestamp inside
 * its window, which Beam's state and timers require.
 */
public final class EventTimeWindows<T> extends NonMergingWindowFn<T, IntervalWindow> {
  private final Duration size;
  private final Duration extension;
  private final SerializableFunction<T, Instant> eventTime;

  private EventTimeWindows(
      Duration size, Duration extension, SerializableFunction<T, Instant> eventTime) {
    if (!size.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("window size must be positive, was " + size);
    }
    if (extension.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("window extension must not be negative, was " + extension);
    }
    this.size = size;
    this.extension = extension;
    this.eventTime = eventTime;
  }

  public static <T> EventTimeWindows<T> of(Duration size, SerializableFunction<T, Instant> eventTime) {
    return new EventTimeWindows<>(size, Duration.ZERO, eventTime);
  }

  /** Windows that stay open {@code extension} longer than their event-time span. */
  public EventTimeWindows<T> extendedBy(Duration extension) {
    return new EventTimeWindows<>(size, extension, eventTime);
  }

  public Duration getSize() {
    return size;
  }

  public Duration getExtension() {
    return extension;
  }

  /** The window an element with this event time belongs to. */
  public IntervalWindow windowFor(Instant time) {
    long sizeMillis = size.getMillis();
    long start = time.getMillis() - Math.floorMod(time.getMillis(), sizeMillis);
    return new IntervalWindow(new Instant(start), new Instant(start + sizeMillis + extension.getMillis()));
  }

  @Override
  public Collection<IntervalWindow> assignWindows(AssignContext c) {
    return Collections.singletonList(windowFor(eventTime.apply(c.element())));
  }

  @Override
  public boolean isCompatible(WindowFn<?, ?> other) {
    return equals(other);
  }

  @Override
  public void verifyCompatibility(WindowFn<?, ?> other) throws IncompatibleWindowException {
    if (!isCompatible(other)) {
      throw new IncompatibleWindowException(
          other, "only identical EventTimeWindows are compatible");
    }
  }

  @Override
  public Coder<IntervalWindow> windowCoder() {
    return IntervalWindow.getCoder();
  }

  @Override
  public WindowMappingFn<IntervalWindow> getDefaultWindowMappingFn() {
    throw new UnsupportedOperationException(
        "EventTimeWindows reads the element to pick a window; it cannot map side-input windows");
  }

  @Override
  public boolean assignsToOneWindow() {
    return true;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof EventTimeWindows<?> that
        && size.equals(that.size)
        && extension.equals(that.extension);
  }

  @Override
  public int hashCode() {
    return Objects.hash(size, extension);
  }
}
