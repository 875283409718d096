package dev.exactlyonce.payments.benchmarks;

import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.model.ScoredPaymentCoder;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.transforms.fraud.FraudRules;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Not the product: fraud scored by the payment's amount alone, as the peers score it. No velocity,
 * so no state and no keyed exchange; the product's rules otherwise.
 */
final class AmountOnlyScoring extends PTransform<PCollection<Payment>, PCollection<ScoredPayment>> {
  private final FraudRules rules;

  AmountOnlyScoring(PipelineConfig config) {
    this.rules = FraudRules.defaults().withAmountThresholds(config.fraudMediumAmount(), config.fraudHighAmount());
  }

  @Override
  public PCollection<ScoredPayment> expand(PCollection<Payment> payments) {
    FraudRules byAmount = rules;
    return payments
        .apply("ScoreByAmount",
            MapElements.into(TypeDescriptor.of(ScoredPayment.class)).via(payment -> byAmount.score(payment, 0)))
        .setCoder(ScoredPaymentCoder.of());
  }
}
