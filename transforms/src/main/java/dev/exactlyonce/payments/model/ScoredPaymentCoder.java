package dev.exactlyonce.payments.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * The coder of {@link ScoredPayment}: the payment's own coder, then the verdict. The risk level is
 * written by name, so reordering {@link RiskLevel} cannot change what a checkpoint means.
 */
public final class ScoredPaymentCoder extends AtomicCoder<ScoredPayment> {
  private static final ScoredPaymentCoder INSTANCE = new ScoredPaymentCoder();
  private static final Coder<List<String>> REASONS = ListCoder.of(PaymentCoder.TEXT);

  public static ScoredPaymentCoder of() {
    return INSTANCE;
  }

  /** What {@code @DefaultCoder} on {@link ScoredPayment} asks for. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(ScoredPayment.class), INSTANCE);
  }

  @Override
  public void encode(ScoredPayment scored, OutputStream out) throws IOException {
    PaymentCoder.of().encode(scored.getPayment(), out);
    PaymentCoder.INT.encode(scored.getRiskScore(), out);
    PaymentCoder.TEXT.encode(scored.getRiskLevel().name(), out);
    REASONS.encode(scored.getRiskReasons(), out);
  }

  @Override
  public ScoredPayment decode(InputStream in) throws IOException {
    return ScoredPayment.of(
        PaymentCoder.of().decode(in),
        PaymentCoder.INT.decode(in),
        RiskLevel.valueOf(PaymentCoder.TEXT.decode(in)),
        REASONS.decode(in));
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
