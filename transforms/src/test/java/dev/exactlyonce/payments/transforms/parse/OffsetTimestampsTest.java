package dev.exactlyonce.payments.transforms.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link OffsetTimestamps#parse} reads the usual shape of a timestamp by position; for
 * every text it must give what {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} gives, a time or a
 * refusal.
 */
class OffsetTimestampsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:00:00.1Z",
        "2026-03-01T10:00:00.123Z",
        "2026-03-01T10:00:00.123456789Z",
        "2026-03-01T10:00:00.1234567891Z",
        "2026-03-01T10:00:00.Z",
        "2026-03-01T10:00:00+02:00",
        "2026-03-01T10:00:00.5-05:30",
        "2026-03-01T10:00:00-00:00",
        "2026-03-01T10:00:00+18:00",
        "2026-03-01T10:00:00+18:01",
        "2026-03-01T10:00:00+19:00",
        "2026-03-01T10:00:00+0200",
        "2026-03-01T10:00:00+02",
        "2026-03-01T10:00:00+02:00:30",
        "2026-03-01T10:00Z",
        "2026-03-01t10:00:00z",
        "2026-03-01 10:00:00Z",
        "2026-03-01T10:00:00",
        "2024-02-29T23:59:59Z",
        "2026-02-29T10:00:00Z",
        "2026-04-31T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-00-01T10:00:00Z",
        "2026-03-01T24:00:00Z",
        "2026-03-01T23:60:00Z",
        "2026-03-01T23:59:60Z",
        "0001-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999Z",
        "+12026-03-01T10:00:00Z",
        "2026-3-01T10:00:00Z",
        "2026-03-01T10:00:00ZZ",
        "2026-03-01T10:00:00+02:0x",
        "2026-03-01T10:00:00.12a3Z",
        "２０２６-03-01T10:00:00Z",
        "",
      })
  void readsEveryTextAsTheFormatterDoes(String text) {
    assertSameAsTheFormatter(text);
  }

  private static List<String> generated() {
    Random random = new Random(20261205);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      StringBuilder text =
          new StringBuilder(
              String.format(
                  "%04d-%02d-%02dT%02d:%02d:%02d",
                  random.nextInt(10_000), random.nextInt(14), random.nextInt(33), random.nextInt(26),
                  random.nextInt(62), random.nextInt(62)));
      int fraction = random.nextInt(11);
      if (fraction > 0) {
        text.append('.');
        for (int digit = 1; digit < fraction; digit++) {
          text.append(random.nextInt(10));
        }
      }
      if (random.nextBoolean()) {
        text.append('Z');
      } else {
        text.append(String.format("%s%02d:%02d", random.nextBoolean() ? "+" : "-", random.nextInt(20), random.nextInt(62)));
      }
      texts.add(text.toString());
    }
    return texts;
  }

  /** Two thousand near-misses and hits around the usual shape: out-of-range fields, every fraction length, offsets. */
  @Test
  void readsGeneratedTextsAsTheFormatterDoes() {
    generated().forEach(OffsetTimestampsTest::assertSameAsTheFormatter);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-03-01T10:00:00Z", "2026-03-01T10:00:00.123456+02:00", "1999-12-31T23:59:59-08:00"})
  void theUsualShapeIsReadWithoutTheFormatter(String text) {
    assertEquals(OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME), OffsetTimestamps.usualShape(text));
  }

  private static void assertSameAsTheFormatter(String text) {
    OffsetDateTime expected;
    try {
      expected = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeException refused) {
      assertThrows(DateTimeException.class, () -> OffsetTimestamps.parse(text), text);
      return;
    }
    assertEquals(expected, OffsetTimestamps.parse(text), text);
  }
}
