package dev.exactlyonce.payments.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.exactlyonce.payments.transforms.TestEvents;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The payment's coders: they hold deduplication's neighbours and fraud scoring's state, so they
 * must be deterministic, lose no field, and be the coders Beam picks by itself.
 */
class PaymentCoderTest {
  private static final String EVENT = TestEvents.json("tx-1", "12.3", "EUR", TestEvents.T0);

  /** Every optional field set, an unknown attribute kept, and the raw record still attached. */
  private static Payment everyField() {
    return TestEvents.payment(7, EVENT).toBuilder()
        .setMerchantCategory("5411")
        .setCountry("DE")
        .setExtraAttributesJson("{\"channel\":\"app\"}")
        .setAmount(new BigDecimal("123456789012345678901234.56"))
        .build();
  }

  /** Every optional field empty, the raw record dropped as it is after deduplication. */
  private static Payment noOptionalField() {
    return TestEvents.payment(8, EVENT).toBuilder()
        .setPaymentMethod(null)
        .setRawValue(null)
        .setEventTime(new Instant(-1))
        .build();
  }

  @Test
  void everyFieldSurvivesTheRoundTripWithOrWithoutItsOptionalParts() throws Exception {
    for (Payment payment : List.of(everyField(), noOptionalField())) {
      CoderProperties.coderDecodeEncodeEqual(PaymentCoder.of(), payment);
    }
    assertArrayEquals(EVENT.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        org.apache.beam.sdk.util.CoderUtils.clone(PaymentCoder.of(), everyField()).getRawValue());
  }

  @Test
  void equalPaymentsEncodeToTheSameBytes() throws Exception {
    PaymentCoder.of().verifyDeterministic();
    CoderProperties.coderDeterministic(PaymentCoder.of(), TestEvents.payment(1, EVENT), TestEvents.payment(1, EVENT));
    CoderProperties.coderConsistentWithEquals(PaymentCoder.of(), everyField(), everyField());
    CoderProperties.coderConsistentWithEquals(PaymentCoder.of(), everyField(), noOptionalField());
  }

  @Test
  void aScoredPaymentKeepsItsVerdict() throws Exception {
    ScoredPayment scored = ScoredPayment.of(everyField(), 85, RiskLevel.HIGH, List.of("high_amount", "velocity"));
    ScoredPayment unscored = ScoredPayment.of(noOptionalField(), 0, RiskLevel.LOW, List.of());
    for (ScoredPayment value : List.of(scored, unscored)) {
      CoderProperties.coderDecodeEncodeEqual(ScoredPaymentCoder.of(), value);
    }
    ScoredPaymentCoder.of().verifyDeterministic();
    CoderProperties.coderDeterministic(ScoredPaymentCoder.of(), scored, ScoredPayment.of(everyField(), 85, RiskLevel.HIGH,
        List.of("high_amount", "velocity")));
  }

  /**
   * A schema on either class would take precedence over its coder in Beam's inference, and bring
   * back the row coder on every exchange that does not name its coder.
   */
  @Test
  void beamInfersTheseCodersAndNoSchema() {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<Payment> payments =
        pipeline.apply(Create.of(1L))
            .apply("Parse", MapElements.into(TypeDescriptor.of(Payment.class)).via(offset -> TestEvents.payment(offset, EVENT)));
    PCollection<ScoredPayment> scored =
        payments.apply("Score", MapElements.into(TypeDescriptor.of(ScoredPayment.class))
            .via(payment -> ScoredPayment.of(payment, 0, RiskLevel.LOW, List.of())));

    assertInstanceOf(PaymentCoder.class, payments.getCoder());
    assertInstanceOf(ScoredPaymentCoder.class, scored.getCoder());
    assertThrows(NoSuchSchemaException.class, () -> pipeline.getSchemaRegistry().getSchema(Payment.class));
    assertThrows(NoSuchSchemaException.class, () -> pipeline.getSchemaRegistry().getSchema(ScoredPayment.class));
  }
}
