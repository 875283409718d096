package dev.exactlyonce.payments.transforms.dedup;

import dev.exactlyonce.payments.model.PaymentCoder;
import static dev.exactlyonce.payments.transforms.TestEvents.T0;
import static dev.exactlyonce.payments.transforms.TestEvents.json;
import static dev.exactlyonce.payments.transforms.TestEvents.payment;

import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.Payment;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * A retry that the producer re-serialised carries the same transaction id and a new event time:
 * it is a duplicate however far its event time drifted (up to the horizon), later or earlier,
 * across any window boundary, and whichever copy arrives first.
 */
@RunWith(Parameterized.class)
public class DriftedRetriesTest {
  private static final Duration HORIZON = Duration.standardHours(1);
  private static final Duration RETRIED_AFTER = Duration.standardSeconds(2);

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private final Duration drift;

  public DriftedRetriesTest(String name, Duration drift) {
    this.drift = drift;
  }

  @Parameters(name = "{0}")
  public static Iterable<Object[]> drifts() {
    Duration[] sizes = {
      Duration.millis(1),
      DeduplicatePayments.DEFAULT_WINDOW_SIZE.dividedBy(2),
      DeduplicatePayments.DEFAULT_WINDOW_SIZE.plus(Duration.standardSeconds(1)),
      HORIZON.minus(Duration.standardMinutes(1))
    };
    List<Object[]> cases = new ArrayList<>();
    for (Duration size : sizes) {
      cases.add(new Object[] {"later by " + size, size});
      cases.add(new Object[] {"earlier by " + size, Duration.ZERO.minus(size)});
    }
    return cases;
  }

  /** The original, received when it happened. */
  private final Payment original = payment(1, json("tx-1", "10.00", "USD", T0), T0);

  /** The retry, received two seconds later with its event time moved by the drift. */
  private Payment retry() {
    return payment(2, json("tx-1", "10.00", "USD", T0.plus(drift)), T0.plus(RETRIED_AFTER));
  }

  /** Stamped as the timestamp policy does while the watermark is still at its minimum. */
  private static TimestampedValue<Payment> read(Payment payment) {
    return TimestampedValue.of(payment, payment.getEventTime());
  }

  private PCollectionTuple deduplicate(TestStream<Payment> events) {
    return pipeline.apply(events).apply(DeduplicatePayments.create().withHorizon(HORIZON));
  }

  private TestStream.Builder<Payment> stream() {
    return TestStream.create(PaymentCoder.of());
  }

  @Test
  public void testRetryWithDriftedEventTimeIsDropped() {
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(read(original))
                .addElements(read(retry()))
                .advanceWatermarkToInfinity());

    PAssert.that(result.get(DeduplicatePayments.UNIQUE))
        .containsInAnyOrder(original.toBuilder().setRawValue(null).build());
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    PAssert.that(result.get(DeduplicatePayments.AUDIT))
        .containsInAnyOrder(DuplicateAudit.of("tx-1", T0, T0, T0.plus(RETRIED_AFTER), 1));
    pipeline.run();
  }

  @Test
  public void testRetryArrivingBeforeItsOriginalWinsAndTheOriginalIsDropped() {
    Payment retry = retry();
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(read(retry))
                .addElements(read(original))
                .advanceWatermarkToInfinity());

    PAssert.that(result.get(DeduplicatePayments.UNIQUE))
        .containsInAnyOrder(retry.toBuilder().setRawValue(null).build());
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    PAssert.that(result.get(DeduplicatePayments.AUDIT))
        .containsInAnyOrder(
            DuplicateAudit.of("tx-1", retry.getEventTime(), T0, T0.plus(RETRIED_AFTER), 1));
    pipeline.run();
  }

  @Test
  public void testRetryAfterTheWatermarkMovedOnIsStillDropped() {
    // The original and its retry are read a whole window and more apart, as on a live stream.
    Instant watermark = T0.plus(Duration.standardMinutes(1));
    Instant later = watermark.isAfter(T0.plus(drift)) ? watermark : T0.plus(drift);
    PCollectionTuple result =
        deduplicate(
            stream()
                .addElements(read(original))
                .advanceWatermarkTo(watermark)
                .addElements(TimestampedValue.of(retry(), later))
                .advanceWatermarkToInfinity());

    PAssert.that(result.get(DeduplicatePayments.UNIQUE))
        .containsInAnyOrder(original.toBuilder().setRawValue(null).build());
    PAssert.that(result.get(DeduplicatePayments.LATE)).empty();
    pipeline.run();
  }
}
