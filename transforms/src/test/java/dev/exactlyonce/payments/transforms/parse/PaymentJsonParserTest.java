package dev.exactlyonce.payments.transforms.parse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.exactlyonce.payments.model.ErrorKind;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser.Outcome;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser.Rejected;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser.Valid;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link PaymentJsonParser} makes of one record: a payment, or exactly why not. */
class PaymentJsonParserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KafkaCoordinates SOURCE = KafkaCoordinates.of("payments", 3, 42L);
  private static final Instant RECEIVED_AT = Instant.parse("2026-03-01T10:00:05Z");
  private static final Instant EVENT_TIME = Instant.parse("2026-03-01T10:00:00Z");

  /** A valid event with every required field and no optional one; {@code change} edits it. */
  private static String event(Consumer<ObjectNode> change) {
    ObjectNode event = JSON.createObjectNode();
    event.put("transaction_id", "tx-1");
    event.put("sender_account", "ACC-1");
    event.put("receiver_account", "ACC-2");
    event.putRawValue("amount", new RawValue("12.3"));
    event.put("currency", "EUR");
    event.put("event_time", "2026-03-01T10:00:00Z");
    change.accept(event);
    return event.toString();
  }

  private static String validEvent() {
    return event(e -> {});
  }

  /** The event with {@code field} set to the JSON text {@code rawJson}, exactly as written. */
  private static String eventWith(String field, String rawJson) {
    return event(e -> e.putRawValue(field, new RawValue(rawJson)));
  }

  private static Outcome parse(String json) {
    return PaymentJsonParser.parse(json.getBytes(UTF_8), SOURCE, RECEIVED_AT);
  }

  private static Payment valid(String json) {
    return assertInstanceOf(Valid.class, parse(json), json).payment();
  }

  private static Rejected rejected(String json) {
    return assertInstanceOf(Rejected.class, parse(json), json);
  }

  private static Rejected rejectedAs(ErrorKind kind, String json) {
    Rejected rejected = rejected(json);
    assertEquals(kind, rejected.kind(), () -> json + " -> " + rejected.message());
    return rejected;
  }

  private static void assertUnparseable(byte[] value) {
    Rejected rejected =
        assertInstanceOf(Rejected.class, PaymentJsonParser.parse(value, SOURCE, RECEIVED_AT));
    assertEquals(ErrorKind.UNPARSEABLE, rejected.kind(), rejected.message());
    assertNull(rejected.transactionId());
    assertNull(rejected.eventTime());
  }

  private static JsonNode tree(String json) throws IOException {
    return JSON.readTree(json);
  }

  // ---------------------------------------------------------------------------------------------
  // Valid events

  @Test
  void testValidEventBecomesPayment() {
    Payment payment = valid(validEvent());

    assertEquals("tx-1", payment.getTransactionId());
    assertEquals("ACC-1", payment.getSenderAccount());
    assertEquals("ACC-2", payment.getReceiverAccount());
    assertEquals(new BigDecimal("12.30"), payment.getAmount());
    assertEquals("EUR", payment.getCurrency());
    assertEquals(EVENT_TIME, payment.getEventTime());
    assertEquals(SOURCE, payment.getSource());
    assertEquals(RECEIVED_AT, payment.getReceivedAt());
  }

  @Test
  void testNumericAmountIsScaledToTwoDecimals() {
    BigDecimal amount = valid(eventWith("amount", "12.3")).getAmount();

    assertEquals(new BigDecimal("12.30"), amount);
    assertEquals(2, amount.scale());
  }

  @Test
  void testIntegerAmountIsScaledToTwoDecimals() {
    assertEquals(new BigDecimal("5.00"), valid(eventWith("amount", "5")).getAmount());
  }

  @Test
  void testAmountStringWithTrailingZerosIsAcceptedAndScaledToTwoDecimals() {
    assertEquals(new BigDecimal("12.30"), valid(eventWith("amount", "\"12.300\"")).getAmount());
  }

  @Test
  void testNumericAmountWithTrailingZerosIsAcceptedAndScaledToTwoDecimals() {
    assertEquals(new BigDecimal("1.50"), valid(eventWith("amount", "1.5000")).getAmount());
  }

  @Test
  void testAmountInExponentNotationIsScaledToTwoDecimals() {
    assertEquals(new BigDecimal("1000.00"), valid(eventWith("amount", "1e3")).getAmount());
  }

  @Test
  void testEqualAmountsWrittenDifferentlyGiveEqualPayments() {
    Payment asNumber = valid(eventWith("amount", "7.1"));
    Payment asString = valid(eventWith("amount", "\"7.10\""));

    assertEquals(asNumber.getAmount(), asString.getAmount());
  }

  @Test
  void testAmountWithTwentyNineIntegerDigitsIsAccepted() {
    String largest = "99999999999999999999999999999.99";
    assertEquals(new BigDecimal(largest), valid(eventWith("amount", largest)).getAmount());
  }

  @Test
  void testAmountWithThirtyIntegerDigitsIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "100000000000000000000000000000"));
  }

  @Test
  void testEventTimeWithPositiveOffsetIsConvertedToUtc() {
    Payment payment = valid(event(e -> e.put("event_time", "2026-03-01T12:00:00+02:00")));

    assertEquals(EVENT_TIME, payment.getEventTime());
  }

  @Test
  void testEventTimeWithNegativeOffsetIsConvertedToUtc() {
    Payment payment = valid(event(e -> e.put("event_time", "2026-03-01T05:30:00-04:30")));

    assertEquals(EVENT_TIME, payment.getEventTime());
  }

  @Test
  void testEventTimeFractionIsKeptToTheMillisecond() {
    Payment payment = valid(event(e -> e.put("event_time", "2026-03-01T10:00:00.123456Z")));

    assertEquals(EVENT_TIME.plus(123), payment.getEventTime());
  }

  @Test
  void testEventTimeAtTheEdgesOfYears0001To9999IsAccepted() {
    assertEquals(
        Instant.parse("0001-01-01T00:00:00Z"),
        valid(event(e -> e.put("event_time", "0001-01-01T00:00:00Z"))).getEventTime());
    assertEquals(
        Instant.parse("9999-12-31T23:59:59.999Z"),
        valid(event(e -> e.put("event_time", "9999-12-31T23:59:59.999Z"))).getEventTime());
  }

  @Test
  void testOptionalFieldsAreRead() {
    Payment payment =
        valid(
            event(
                e -> {
                  e.put("payment_method", "card");
                  e.put("merchant_category", "5411");
                  e.put("country", "DE");
                }));

    assertEquals("card", payment.getPaymentMethod());
    assertEquals("5411", payment.getMerchantCategory());
    assertEquals("DE", payment.getCountry());
  }

  @Test
  void testAbsentOptionalFieldsAreNull() {
    Payment payment = valid(validEvent());

    assertNull(payment.getPaymentMethod());
    assertNull(payment.getMerchantCategory());
    assertNull(payment.getCountry());
  }

  @Test
  void testNullOptionalFieldsAreNull() {
    Payment payment =
        valid(
            event(
                e -> {
                  e.putNull("payment_method");
                  e.putNull("merchant_category");
                  e.putNull("country");
                }));

    assertNull(payment.getPaymentMethod());
    assertNull(payment.getMerchantCategory());
    assertNull(payment.getCountry());
    assertNull(payment.getExtraAttributesJson());
  }

  @Test
  void testOptionalFieldThatIsNotAStringIsInvalidField() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("payment_method", "7"));

    assertTrue(rejected.message().contains("payment_method"), rejected.message());
  }

  @Test
  void testRequiredTextIsStripped() {
    Payment payment = valid(event(e -> e.put("transaction_id", "  tx-1 ")));

    assertEquals("tx-1", payment.getTransactionId());
  }

  @Test
  void testUnknownFieldsAreKeptInExtraAttributesJson() throws IOException {
    Payment payment =
        valid(
            event(
                e -> {
                  e.put("payment_method", "card");
                  e.put("channel", "web");
                  e.putRawValue("device", new RawValue("{\"ip\":\"10.0.0.1\",\"tags\":[1,2]}"));
                  e.putNull("note");
                }));

    assertEquals(
        tree("{\"channel\":\"web\",\"device\":{\"ip\":\"10.0.0.1\",\"tags\":[1,2]},\"note\":null}"),
        tree(payment.getExtraAttributesJson()));
  }

  @Test
  void testUnknownFieldsKeepTheirNumbersAsWritten() {
    // A fee of 1000.0 must not come back as 1E+3, nor a rate of 1.10 as 1.1.
    Payment payment = valid(eventWith("fee", "{\"amount\":1000.0,\"rate\":1.10,\"count\":12}"));

    assertEquals("{\"fee\":{\"amount\":1000.0,\"rate\":1.10,\"count\":12}}", payment.getExtraAttributesJson());
  }

  @Test
  void testEventWithoutUnknownFieldsHasNullExtraAttributes() {
    assertNull(valid(event(e -> e.put("country", "FR"))).getExtraAttributesJson());
  }

  @Test
  void testRawValueIsKeptAsReceived() {
    byte[] value = (" " + validEvent() + "\n").getBytes(UTF_8);

    Outcome outcome = PaymentJsonParser.parse(value, SOURCE, RECEIVED_AT);

    byte[] kept = assertInstanceOf(Valid.class, outcome).payment().getRawValue();
    assertArrayEquals((" " + validEvent() + "\n").getBytes(UTF_8), kept);
  }

  @Test
  void testSameBytesParseToEqualPayments() {
    assertEquals(valid(validEvent()), valid(validEvent()));
  }

  // ---------------------------------------------------------------------------------------------
  // UNPARSEABLE

  @Test
  void testBadJsonIsUnparseable() {
    assertUnparseable("{\"transaction_id\":\"tx-1\",".getBytes(UTF_8));
  }

  @Test
  void testJsonArrayIsUnparseable() {
    assertUnparseable(("[" + validEvent() + "]").getBytes(UTF_8));
  }

  @Test
  void testEmptyBytesAreUnparseable() {
    assertUnparseable(new byte[0]);
  }

  @Test
  void testNullValueIsUnparseable() {
    assertUnparseable(null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"null", "\"tx-1\"", "42", "true", "   "})
  void testJsonThatIsNotAnObjectIsUnparseable(String json) {
    assertUnparseable(json.getBytes(UTF_8));
  }

  @Test
  void testTrailingGarbageIsUnparseable() {
    assertUnparseable((validEvent() + " garbage").getBytes(UTF_8));
  }

  @Test
  void testSecondJsonValueAfterTheEventIsUnparseable() {
    assertUnparseable((validEvent() + "{}").getBytes(UTF_8));
  }

  @Test
  void testDuplicateKeysAreUnparseable() {
    String twoAmounts = validEvent().replace("\"amount\":12.3", "\"amount\":12.3,\"amount\":99.0");

    assertUnparseable(twoAmounts.getBytes(UTF_8));
  }

  @Test
  void testInvalidUtf8IsUnparseable() {
    byte[] value = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};

    assertUnparseable(value);
  }

  // ---------------------------------------------------------------------------------------------
  // MISSING_FIELD

  static Stream<String> requiredFields() {
    return Stream.of(
        "transaction_id", "sender_account", "receiver_account", "amount", "currency", "event_time");
  }

  @ParameterizedTest
  @MethodSource("requiredFields")
  void testAbsentRequiredFieldIsMissingField(String field) {
    Rejected rejected = rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.remove(field)));

    assertTrue(rejected.message().contains(field), rejected.message());
  }

  @ParameterizedTest
  @MethodSource("requiredFields")
  void testNullRequiredFieldIsMissingField(String field) {
    Rejected rejected = rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.putNull(field)));

    assertTrue(rejected.message().contains(field), rejected.message());
  }

  @ParameterizedTest
  @MethodSource("requiredFields")
  void testEmptyRequiredTextFieldIsMissingField(String field) {
    Rejected rejected = rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.put(field, "")));

    assertTrue(rejected.message().contains(field), rejected.message());
  }

  @ParameterizedTest
  @ValueSource(strings = {"transaction_id", "sender_account", "receiver_account", "currency"})
  void testWhitespaceOnlyRequiredTextFieldIsMissingField(String field) {
    rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.put(field, " \t ")));
  }

  @Test
  void testMissingAmountKeepsTransactionIdAndEventTime() {
    Rejected rejected = rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.remove("amount")));

    assertEquals("tx-1", rejected.transactionId());
    assertEquals(EVENT_TIME, rejected.eventTime());
  }

  @Test
  void testMissingTransactionIdHasNoTransactionId() {
    Rejected rejected =
        rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.remove("transaction_id")));

    assertNull(rejected.transactionId());
    assertEquals(EVENT_TIME, rejected.eventTime());
  }

  @Test
  void testBlankTransactionIdHasNoTransactionId() {
    Rejected rejected =
        rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.put("transaction_id", "   ")));

    assertNull(rejected.transactionId());
  }

  // ---------------------------------------------------------------------------------------------
  // INVALID_FIELD: amount

  @Test
  void testNumberTooLargeForADoubleIsInvalidFieldNotACrash() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "1e400"));
    assertTrue(rejected.message().contains("amount"), rejected.message());
  }

  @Test
  void testAmountStringWithHugeExponentIsInvalidFieldNotACrash() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "\"1E+2147483647\""));
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "\"10E+2147483646\""));
  }

  @Test
  void testAmountStringWithHugeNegativeExponentIsInvalidFieldWithAShortMessage() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "\"1E-2147483647\""));
    assertTrue(rejected.message().length() < 200, "message must not spell out the digits");
  }

  @Test
  void testBlankAmountIsMissingField() {
    rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.put("amount", "  ")));
  }

  @Test
  void testBlankEventTimeIsMissingField() {
    rejectedAs(ErrorKind.MISSING_FIELD, event(e -> e.put("event_time", "")));
  }

  @Test
  void testZeroAmountIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "0"));
  }

  @Test
  void testZeroAmountWithDecimalsIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "\"0.00\""));
  }

  @Test
  void testNegativeAmountIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "-12.50"));
  }

  @Test
  void testNegativeAmountStringIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "\"-1\""));
  }

  @Test
  void testAmountWithThreeDecimalsIsInvalidField() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "1.005"));

    assertTrue(rejected.message().contains("decimal places"), rejected.message());
  }

  @Test
  void testAmountStringWithThreeDecimalsIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "\"1.005\""));
  }

  @Test
  void testNonNumericAmountStringIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "\"twelve\""));
  }

  @Test
  void testBooleanAmountIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "true"));
  }

  @Test
  void testObjectAmountIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "{\"value\":12.3}"));
  }

  @Test
  void testInvalidAmountKeepsTransactionIdAndEventTime() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "-1"));

    assertEquals("tx-1", rejected.transactionId());
    assertEquals(EVENT_TIME, rejected.eventTime());
  }

  // ---------------------------------------------------------------------------------------------
  // INVALID_FIELD: currency and account types

  @Test
  void testLowerCaseCurrencyIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, event(e -> e.put("currency", "eur")));
  }

  @Test
  void testFourLetterCurrencyIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, event(e -> e.put("currency", "EURO")));
  }

  @Test
  void testTwoLetterCurrencyIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, event(e -> e.put("currency", "EU")));
  }

  @Test
  void testCurrencyThatIsNotIso4217IsInvalidField() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, event(e -> e.put("currency", "XYZ")));

    assertTrue(rejected.message().contains("ISO 4217"), rejected.message());
  }

  @Test
  void testNumericCurrencyIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("currency", "978"));
  }

  @Test
  void testSenderAsNumberIsInvalidField() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("sender_account", "12345"));

    assertTrue(rejected.message().contains("sender_account"), rejected.message());
    assertEquals("tx-1", rejected.transactionId());
  }

  @Test
  void testReceiverAsNumberIsInvalidField() {
    rejectedAs(ErrorKind.INVALID_FIELD, eventWith("receiver_account", "67890"));
  }

  @Test
  void testTransactionIdAsNumberIsInvalidFieldWithoutTransactionId() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("transaction_id", "7"));

    assertNull(rejected.transactionId());
  }

  // ---------------------------------------------------------------------------------------------
  // BAD_TIMESTAMP

  @Test
  void testEventTimeWithoutOffsetIsBadTimestamp() {
    rejectedAs(ErrorKind.BAD_TIMESTAMP, event(e -> e.put("event_time", "2026-03-01T10:00:00")));
  }

  @Test
  void testGarbageEventTimeIsBadTimestamp() {
    rejectedAs(ErrorKind.BAD_TIMESTAMP, event(e -> e.put("event_time", "yesterday at noon")));
  }

  @Test
  void testNumericEventTimeIsBadTimestamp() {
    rejectedAs(ErrorKind.BAD_TIMESTAMP, eventWith("event_time", "1772359200000"));
  }

  // ---------------------------------------------------------------- ahead of its Kafka record

  private static final Duration SKEW = Duration.standardMinutes(5);

  /** The valid event written to Kafka at {@code kafkaTime}, its event time {@code ahead} of that. */
  private static Outcome aheadOfItsRecord(Duration ahead, Instant kafkaTime) {
    String json = event(e -> e.put("event_time", kafkaTime.plus(ahead).toString()));
    return PaymentJsonParser.parse(json.getBytes(UTF_8), SOURCE, kafkaTime, SKEW);
  }

  @Test
  void testEventTimeFurtherAheadOfItsRecordThanTheSkewIsBadTimestampAndKeepsWhatItCouldRead() {
    Rejected rejected =
        assertInstanceOf(Rejected.class, aheadOfItsRecord(SKEW.plus(Duration.millis(1)), RECEIVED_AT));

    assertEquals(ErrorKind.BAD_TIMESTAMP, rejected.kind(), rejected.message());
    assertEquals(
        "event_time 2026-03-01T10:05:05.001Z is more than 300 s ahead of its Kafka record's timestamp "
            + "2026-03-01T10:00:05.000Z, more than clocks can disagree",
        rejected.message());
    assertEquals("tx-1", rejected.transactionId());
    assertEquals(RECEIVED_AT.plus(SKEW).plus(Duration.millis(1)), rejected.eventTime());
  }

  @Test
  void testEventTimeAheadOfItsRecordByAtMostTheSkewIsAPayment() {
    assertInstanceOf(Valid.class, aheadOfItsRecord(SKEW, RECEIVED_AT));
  }

  @Test
  void testRecordWithoutKafkaTimestampIsNeverAhead() {
    // Kafka reports a missing timestamp as -1.
    assertInstanceOf(Valid.class, aheadOfItsRecord(Duration.standardDays(1), new Instant(-1)));
  }

  @Test
  void testWithoutSkewAnEventTimeAheadOfItsRecordIsAPayment() {
    String json = event(e -> e.put("event_time", RECEIVED_AT.plus(Duration.standardDays(1)).toString()));
    assertInstanceOf(Valid.class, parse(json));
  }

  @Test
  void testEventTimeInYear10000IsBadTimestamp() {
    rejectedAs(ErrorKind.BAD_TIMESTAMP, event(e -> e.put("event_time", "+10000-01-01T00:00:00Z")));
    rejectedAs(ErrorKind.BAD_TIMESTAMP, event(e -> e.put("event_time", "10000-01-01T00:00:00Z")));
  }

  @Test
  void testEventTimeThatIsYear10000InUtcIsBadTimestamp() {
    rejectedAs(
        ErrorKind.BAD_TIMESTAMP, event(e -> e.put("event_time", "9999-12-31T23:00:00-05:00")));
  }

  @Test
  void testEventTimeBeforeYear0001IsBadTimestamp() {
    rejectedAs(ErrorKind.BAD_TIMESTAMP, event(e -> e.put("event_time", "0000-12-31T23:59:59Z")));
  }

  @Test
  void testBadTimestampKeepsTransactionIdWithoutEventTime() {
    Rejected rejected =
        rejectedAs(ErrorKind.BAD_TIMESTAMP, event(e -> e.put("event_time", "2026-03-01T10:00:00")));

    assertEquals("tx-1", rejected.transactionId());
    assertNull(rejected.eventTime());
  }

  // ---------------------------------------------------------------------------------------------
  // eventTimeOf

  @Test
  void testEventTimeOfReadsPresentEventTime() {
    assertEquals(EVENT_TIME, PaymentJsonParser.eventTimeOf(validEvent().getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfConvertsOffsetToUtc() {
    String json = event(e -> e.put("event_time", "2026-03-01T11:00:00+01:00"));

    assertEquals(EVENT_TIME, PaymentJsonParser.eventTimeOf(json.getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfSkipsNestedEventTime() {
    String json =
        "{\"meta\":{\"event_time\":\"2020-01-01T00:00:00Z\",\"list\":[{\"event_time\":1}]},"
            + "\"event_time\":\"2026-03-01T10:00:00Z\"}";

    assertEquals(EVENT_TIME, PaymentJsonParser.eventTimeOf(json.getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfIgnoresOtherInvalidFields() {
    String json = eventWith("amount", "-1");

    assertEquals(EVENT_TIME, PaymentJsonParser.eventTimeOf(json.getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfAbsentEventTimeIsNull() {
    assertNull(PaymentJsonParser.eventTimeOf(event(e -> e.remove("event_time")).getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfUnparseableTimestampIsNull() {
    String json = event(e -> e.put("event_time", "2026-03-01T10:00:00"));

    assertNull(PaymentJsonParser.eventTimeOf(json.getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfNumericEventTimeIsNull() {
    assertNull(
        PaymentJsonParser.eventTimeOf(eventWith("event_time", "1772359200000").getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfUnparseableJsonIsNull() {
    assertNull(PaymentJsonParser.eventTimeOf("{\"amount\":,}".getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfJsonArrayIsNull() {
    assertNull(PaymentJsonParser.eventTimeOf(("[" + validEvent() + "]").getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfJsonStringIsNull() {
    assertNull(PaymentJsonParser.eventTimeOf("\"2026-03-01T10:00:00Z\"".getBytes(UTF_8)));
  }

  @Test
  void testEventTimeOfEmptyOrNullValueIsNull() {
    assertNull(PaymentJsonParser.eventTimeOf(new byte[0]));
    assertNull(PaymentJsonParser.eventTimeOf(null));
  }

  @Test
  void testEventTimeOfAgreesWithParse() {
    String json = event(e -> e.put("event_time", "2026-03-01T10:00:00.250-03:00"));

    assertEquals(
        valid(json).getEventTime(), PaymentJsonParser.eventTimeOf(json.getBytes(UTF_8)));
  }
}
