package dev.exactlyonce.payments.model;

import com.google.auto.value.AutoValue;
import java.math.BigDecimal;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/**
 * Totals of one currency in one event-time window, as of one firing (pane).
 *
 * <p>Panes accumulate: a later pane of the same window and currency replaces an earlier one, it
 * does not add to it. {@link #getPaneIndex()} orders them.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class WindowMetrics {
  @SchemaFieldNumber("0")
  public abstract Instant getWindowStart();

  @SchemaFieldNumber("1")
  public abstract Instant getWindowEnd();

  @SchemaFieldNumber("2")
  public abstract String getCurrency();

  @SchemaFieldNumber("3")
  public abstract long getPaymentCount();

  @SchemaFieldNumber("4")
  public abstract BigDecimal getTotalAmount();

  /** Total divided by count, rounded half-even to 9 places (BigQuery NUMERIC's scale). */
  @SchemaFieldNumber("5")
  public abstract BigDecimal getAverageAmount();

  @SchemaFieldNumber("6")
  public abstract BigDecimal getMaxAmount();

  @SchemaFieldNumber("7")
  public abstract long getHighRiskCount();

  @SchemaFieldNumber("8")
  public abstract long getPaneIndex();

  /** EARLY, ON_TIME or LATE, as Beam's pane timing. */
  @SchemaFieldNumber("9")
  public abstract String getPaneTiming();

  public static Builder builder() {
    return new AutoValue_WindowMetrics.Builder();
  }

  public abstract Builder toBuilder();

  /** Builder. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setWindowStart(Instant value);

    public abstract Builder setWindowEnd(Instant value);

    public abstract Builder setCurrency(String value);

    public abstract Builder setPaymentCount(long value);

    public abstract Builder setTotalAmount(BigDecimal value);

    public abstract Builder setAverageAmount(BigDecimal value);

    public abstract Builder setMaxAmount(BigDecimal value);

    public abstract Builder setHighRiskCount(long value);

    public abstract Builder setPaneIndex(long value);

    public abstract Builder setPaneTiming(String value);

    public abstract WindowMetrics build();
  }
}
