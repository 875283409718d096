package dev.exactlyonce.payments.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.coders.DefaultCoder;
import java.util.List;

/** A unique payment with the fraud rules' verdict. */
@DefaultCoder(ScoredPaymentCoder.class)
@AutoValue
public abstract class ScoredPayment {
  public abstract Payment getPayment();

  /** 0 to 100. */
  public abstract int getRiskScore();

  public abstract RiskLevel getRiskLevel();

  /** Names of the rules that fired, in rule order; empty when none did. */
  public abstract List<String> getRiskReasons();

  public static ScoredPayment of(
      Payment payment, int riskScore, RiskLevel riskLevel, List<String> riskReasons) {
    return new AutoValue_ScoredPayment(payment, riskScore, riskLevel, List.copyOf(riskReasons));
  }
}
