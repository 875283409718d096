package dev.exactlyonce.payments.transforms.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Currency;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads one payment event (a JSON object, see the README's event table) and says either what
 * payment it is or exactly why it is not one. Never throws for bad input.
 */
public final class PaymentJsonParser {

  static final String TRANSACTION_ID = "transaction_id";
  static final String SENDER_ACCOUNT = "sender_account";
  static final String RECEIVER_ACCOUNT = "receiver_account";
  static final String AMOUNT = "amount";
  static final String CURRENCY = "currency";
  static final String EVENT_TIME = "event_time";
  static final String PAYMENT_METHOD = "payment_method";
  static final String MERCHANT_CATEGORY = "merchant_category";
  static final String COUNTRY = "country";

  private static final Set<String> KNOWN_FIELDS =
      Set.of(
          TRANSACTION_ID,
          SENDER_ACCOUNT,
          RECEIVER_ACCOUNT,
          AMOUNT,
          CURRENCY,
          EVENT_TIME,
          PAYMENT_METHOD,
          MERCHANT_CATEGORY,
          COUNTRY);

  private static final Pattern CURRENCY_CODE = Pattern.compile("[A-Z]{3}");
  private static final int MONEY_SCALE = 2;
  /** BigQuery NUMERIC holds 29 digits before the decimal point. */
  private static final int MAX_INTEGER_DIGITS = 29;
  /** BigQuery TIMESTAMP covers years 0001 to 9999. */
  private static final int MIN_YEAR = 1;

  private static final int MAX_YEAR = 9999;

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // Two values for one field make a payment ambiguous: refuse rather than pick one.
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          // Unknown fields are kept as sent: 1000.0 stays 1000.0, not 1E+3.
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  private static final JsonFactory FACTORY = MAPPER.getFactory();

  /** The common case's refusals are thrown away: the tree path words them, quoting the value as sent. */
  private static final Supplier<String> TREE_PATH_QUOTES_IT = () -> "";

  /** Reads one value off a parser that goes on to the object's next field. */
  private static final ObjectReader ONE_VALUE =
      MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private PaymentJsonParser() {}

  /** The result of reading one record: a {@link Valid} payment or a {@link Rejected} record. */
  public sealed interface Outcome permits Valid, Rejected {}

  /** The record is a payment. */
  public record Valid(Payment payment) implements Outcome {}

  /**
   * The record is not a payment. The transaction id and event time are kept when they could be
   * read, so a dead letter can still be traced to the payment it meant.
   */
  public record Rejected(
      ErrorKind kind, String message, @Nullable String transactionId, @Nullable Instant eventTime)
      implements Outcome {}

  public static Outcome parse(byte @Nullable [] value, KafkaCoordinates source, Instant receivedAt) {
    return parse(value, source, receivedAt, null);
  }

  /**
   * As {@link #parse(byte[], KafkaCoordinates, Instant)}, and with {@code maxClockSkew} given, an
   * {@code event_time} further than that ahead of the record's Kafka timestamp ({@code receivedAt})
   * is refused as {@link ErrorKind#BAD_TIMESTAMP}: see {@link #isAheadOfItsRecord}.
   */
  public static Outcome parse(
      byte @Nullable [] value, KafkaCoordinates source, Instant receivedAt, @Nullable Duration maxClockSkew) {
    if (value == null || value.length == 0) {
      return new Rejected(ErrorKind.UNPARSEABLE, "empty record (tombstone or no payload)", null, null);
    }
    Payment common = parseCommonCase(value, source, receivedAt, maxClockSkew);
    return common != null ? new Valid(common) : parseWithTree(value, source, receivedAt, maxClockSkew);
  }

  /** Every record, however unusual, read as a tree; the answer {@link #parse} gives. */
  static Outcome parseWithTree(
      byte[] value, KafkaCoordinates source, Instant receivedAt, @Nullable Duration maxClockSkew) {
    JsonNode root;
    try {
      root = MAPPER.readTree(value);
    } catch (IOException e) {
      return new Rejected(ErrorKind.UNPARSEABLE, "not valid JSON: " + firstLine(e), null, null);
    }
    if (root == null || !root.isObject()) {
      return new Rejected(ErrorKind.UNPARSEABLE, "not a JSON object", null, null);
    }
    String transactionId = textOrNull(root.get(TRANSACTION_ID));
    Instant eventTime = null;
    try {
      eventTime = eventTime(root.get(EVENT_TIME));
      checkNotAhead(eventTime, receivedAt, maxClockSkew);
      Payment payment =
          Payment.builder()
              .setTransactionId(requiredText(root, TRANSACTION_ID))
              .setSenderAccount(requiredText(root, SENDER_ACCOUNT))
              .setReceiverAccount(requiredText(root, RECEIVER_ACCOUNT))
              .setAmount(amount(root.get(AMOUNT)))
              .setCurrency(currency(root.get(CURRENCY)))
              .setEventTime(eventTime)
              .setPaymentMethod(optionalText(root, PAYMENT_METHOD))
              .setMerchantCategory(optionalText(root, MERCHANT_CATEGORY))
              .setCountry(optionalText(root, COUNTRY))
              .setExtraAttributesJson(extraAttributes((ObjectNode) root))
              .setSource(source)
              .setReceivedAt(receivedAt)
              .setRawValue(value)
              .build();
      return new Valid(payment);
    } catch (FieldProblem problem) {
      return new Rejected(problem.kind, problem.getMessage(), transactionId, eventTime);
    }
  }

  /**
   * A payment read straight off the parser's tokens, without building a tree: the common case,
   * where every field has the type it should and every rule holds. Null for anything else (a
   * field of another type, a null, a broken rule, invalid JSON), which the tree path then reads
   * and explains, so both paths give one answer for every record. Building the tree was a quarter
   * of parsing's time (docs/benchmarks.md, tenth pass).
   */
  static @Nullable Payment parseCommonCase(
      byte[] value, KafkaCoordinates source, Instant receivedAt, @Nullable Duration maxClockSkew) {
    CommonFields fields = new CommonFields();
    try (JsonParser parser = FACTORY.createParser(value)) {
      if (!readFields(parser, fields) || parser.nextToken() != null) {
        return null;
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return fields.payment(value, source, receivedAt, maxClockSkew);
  }

  /** One field of a record's object, the parser on its first token; false stops the reading. */
  @FunctionalInterface
  private interface FieldReader {
    boolean read(String field, JsonToken token, JsonParser parser) throws IOException;
  }

  /** Reads an object field by field; true if it was one and every field was read to its end. */
  private static boolean readFields(JsonParser parser, FieldReader reader) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      return false;
    }
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      if (!reader.read(field, parser.nextToken(), parser)) {
        return false;
      }
    }
    return parser.currentToken() == JsonToken.END_OBJECT;
  }

  /** The fields of the common case as they are read; any other type of value stops the reading. */
  private static final class CommonFields implements FieldReader {
    private @Nullable String transactionId;
    private @Nullable String senderAccount;
    private @Nullable String receiverAccount;
    private @Nullable BigDecimal amount;
    private @Nullable String currency;
    private @Nullable String eventTime;
    private @Nullable String paymentMethod;
    private @Nullable String merchantCategory;
    private @Nullable String country;
    private @Nullable ObjectNode extra;

    @Override
    public boolean read(String field, JsonToken token, JsonParser parser) throws IOException {
      if (!KNOWN_FIELDS.contains(field)) {
        if (extra == null) {
          extra = MAPPER.createObjectNode();
        }
        extra.set(field, ONE_VALUE.readTree(parser));
        return true;
      }
      if (field.equals(AMOUNT)) {
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
          return false;
        }
        amount = parser.getDecimalValue();
        return true;
      }
      if (token != JsonToken.VALUE_STRING) {
        return false;
      }
      String text = parser.getText();
      switch (field) {
        case TRANSACTION_ID -> transactionId = text;
        case SENDER_ACCOUNT -> senderAccount = text;
        case RECEIVER_ACCOUNT -> receiverAccount = text;
        case CURRENCY -> currency = text;
        case EVENT_TIME -> eventTime = text;
        case PAYMENT_METHOD -> paymentMethod = text;
        case MERCHANT_CATEGORY -> merchantCategory = text;
        default -> country = text;
      }
      return true;
    }

    /** The payment, if every rule holds; null to leave the record to the tree path. */
    @Nullable Payment payment(
        byte[] value, KafkaCoordinates source, Instant receivedAt, @Nullable Duration maxClockSkew) {
      if (transactionId == null || senderAccount == null || receiverAccount == null || amount == null
          || currency == null || eventTime == null || transactionId.isBlank() || senderAccount.isBlank()
          || receiverAccount.isBlank()) {
        return null;
      }
      try {
        Instant at = parseTimestamp(eventTime);
        checkNotAhead(at, receivedAt, maxClockSkew);
        return Payment.builder()
            .setTransactionId(transactionId.strip())
            .setSenderAccount(senderAccount.strip())
            .setReceiverAccount(receiverAccount.strip())
            .setAmount(checkedAmount(amount, TREE_PATH_QUOTES_IT))
            .setCurrency(checkedCurrency(currency))
            .setEventTime(at)
            .setPaymentMethod(paymentMethod)
            .setMerchantCategory(merchantCategory)
            .setCountry(country)
            .setExtraAttributesJson(extra == null ? null : extra.toString())
            .setSource(source)
            .setReceivedAt(receivedAt)
            .setRawValue(value)
            .build();
      } catch (FieldProblem problem) {
        return null;
      }
    }
  }

  private static void checkNotAhead(Instant eventTime, Instant receivedAt, @Nullable Duration maxClockSkew) {
    if (maxClockSkew != null && isAheadOfItsRecord(eventTime, receivedAt.getMillis(), maxClockSkew)) {
      throw new FieldProblem(ErrorKind.BAD_TIMESTAMP,
          "event_time " + eventTime + " is more than " + maxClockSkew.getStandardSeconds()
              + " s ahead of its Kafka record's timestamp " + receivedAt + ", more than clocks can disagree");
    }
  }

  /**
   * Whether a payment claims to have happened later than it was written to Kafka, by more than
   * {@code maxClockSkew}. Such a payment would hold its fraud score and metrics back until the clock
   * reaches its event time, and drag its partition's watermark ahead of the older payments behind
   * it, which would then be LATE. Compared with the record's timestamp, not the clock, so that a
   * replay decides the same. A record without a timestamp (zero or negative) is never ahead.
   */
  public static boolean isAheadOfItsRecord(Instant eventTime, long recordTimestampMillis, Duration maxClockSkew) {
    return recordTimestampMillis > 0 && eventTime.isAfter(new Instant(recordTimestampMillis).plus(maxClockSkew));
  }

  /**
   * The event time of a record, read without building the whole tree, or null when the record
   * has none that parses. Used by the Kafka timestamp policy, which sees every record first.
   */
  public static @Nullable Instant eventTimeOf(byte @Nullable [] value) {
    if (value == null || value.length == 0) {
      return null;
    }
    Instant[] found = {null};
    try (JsonParser parser = FACTORY.createParser(value)) {
      readFields(parser, (field, token, fieldParser) -> {
        if (!EVENT_TIME.equals(field)) {
          fieldParser.skipChildren();
          return true;
        }
        found[0] = token == JsonToken.VALUE_STRING ? parseTimestamp(fieldParser.getText()) : null;
        return false;
      });
      return found[0];
    } catch (IOException | FieldProblem e) {
      return null;
    }
  }

  private static String requiredText(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      throw new FieldProblem(ErrorKind.MISSING_FIELD, "missing required field " + field);
    }
    if (!node.isTextual()) {
      throw new FieldProblem(ErrorKind.INVALID_FIELD, field + " must be a string");
    }
    String text = node.textValue().strip();
    if (text.isEmpty()) {
      throw new FieldProblem(ErrorKind.MISSING_FIELD, "required field " + field + " is blank");
    }
    return text;
  }

  private static @Nullable String optionalText(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new FieldProblem(ErrorKind.INVALID_FIELD, field + " must be a string");
    }
    return node.textValue();
  }

  private static @Nullable String textOrNull(@Nullable JsonNode node) {
    return node != null && node.isTextual() && !node.textValue().isBlank()
        ? node.textValue().strip()
        : null;
  }

  private static BigDecimal amount(@Nullable JsonNode node) {
    if (node == null || node.isNull() || (node.isTextual() && node.textValue().isBlank())) {
      throw new FieldProblem(ErrorKind.MISSING_FIELD, "missing required field " + AMOUNT);
    }
    BigDecimal amount;
    try {
      if (node.isNumber()) {
        amount = node.decimalValue();
      } else if (node.isTextual()) {
        amount = new BigDecimal(node.textValue().strip());
      } else {
        throw new FieldProblem(ErrorKind.INVALID_FIELD, "amount must be a number");
      }
    } catch (NumberFormatException e) {
      // Also what Jackson gives for a number too large for a double, like 1e400.
      throw new FieldProblem(
          ErrorKind.INVALID_FIELD, "amount is not a decimal number in range: " + abbreviated(node));
    }
    return checkedAmount(amount, () -> abbreviated(node));
  }

  /** The amount at two decimal places, if it is one; {@code shown} is how a refusal quotes it. */
  private static BigDecimal checkedAmount(BigDecimal amount, Supplier<String> shown) {
    BigDecimal exact = amount.stripTrailingZeros();
    // As long: precision - scale overflows int for exponents near Integer.MAX_VALUE.
    if ((long) exact.precision() - exact.scale() > MAX_INTEGER_DIGITS) {
      throw new FieldProblem(ErrorKind.INVALID_FIELD, "amount is too large for NUMERIC: " + shown.get());
    }
    if (amount.signum() <= 0) {
      throw new FieldProblem(
          ErrorKind.INVALID_FIELD, "amount must be greater than 0, was " + shown.get());
    }
    if (exact.scale() > MONEY_SCALE) {
      throw new FieldProblem(
          ErrorKind.INVALID_FIELD,
          "amount has more than " + MONEY_SCALE + " decimal places: " + shown.get());
    }
    return exact.setScale(MONEY_SCALE);
  }

  /** The value as the producer wrote it, cut short: never expands an exponent into digits. */
  private static String abbreviated(JsonNode node) {
    String text = node.isTextual() ? node.textValue() : node.toString();
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }

  private static String currency(@Nullable JsonNode node) {
    if (node == null || node.isNull() || (node.isTextual() && node.textValue().isBlank())) {
      throw new FieldProblem(ErrorKind.MISSING_FIELD, "missing required field " + CURRENCY);
    }
    if (!node.isTextual()) {
      throw new FieldProblem(
          ErrorKind.INVALID_FIELD, "currency must be 3 upper-case letters, was " + node);
    }
    return checkedCurrency(node.textValue());
  }

  private static String checkedCurrency(String code) {
    if (!CURRENCY_CODE.matcher(code).matches()) {
      throw new FieldProblem(
          ErrorKind.INVALID_FIELD, "currency must be 3 upper-case letters, was " + code);
    }
    if (!isIso4217(code)) {
      throw new FieldProblem(ErrorKind.INVALID_FIELD, "currency is not an ISO 4217 code: " + code);
    }
    return code;
  }

  private static boolean isIso4217(String code) {
    try {
      Currency.getInstance(code);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Instant eventTime(@Nullable JsonNode node) {
    if (node == null || node.isNull() || (node.isTextual() && node.textValue().isBlank())) {
      throw new FieldProblem(ErrorKind.MISSING_FIELD, "missing required field " + EVENT_TIME);
    }
    if (!node.isTextual()) {
      throw new FieldProblem(
          ErrorKind.BAD_TIMESTAMP, "event_time must be an RFC 3339 string, was " + node);
    }
    return parseTimestamp(node.textValue());
  }

  private static Instant parseTimestamp(String text) {
    OffsetDateTime parsed;
    try {
      parsed = OffsetTimestamps.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new FieldProblem(
          ErrorKind.BAD_TIMESTAMP, "event_time is not an RFC 3339 timestamp: " + text);
    }
    int year = parsed.toInstant().atOffset(ZoneOffset.UTC).getYear();
    if (year < MIN_YEAR || year > MAX_YEAR) {
      throw new FieldProblem(
          ErrorKind.BAD_TIMESTAMP, "event_time is outside years 0001-9999: " + text);
    }
    return new Instant(parsed.toInstant().toEpochMilli());
  }

  private static @Nullable String extraAttributes(ObjectNode root) {
    ObjectNode extra = null;
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!KNOWN_FIELDS.contains(field.getKey())) {
        if (extra == null) {
          extra = MAPPER.createObjectNode();
        }
        extra.set(field.getKey(), field.getValue());
      }
    }
    return extra == null ? null : extra.toString();
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** A rule broken by one field; caught inside this class, never escapes it. */
  private static final class FieldProblem extends RuntimeException {
    private final ErrorKind kind;

    FieldProblem(ErrorKind kind, String message) {
      super(message, null, false, false);
      this.kind = kind;
    }
  }
}
