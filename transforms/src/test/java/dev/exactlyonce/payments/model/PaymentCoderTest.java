package dev.exactlyonce.payments.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.exactlyonce.payments.transforms.TestEvents;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/** The payment's schema coder: deterministic, as a neighbour of deduplication state must be. */
class PaymentCoderTest {
  private final Coder<Payment> coder =
      SchemaCoders.of(TestPipeline.create().enableAbandonedNodeEnforcement(false), Payment.class);

  @Test
  void paymentCoderIsDeterministic() {
    assertDoesNotThrow(() -> {
      coder.verifyDeterministic();
    });
  }

  @Test
  void equalPaymentsEncodeToTheSameBytesAndRoundTrip() throws Exception {
    String event = TestEvents.json("tx-1", "12.3", "EUR", TestEvents.T0);
    Payment one = TestEvents.payment(1, event);
    Payment same = TestEvents.payment(1, event);

    assertEquals(one, same);
    assertArrayEquals(CoderUtils.encodeToByteArray(coder, one), CoderUtils.encodeToByteArray(coder, same));
    assertEquals(one, CoderUtils.decodeFromByteArray(coder, CoderUtils.encodeToByteArray(coder, one)));
  }
}
