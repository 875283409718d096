package dev.exactlyonce.payments.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Instant;

/**
 * The coder of {@link Payment}, field by field in a fixed order. Every payment crosses three keyed
 * exchanges and waits in fraud scoring's state, so it is encoded several times on its way: a schema
 * row coder (conversion to a {@code Row}, then the row's own encoding, and back) was about a quarter
 * of the pipeline's CPU in profiles; this writes the fields directly.
 *
 * <p>Deterministic, and consistent with {@code equals}: amounts are always scaled to two decimal
 * places (see {@link Payment}), and the format is what Flink checkpoints hold, so a change to it
 * needs a new job (README, "Resuming after a crash").
 */
public final class PaymentCoder extends AtomicCoder<Payment> {
  private static final PaymentCoder INSTANCE = new PaymentCoder();

  static final Coder<String> TEXT = StringUtf8Coder.of();
  static final Coder<String> OPTIONAL_TEXT = NullableCoder.of(StringUtf8Coder.of());
  private static final Coder<byte[]> OPTIONAL_BYTES = NullableCoder.of(ByteArrayCoder.of());
  static final Coder<Integer> INT = VarIntCoder.of();
  private static final Coder<Long> LONG = VarLongCoder.of();
  private static final Coder<byte[]> BYTES = ByteArrayCoder.of();

  public static PaymentCoder of() {
    return INSTANCE;
  }

  /** What {@code @DefaultCoder} on {@link Payment} asks for. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(Payment.class), INSTANCE);
  }

  @Override
  public void encode(Payment payment, OutputStream out) throws IOException {
    TEXT.encode(payment.getTransactionId(), out);
    TEXT.encode(payment.getSenderAccount(), out);
    TEXT.encode(payment.getReceiverAccount(), out);
    encodeAmount(payment.getAmount(), out);
    TEXT.encode(payment.getCurrency(), out);
    LONG.encode(payment.getEventTime().getMillis(), out);
    OPTIONAL_TEXT.encode(payment.getPaymentMethod(), out);
    OPTIONAL_TEXT.encode(payment.getMerchantCategory(), out);
    OPTIONAL_TEXT.encode(payment.getCountry(), out);
    OPTIONAL_TEXT.encode(payment.getExtraAttributesJson(), out);
    KafkaCoordinates source = payment.getSource();
    TEXT.encode(source.getTopic(), out);
    INT.encode(source.getPartition(), out);
    LONG.encode(source.getOffset(), out);
    LONG.encode(payment.getReceivedAt().getMillis(), out);
    OPTIONAL_BYTES.encode(payment.getRawValue(), out);
  }

  @Override
  public Payment decode(InputStream in) throws IOException {
    return Payment.builder()
        .setTransactionId(TEXT.decode(in))
        .setSenderAccount(TEXT.decode(in))
        .setReceiverAccount(TEXT.decode(in))
        .setAmount(decodeAmount(in))
        .setCurrency(TEXT.decode(in))
        .setEventTime(new Instant(LONG.decode(in)))
        .setPaymentMethod(OPTIONAL_TEXT.decode(in))
        .setMerchantCategory(OPTIONAL_TEXT.decode(in))
        .setCountry(OPTIONAL_TEXT.decode(in))
        .setExtraAttributesJson(OPTIONAL_TEXT.decode(in))
        .setSource(KafkaCoordinates.of(TEXT.decode(in), INT.decode(in), LONG.decode(in)))
        .setReceivedAt(new Instant(LONG.decode(in)))
        .setRawValue(OPTIONAL_BYTES.decode(in))
        .build();
  }

  /**
   * Scale, then the unscaled value's two's-complement bytes: what Beam's {@code BigDecimalCoder}
   * writes, without its {@code BigIntegerCoder} formatting an error message on every call (2.70).
   */
  private static void encodeAmount(BigDecimal amount, OutputStream out) throws IOException {
    INT.encode(amount.scale(), out);
    BYTES.encode(amount.unscaledValue().toByteArray(), out);
  }

  private static BigDecimal decodeAmount(InputStream in) throws IOException {
    int scale = INT.decode(in);
    return new BigDecimal(new BigInteger(BYTES.decode(in)), scale);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
