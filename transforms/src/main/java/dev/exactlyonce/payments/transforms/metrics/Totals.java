package dev.exactlyonce.payments.transforms.metrics;

import com.google.auto.value.AutoValue;
import java.math.BigDecimal;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;

/**
 * Running totals of one currency in one window: a bundle's partial totals, and the metrics
 * combiner's accumulator. Both sit in Flink state, so the schema's field order is pinned (see
 * {@code SchemaFieldOrderTest}): two longs and two decimals read in another JVM's order would swap
 * silently.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class Totals {
  static final Totals EMPTY = of(0, BigDecimal.ZERO, BigDecimal.ZERO, 0);

  @SchemaFieldNumber("0")
  public abstract long getCount();

  @SchemaFieldNumber("1")
  public abstract BigDecimal getTotal();

  /** Zero while empty; amounts are always positive. */
  @SchemaFieldNumber("2")
  public abstract BigDecimal getMax();

  @SchemaFieldNumber("3")
  public abstract long getHighRiskCount();

  static Totals of(long count, BigDecimal total, BigDecimal max, long highRiskCount) {
    return new AutoValue_Totals(count, total, max, highRiskCount);
  }

  Totals plus(BigDecimal amount, boolean highRisk) {
    return of(getCount() + 1, getTotal().add(amount), getMax().max(amount), getHighRiskCount() + (highRisk ? 1 : 0));
  }

  Totals merge(Totals other) {
    return of(
        getCount() + other.getCount(),
        getTotal().add(other.getTotal()),
        getMax().max(other.getMax()),
        getHighRiskCount() + other.getHighRiskCount());
  }
}
