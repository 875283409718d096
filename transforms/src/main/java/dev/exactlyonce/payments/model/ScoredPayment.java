package dev.exactlyonce.payments.model;

import com.google.auto.value.AutoValue;
import java.util.List;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;

/** A unique payment with the fraud rules' verdict. */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class ScoredPayment {
  @SchemaFieldNumber("0")
  public abstract Payment getPayment();

  /** 0 to 100. */
  @SchemaFieldNumber("1")
  public abstract int getRiskScore();

  @SchemaFieldNumber("2")
  public abstract RiskLevel getRiskLevel();

  /** Names of the rules that fired, in rule order; empty when none did. */
  @SchemaFieldNumber("3")
  public abstract List<String> getRiskReasons();

  public static ScoredPayment of(
      Payment payment, int riskScore, RiskLevel riskLevel, List<String> riskReasons) {
    return new AutoValue_ScoredPayment(payment, riskScore, riskLevel, List.copyOf(riskReasons));
  }
}
