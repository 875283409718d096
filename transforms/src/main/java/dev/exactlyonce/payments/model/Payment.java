package dev.exactlyonce.payments.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.coders.DefaultCoder;
import java.math.BigDecimal;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One payment as the producer sent it, validated.
 *
 * <p>The amount is always scaled to exactly two decimal places, so equal sums compare equal and
 * the encoded form of a payment never depends on how the producer wrote the number: {@link
 * PaymentCoder}, its coder, is deterministic.
 */
@DefaultCoder(PaymentCoder.class)
@AutoValue
public abstract class Payment {
  public abstract String getTransactionId();

  public abstract String getSenderAccount();

  public abstract String getReceiverAccount();

  public abstract BigDecimal getAmount();

  /** ISO 4217 code, upper case. */
  public abstract String getCurrency();

  /** When the payment happened, as the producer says: drives every window. */
  public abstract Instant getEventTime();

  public abstract @Nullable String getPaymentMethod();

  public abstract @Nullable String getMerchantCategory();

  public abstract @Nullable String getCountry();

  /** Fields the event carried that this version does not know, as a JSON object; null if none. */
  public abstract @Nullable String getExtraAttributesJson();

  public abstract KafkaCoordinates getSource();

  /** The Kafka record timestamp of the copy that was kept. */
  public abstract Instant getReceivedAt();

  /**
   * The record's bytes exactly as received, so that a payment rejected after parsing as too late
   * can still be dead-lettered as it arrived. Null once that check is behind it (see {@code
   * DeduplicatePayments#UNIQUE}): nothing later needs the bytes, and they would ride every
   * exchange and fraud scoring's state.
   */
  @SuppressWarnings("mutable")
  public abstract byte @Nullable [] getRawValue();

  public static Builder builder() {
    return new AutoValue_Payment.Builder();
  }

  public abstract Builder toBuilder();

  /** Builder; {@link #build()} does not validate, {@code PaymentJsonParser} does. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setTransactionId(String value);

    public abstract Builder setSenderAccount(String value);

    public abstract Builder setReceiverAccount(String value);

    public abstract Builder setAmount(BigDecimal value);

    public abstract Builder setCurrency(String value);

    public abstract Builder setEventTime(Instant value);

    public abstract Builder setPaymentMethod(@Nullable String value);

    public abstract Builder setMerchantCategory(@Nullable String value);

    public abstract Builder setCountry(@Nullable String value);

    public abstract Builder setExtraAttributesJson(@Nullable String value);

    public abstract Builder setSource(KafkaCoordinates value);

    public abstract Builder setReceivedAt(Instant value);

    public abstract Builder setRawValue(byte @Nullable [] value);

    public abstract Payment build();
  }
}
