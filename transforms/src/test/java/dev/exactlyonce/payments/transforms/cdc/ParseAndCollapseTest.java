package dev.exactlyonce.payments.transforms.cdc;

import static dev.exactlyonce.payments.transforms.cdc.ChangeEvents.T0;
import static dev.exactlyonce.payments.transforms.cdc.ChangeEvents.envelope;
import static dev.exactlyonce.payments.transforms.cdc.ChangeEvents.record;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.ErrorKind;
import java.util.List;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** ParseChangeEvents then CollapseToNewest, on a stream: what reaches the write, and what not. */
@RunWith(JUnit4.class)
public class ParseAndCollapseTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  private static final Duration WINDOW = Duration.standardSeconds(10);
  private static final Instant START = new Instant(T0);

  private static TimestampedValue<KafkaRecord<byte[], byte[]>> at(long seconds, KafkaRecord<byte[], byte[]> record) {
    return TimestampedValue.of(record, START.plus(Duration.standardSeconds(seconds)));
  }

  private PCollectionTuple parsed(TestStream<KafkaRecord<byte[], byte[]>> stream) {
    return pipeline.apply(stream).apply(ParseChangeEvents.keyedBy(List.of("article_id")));
  }

  private static TestStream.Builder<KafkaRecord<byte[], byte[]>> stream() {
    return TestStream.create(KafkaRecordCoder.of(NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of())))
        .advanceWatermarkTo(START);
  }

  private static PCollection<String> summaries(PCollection<ChangeEvent> changes) {
    return changes.apply(
        "Summarize",
        MapElements.into(TypeDescriptors.strings())
            .via(change -> change.getKeyJson() + " " + change.getOp() + " " + change.getRowJson()));
  }

  @Test
  public void testUpdatesOfOneKeyInAWindowCollapseToTheNewestWhateverTheArrivalOrder() {
    TestStream<KafkaRecord<byte[], byte[]>> events =
        stream()
            .addElements(
                at(1, record(0, 1, envelope("c", 1, "v1", T0, 10))),
                at(2, record(1, 1, envelope("u", 1, "v3", T0 + 3_000, 30))),
                at(3, record(2, 1, envelope("u", 1, "v2", T0 + 2_000, 20))),
                at(4, record(3, 2, envelope("c", 2, "other", T0 + 1_000, 15))))
            .advanceWatermarkToInfinity();
    PCollection<ChangeEvent> newest = parsed(events).get(ParseChangeEvents.CHANGES).apply(CollapseToNewest.create().withWindowSize(WINDOW));
    PAssert.that(summaries(newest))
        .inOnTimePane(new IntervalWindow(START, WINDOW))
        .containsInAnyOrder(
            "[1] UPDATE {\"article_id\":1,\"title\":\"v3\",\"price\":12.50}",
            "[2] CREATE {\"article_id\":2,\"title\":\"other\",\"price\":12.50}");
    pipeline.run();
  }

  @Test
  public void testADeleteNewerThanTheUpdatesInItsWindowWins() {
    TestStream<KafkaRecord<byte[], byte[]>> events =
        stream()
            .addElements(
                at(1, record(0, 1, envelope("d", 1, "v2", T0 + 5_000, 50))),
                at(2, record(1, 1, envelope("u", 1, "v1", T0 + 1_000, 10))))
            .advanceWatermarkToInfinity();
    PCollection<ChangeEvent> newest = parsed(events).get(ParseChangeEvents.CHANGES).apply(CollapseToNewest.create().withWindowSize(WINDOW));
    PAssert.that(summaries(newest)).containsInAnyOrder("[1] DELETE {\"article_id\":1}");
    pipeline.run();
  }

  /** Different windows are written separately; the sequence, not this step, orders them. */
  @Test
  public void testChangesInDifferentWindowsAreNotCollapsed() {
    TestStream<KafkaRecord<byte[], byte[]>> events =
        stream()
            .addElements(at(1, record(0, 1, envelope("u", 1, "new", T0 + 9_000, 90))))
            .advanceWatermarkTo(START.plus(Duration.standardSeconds(20)))
            .addElements(at(25, record(1, 1, envelope("u", 1, "old", T0 + 1_000, 10))))
            .advanceWatermarkToInfinity();
    PCollection<ChangeEvent> newest = parsed(events).get(ParseChangeEvents.CHANGES).apply(CollapseToNewest.create().withWindowSize(WINDOW));
    PAssert.that(summaries(newest))
        .containsInAnyOrder(
            "[1] UPDATE {\"article_id\":1,\"title\":\"new\",\"price\":12.50}",
            "[1] UPDATE {\"article_id\":1,\"title\":\"old\",\"price\":12.50}");
    pipeline.run();
  }

  @Test
  public void testBadRecordsBecomeDeadLettersWithTheirBytesAndCoordinates() {
    TestStream<KafkaRecord<byte[], byte[]>> events =
        stream()
            .addElements(
                at(1, record(0, 1, "{not json")),
                at(1, record(1, 1, envelope("x", 1, "v", T0, 1))),
                at(1, record(2, "garbage", null, T0)),
                at(1, record(3, null, "{\"after\":{\"title\":\"t\"},\"op\":\"c\",\"ts_ms\":1}", T0)),
                at(2, record(4, ChangeEvents.key(5), null, T0 + 100)))
            .advanceWatermarkToInfinity();
    PCollectionTuple parsed = parsed(events);
    PAssert.that(
            parsed
                .get(ParseChangeEvents.DEAD_LETTERS)
                .apply(
                    "Describe",
                    MapElements.into(TypeDescriptors.strings())
                        .via((DeadLetter dead) -> dead.getErrorKind() + "@" + dead.getSource().getOffset()
                            + " raw=" + (dead.getRawValue() == null ? "null" : new String(dead.getRawValue(), java.nio.charset.StandardCharsets.UTF_8)))))
        .containsInAnyOrder(
            ErrorKind.UNPARSEABLE + "@0 raw={not json",
            ErrorKind.UNKNOWN_OP + "@1 raw=" + envelope("x", 1, "v", T0, 1),
            ErrorKind.MISSING_KEY + "@2 raw=null",
            ErrorKind.MISSING_KEY + "@3 raw={\"after\":{\"title\":\"t\"},\"op\":\"c\",\"ts_ms\":1}");
    PAssert.that(summaries(parsed.get(ParseChangeEvents.CHANGES)))
        .containsInAnyOrder("[5] " + ChangeOp.TOMBSTONE + " {\"article_id\":5}");
    pipeline.run();
  }
}
