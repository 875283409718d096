package dev.exactlyonce.payments.transforms.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IncompatibleWindowException;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** Window choice and configuration rules of {@link EventTimeWindows}. */
class EventTimeWindowsTest {
  private static final Duration MINUTE = Duration.standardMinutes(1);
  private static final Duration HOUR = Duration.standardHours(1);
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  /** The elements of these tests are their own event times. */
  private static Instant identity(Instant time) {
    return time;
  }

  private static EventTimeWindows<Instant> windows(Duration size) {
    return EventTimeWindows.of(size, (SerializableFunction<Instant, Instant>) EventTimeWindowsTest::identity);
  }

  private static IntervalWindow window(String start, String end) {
    return new IntervalWindow(Instant.parse(start), Instant.parse(end));
  }

  @Test
  void testTimeInsideWindowRoundsDownToMultipleOfSize() {
    assertEquals(
        window("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z"),
        windows(HOUR).windowFor(Instant.parse("2026-03-01T10:37:12.345Z")));
  }

  @Test
  void testTimeOnBoundaryStartsItsOwnWindow() {
    assertEquals(
        window("2026-03-01T10:00:00Z", "2026-03-01T10:01:00Z"), windows(MINUTE).windowFor(T0));
  }

  @Test
  void testLastMillisecondBeforeBoundaryStaysInPreviousWindow() {
    assertEquals(
        window("2026-03-01T09:59:00Z", "2026-03-01T10:00:00Z"),
        windows(MINUTE).windowFor(T0.minus(1)));
  }

  @Test
  void testEpochStartsAWindow() {
    assertEquals(
        new IntervalWindow(new Instant(0), new Instant(60_000)),
        windows(MINUTE).windowFor(new Instant(0)));
  }

  @Test
  void testMillisecondBeforeEpochRoundsDownToNegativeWindow() {
    assertEquals(
        new IntervalWindow(new Instant(-60_000), new Instant(0)),
        windows(MINUTE).windowFor(new Instant(-1)));
  }

  @Test
  void testNegativeTimeRoundsDownNotTowardZero() {
    assertEquals(
        new IntervalWindow(new Instant(-120_000), new Instant(-60_000)),
        windows(MINUTE).windowFor(new Instant(-90_000)));
  }

  @Test
  void testNegativeTimeOnBoundaryStartsItsOwnWindow() {
    assertEquals(
        new IntervalWindow(new Instant(-60_000), new Instant(0)),
        windows(MINUTE).windowFor(new Instant(-60_000)));
  }

  @Test
  void testWindowStartIsAlignedToEpochNotToTheDay() {
    // 7-minute windows: 10:00 is not a multiple of 7 minutes since the epoch.
    Duration seven = Duration.standardMinutes(7);
    IntervalWindow w = windows(seven).windowFor(T0);

    assertEquals(0, w.start().getMillis() % seven.getMillis());
    assertFalse(w.start().isAfter(T0));
    assertTrue(w.end().isAfter(T0));
    assertEquals(seven, new Duration(w.start(), w.end()));
  }

  @Test
  void testExtensionLengthensTheEndOnly() {
    EventTimeWindows<Instant> extended = windows(HOUR).extendedBy(Duration.standardMinutes(10));

    assertEquals(
        window("2026-03-01T10:00:00Z", "2026-03-01T11:10:00Z"),
        extended.windowFor(Instant.parse("2026-03-01T10:37:00Z")));
  }

  @Test
  void testExtensionDoesNotChangeWhichWindowATimeBelongsTo() {
    EventTimeWindows<Instant> extended = windows(HOUR).extendedBy(Duration.standardMinutes(10));
    Instant justAfterBoundary = Instant.parse("2026-03-01T11:05:00Z");

    // Inside the previous window's extension, but it belongs to the window starting at 11:00.
    assertEquals(Instant.parse("2026-03-01T11:00:00Z"), extended.windowFor(justAfterBoundary).start());
  }

  @Test
  void testExtendedByKeepsSizeAndReportsExtension() {
    EventTimeWindows<Instant> extended = windows(HOUR).extendedBy(MINUTE);

    assertEquals(HOUR, extended.getSize());
    assertEquals(MINUTE, extended.getExtension());
    assertEquals(Duration.ZERO, windows(HOUR).getExtension());
  }

  @Test
  void testAssignWindowsUsesEventTimeNotElementTimestamp() throws Exception {
    EventTimeWindows<Instant> fn = windows(HOUR);
    Instant eventTime = Instant.parse("2026-03-01T08:15:00Z");
    Instant elementTimestamp = Instant.parse("2026-03-01T10:30:00Z");

    Collection<IntervalWindow> assigned =
        fn.assignWindows(
            fn.new AssignContext() {
              @Override
              public Instant element() {
                return eventTime;
              }

              @Override
              public Instant timestamp() {
                return elementTimestamp;
              }

              @Override
              public BoundedWindow window() {
                return GlobalWindow.INSTANCE;
              }
            });

    assertEquals(List.of(window("2026-03-01T08:00:00Z", "2026-03-01T09:00:00Z")), List.copyOf(assigned));
  }

  @Test
  void testAssignsToOneWindow() {
    assertTrue(windows(HOUR).assignsToOneWindow());
  }

  @Test
  void testEqualConfigsAreEqualAndCompatible() throws IncompatibleWindowException {
    EventTimeWindows<Instant> a = windows(HOUR).extendedBy(MINUTE);
    EventTimeWindows<Instant> b = windows(HOUR).extendedBy(MINUTE);

    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertTrue(a.isCompatible(b));
    a.verifyCompatibility(b);
  }

  @Test
  void testDifferentSizesAreNotCompatible() {
    EventTimeWindows<Instant> hourly = windows(HOUR);
    EventTimeWindows<Instant> perMinute = windows(MINUTE);

    assertFalse(hourly.isCompatible(perMinute));
    assertThrows(IncompatibleWindowException.class, () -> hourly.verifyCompatibility(perMinute));
  }

  @Test
  void testDifferentExtensionsAreNotCompatible() {
    EventTimeWindows<Instant> plain = windows(HOUR);
    EventTimeWindows<Instant> extended = windows(HOUR).extendedBy(MINUTE);

    assertFalse(plain.isCompatible(extended));
    assertFalse(extended.isCompatible(plain));
    assertThrows(IncompatibleWindowException.class, () -> plain.verifyCompatibility(extended));
  }

  @Test
  void testFixedWindowsOfSameSizeAreNotCompatible() {
    EventTimeWindows<Instant> eventTime = windows(HOUR);

    assertFalse(eventTime.isCompatible(FixedWindows.of(HOUR)));
    assertThrows(
        IncompatibleWindowException.class,
        () -> eventTime.verifyCompatibility(FixedWindows.of(HOUR)));
  }

  @Test
  void testZeroSizeIsRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> windows(Duration.ZERO));
    assertTrue(e.getMessage().contains("size"), e.getMessage());
  }

  @Test
  void testNegativeSizeIsRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> windows(MINUTE.negated()));
    assertTrue(e.getMessage().contains("size"), e.getMessage());
  }

  @Test
  void testNegativeExtensionIsRejected() {
    EventTimeWindows<Instant> hourly = windows(HOUR);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> hourly.extendedBy(Duration.millis(-1)));
    assertTrue(e.getMessage().contains("extension"), e.getMessage());
  }

  @Test
  void testZeroExtensionIsAllowedAndEqualToNoExtension() {
    assertEquals(windows(HOUR), windows(HOUR).extendedBy(Duration.ZERO));
  }

  @Test
  void testSideInputWindowMappingIsUnsupported() {
    EventTimeWindows<Instant> hourly = windows(HOUR);

    assertThrows(UnsupportedOperationException.class, hourly::getDefaultWindowMappingFn);
  }

  @Test
  void testWindowCoderIsIntervalWindowCoder() {
    assertEquals(IntervalWindow.getCoder(), windows(HOUR).windowCoder());
  }
}
