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
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

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

  /** Rejected as {@code kind}, with a message that names {@code named} unless that is null. */
  private static Rejected rejectedNaming(ErrorKind kind, String named, String json) {
    Rejected rejected = rejectedAs(kind, json);
    if (named != null) {
      assertTrue(rejected.message().contains(named), rejected.message());
    }
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

  @ParameterizedTest(name = "amount {0} becomes {1}")
  @CsvSource(
      delimiter = '|',
      textBlock = """
          12.3                             | 12.30
          5                                | 5.00
          "12.300"                         | 12.30
          1.5000                           | 1.50
          1e3                              | 1000.00
          # Twenty-nine integer digits: the most BigQuery's NUMERIC holds.
          99999999999999999999999999999.99 | 99999999999999999999999999999.99
          """)
  void testAmountIsScaledToTwoDecimals(String rawAmount, String expected) {
    BigDecimal amount = valid(eventWith("amount", rawAmount)).getAmount();

    assertEquals(new BigDecimal(expected), amount);
    assertEquals(2, amount.scale());
  }

  @Test
  void testEqualAmountsWrittenDifferentlyGiveEqualPayments() {
    Payment asNumber = valid(eventWith("amount", "7.1"));
    Payment asString = valid(eventWith("amount", "\"7.10\""));

    assertEquals(asNumber.getAmount(), asString.getAmount());
  }

  @ParameterizedTest(name = "event_time {0} is {1}")
  @CsvSource({
    "2026-03-01T12:00:00+02:00,   2026-03-01T10:00:00Z",
    "2026-03-01T05:30:00-04:30,   2026-03-01T10:00:00Z",
    // Kept to the millisecond, the finest a Beam timestamp holds.
    "2026-03-01T10:00:00.123456Z, 2026-03-01T10:00:00.123Z",
    // The edges of years 0001 to 9999, the range BigQuery's TIMESTAMP holds.
    "0001-01-01T00:00:00Z,        0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999Z,    9999-12-31T23:59:59.999Z"
  })
  void testEventTimeIsReadInUtc(String eventTime, String expected) {
    Payment payment = valid(event(e -> e.put("event_time", eventTime)));

    assertEquals(Instant.parse(expected), payment.getEventTime());
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

  static Stream<Named<byte[]>> unparseableValues() {
    return Stream.of(
        Named.of("bad JSON", "{\"transaction_id\":\"tx-1\",".getBytes(UTF_8)),
        Named.of("a JSON array", ("[" + validEvent() + "]").getBytes(UTF_8)),
        Named.of("JSON null", "null".getBytes(UTF_8)),
        Named.of("a JSON string", "\"tx-1\"".getBytes(UTF_8)),
        Named.of("a JSON number", "42".getBytes(UTF_8)),
        Named.of("a JSON boolean", "true".getBytes(UTF_8)),
        Named.of("only white space", "   ".getBytes(UTF_8)),
        Named.of("empty bytes", new byte[0]),
        Named.of("a null value", null),
        Named.of("trailing garbage", (validEvent() + " garbage").getBytes(UTF_8)),
        Named.of("a second JSON value after the event", (validEvent() + "{}").getBytes(UTF_8)),
        Named.of(
            "duplicate keys",
            validEvent().replace("\"amount\":12.3", "\"amount\":12.3,\"amount\":99.0").getBytes(UTF_8)),
        Named.of("invalid UTF-8", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'}));
  }

  @ParameterizedTest(name = "{0} is unparseable")
  @MethodSource("unparseableValues")
  void testUnparseable(byte[] value) {
    assertUnparseable(value);
  }

  // ---------------------------------------------------------------------------------------------
  // MISSING_FIELD

  static Stream<String> requiredFields() {
    return Stream.of(
        "transaction_id", "sender_account", "receiver_account", "amount", "currency", "event_time");
  }

  static Stream<Arguments> requiredFieldsWithoutAValue() {
    return requiredFields()
        .flatMap(
            field ->
                Stream.of(
                    withoutAValue(field, "absent", e -> e.remove(field)),
                    withoutAValue(field, "null", e -> e.putNull(field)),
                    withoutAValue(field, "empty", e -> e.put(field, ""))));
  }

  private static Arguments withoutAValue(String field, String how, Consumer<ObjectNode> change) {
    return Arguments.of(field, Named.of(how, change));
  }

  @ParameterizedTest(name = "{0} {1} is MISSING_FIELD")
  @MethodSource("requiredFieldsWithoutAValue")
  void testRequiredFieldWithoutAValueIsMissingField(String field, Consumer<ObjectNode> change) {
    rejectedNaming(ErrorKind.MISSING_FIELD, field, event(change));
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
  // Rejected values, by field: MISSING_FIELD, INVALID_FIELD and BAD_TIMESTAMP

  @ParameterizedTest(name = "{1} = \"{2}\" is {0}")
  @CsvSource(
      delimiter = '|',
      textBlock = """
          MISSING_FIELD | transaction_id   | ' \t '                    |
          MISSING_FIELD | sender_account   | ' \t '                    |
          MISSING_FIELD | receiver_account | ' \t '                    |
          MISSING_FIELD | currency         | ' \t '                    |
          MISSING_FIELD | amount           | '  '                      |
          MISSING_FIELD | event_time       | ''                        |
          INVALID_FIELD | currency         | eur                       |
          INVALID_FIELD | currency         | EURO                      |
          INVALID_FIELD | currency         | EU                        |
          INVALID_FIELD | currency         | XYZ                       | ISO 4217
          BAD_TIMESTAMP | event_time       | 2026-03-01T10:00:00       |
          BAD_TIMESTAMP | event_time       | yesterday at noon         |
          # Years 0001 to 9999 only, in UTC: what BigQuery's TIMESTAMP holds.
          BAD_TIMESTAMP | event_time       | +10000-01-01T00:00:00Z    |
          BAD_TIMESTAMP | event_time       | 10000-01-01T00:00:00Z     |
          BAD_TIMESTAMP | event_time       | 9999-12-31T23:00:00-05:00 |
          BAD_TIMESTAMP | event_time       | 0000-12-31T23:59:59Z      |
          """)
  void testTextValueIsRejected(ErrorKind kind, String field, String text, String named) {
    rejectedNaming(kind, named, event(e -> e.put(field, text)));
  }

  @ParameterizedTest(name = "{1} = {2} is {0}")
  @CsvSource(
      delimiter = '|',
      textBlock = """
          # Thirty integer digits: one more than BigQuery's NUMERIC holds.
          INVALID_FIELD | amount           | 100000000000000000000000000000 |
          # Too large for a double, or for BigDecimal's scale: rejected, not a crash.
          INVALID_FIELD | amount           | 1e400                          | amount
          INVALID_FIELD | amount           | "1E+2147483647"                |
          INVALID_FIELD | amount           | "10E+2147483646"               |
          INVALID_FIELD | amount           | 0                              |
          INVALID_FIELD | amount           | "0.00"                         |
          INVALID_FIELD | amount           | -12.50                         |
          INVALID_FIELD | amount           | "-1"                           |
          INVALID_FIELD | amount           | 1.005                          | decimal places
          INVALID_FIELD | amount           | "1.005"                        |
          INVALID_FIELD | amount           | "twelve"                       |
          INVALID_FIELD | amount           | true                           |
          INVALID_FIELD | amount           | {"value":12.3}                 |
          INVALID_FIELD | currency         | 978                            |
          INVALID_FIELD | receiver_account | 67890                          |
          INVALID_FIELD | payment_method   | 7                              | payment_method
          BAD_TIMESTAMP | event_time       | 1772359200000                  |
          """)
  void testJsonValueIsRejected(ErrorKind kind, String field, String rawJson, String named) {
    rejectedNaming(kind, named, eventWith(field, rawJson));
  }

  // ---------------------------------------------------------------------------------------------
  // INVALID_FIELD: what the rejection keeps and says

  @Test
  void testAmountStringWithHugeNegativeExponentIsInvalidFieldWithAShortMessage() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "\"1E-2147483647\""));
    assertTrue(rejected.message().length() < 200, "message must not spell out the digits");
  }

  @Test
  void testInvalidAmountKeepsTransactionIdAndEventTime() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("amount", "-1"));

    assertEquals("tx-1", rejected.transactionId());
    assertEquals(EVENT_TIME, rejected.eventTime());
  }

  @Test
  void testSenderAsNumberIsInvalidField() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("sender_account", "12345"));

    assertTrue(rejected.message().contains("sender_account"), rejected.message());
    assertEquals("tx-1", rejected.transactionId());
  }

  @Test
  void testTransactionIdAsNumberIsInvalidFieldWithoutTransactionId() {
    Rejected rejected = rejectedAs(ErrorKind.INVALID_FIELD, eventWith("transaction_id", "7"));

    assertNull(rejected.transactionId());
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
  void testBadTimestampKeepsTransactionIdWithoutEventTime() {
    Rejected rejected =
        rejectedAs(ErrorKind.BAD_TIMESTAMP, event(e -> e.put("event_time", "2026-03-01T10:00:00")));

    assertEquals("tx-1", rejected.transactionId());
    assertNull(rejected.eventTime());
  }

  // ---------------------------------------------------------------------------------------------
  // eventTimeOf

  static Stream<Named<String>> eventsWithEventTime() {
    return Stream.of(
        Named.of("a valid event", validEvent()),
        Named.of("an offset, converted to UTC", event(e -> e.put("event_time", "2026-03-01T11:00:00+01:00"))),
        Named.of(
            "nested event_time fields, skipped",
            "{\"meta\":{\"event_time\":\"2020-01-01T00:00:00Z\",\"list\":[{\"event_time\":1}]},"
                + "\"event_time\":\"2026-03-01T10:00:00Z\"}"),
        Named.of("other invalid fields, ignored", eventWith("amount", "-1")));
  }

  @ParameterizedTest(name = "eventTimeOf reads the event time of {0}")
  @MethodSource("eventsWithEventTime")
  void testEventTimeOfReadsTheEventTime(String json) {
    assertEquals(EVENT_TIME, PaymentJsonParser.eventTimeOf(json.getBytes(UTF_8)));
  }

  static Stream<Named<byte[]>> valuesWithoutAReadableEventTime() {
    return Stream.of(
        Named.of("an absent event_time", event(e -> e.remove("event_time")).getBytes(UTF_8)),
        Named.of("an unparseable timestamp", event(e -> e.put("event_time", "2026-03-01T10:00:00")).getBytes(UTF_8)),
        Named.of("a numeric event_time", eventWith("event_time", "1772359200000").getBytes(UTF_8)),
        Named.of("unparseable JSON", "{\"amount\":,}".getBytes(UTF_8)),
        Named.of("a JSON array", ("[" + validEvent() + "]").getBytes(UTF_8)),
        Named.of("a JSON string", "\"2026-03-01T10:00:00Z\"".getBytes(UTF_8)),
        Named.of("empty bytes", new byte[0]),
        Named.of("a null value", null));
  }

  @ParameterizedTest(name = "eventTimeOf {0} is null")
  @MethodSource("valuesWithoutAReadableEventTime")
  void testEventTimeOfIsNullWithoutAReadableEventTime(byte[] value) {
    assertNull(PaymentJsonParser.eventTimeOf(value));
  }

  @Test
  void testEventTimeOfAgreesWithParse() {
    String json = event(e -> e.put("event_time", "2026-03-01T10:00:00.250-03:00"));

    assertEquals(
        valid(json).getEventTime(), PaymentJsonParser.eventTimeOf(json.getBytes(UTF_8)));
  }

  /** Records the common case reads without a tree: every field known or kept, of its usual type. */
  static Stream<Named<String>> commonRecords() {
    return Stream.of(
        Named.of("required fields only", validEvent()),
        Named.of("optional fields", event(e -> e.put("payment_method", "card").put("merchant_category", "5411").put("country", " DE "))),
        Named.of("integer amount", eventWith("amount", "12")),
        Named.of("amount with an exponent", eventWith("amount", "1e3")),
        Named.of("amount with trailing zeros", eventWith("amount", "12.300")),
        Named.of("padded ids", event(e -> e.put("transaction_id", "  tx-1 ").put("sender_account", "\tACC-1"))),
        Named.of("unknown fields kept as sent", event(e -> e.putRawValue("fee", new RawValue("{\"amount\":1000.0,\"rate\":1.10,\"n\":[1,null,\"x\"]}")).putRawValue("flag", new RawValue("null")))),
        Named.of("fields in another order", "{\"currency\":\"EUR\",\"amount\":5,\"event_time\":\"2026-03-01T10:00:00+02:00\",\"receiver_account\":\"B\",\"sender_account\":\"A\",\"transaction_id\":\"t\"}"));
  }

  /** Records only the tree path reads; each must get the tree path's answer, refusal or payment. */
  static Stream<Named<String>> unusualRecords() {
    return Stream.of(
        Named.of("amount as text", eventWith("amount", "\" 12.30 \"")),
        Named.of("null optional field", eventWith("country", "null")),
        Named.of("null required field", eventWith("sender_account", "null")),
        Named.of("blank id", eventWith("transaction_id", "\"  \"")),
        Named.of("amount too precise", eventWith("amount", "12.345")),
        Named.of("amount negative", eventWith("amount", "-1")),
        Named.of("amount far too large", eventWith("amount", "1e400")),
        Named.of("currency unknown", eventWith("currency", "\"XYZ\"")),
        Named.of("currency a number", eventWith("currency", "978")),
        Named.of("event time unreadable", eventWith("event_time", "\"yesterday\"")),
        Named.of("event time ahead of its record", eventWith("event_time", "\"2026-03-01T11:00:00Z\"")),
        Named.of("a field twice", "{\"transaction_id\":\"a\"," + validEvent().substring(1)),
        Named.of("trailing tokens", validEvent() + " {}"),
        Named.of("truncated", validEvent().substring(0, 40)),
        Named.of("an array", "[" + validEvent() + "]"),
        Named.of("missing currency", event(e -> e.remove("currency"))));
  }

  @ParameterizedTest
  @MethodSource("commonRecords")
  void commonCaseIsReadWithoutATreeAndAgreesWithIt(String json) {
    byte[] value = json.getBytes(UTF_8);
    Duration skew = Duration.standardMinutes(5);
    Payment direct = PaymentJsonParser.parseCommonCase(value, SOURCE, RECEIVED_AT, skew);
    assertEquals(PaymentJsonParser.parseWithTree(value, SOURCE, RECEIVED_AT, skew), new Valid(direct), json);
  }

  @ParameterizedTest
  @MethodSource("unusualRecords")
  void unusualRecordsGetTheTreePathsAnswer(String json) {
    byte[] value = json.getBytes(UTF_8);
    Duration skew = Duration.standardMinutes(5);
    assertNull(PaymentJsonParser.parseCommonCase(value, SOURCE, RECEIVED_AT, skew), json);
    assertEquals(
        PaymentJsonParser.parseWithTree(value, SOURCE, RECEIVED_AT, skew),
        PaymentJsonParser.parse(value, SOURCE, RECEIVED_AT, skew),
        json);
  }
}
