package dev.exactlyonce.payments.transforms.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.exactlyonce.payments.transforms.time.TimeBounds;
import dev.exactlyonce.payments.transforms.TestEvents;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicy.PartitionContext;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Element timestamps and watermark {@link EventTimePolicy} gives one Kafka partition. */
class EventTimePolicyTest {
  private static final Duration BOUND = Duration.standardMinutes(5);
  private static final Instant T0 = TestEvents.T0;
  /** The wall clock in most tests: an hour after T0, so T0-based event times are in the past. */
  private static final Instant NOW = T0.plus(Duration.standardHours(1));

  /** A partition that still has records to read: idleness never applies. */
  private static final PartitionContext BUSY = partition(100, NOW);

  /** A partition with {@code backlog} records left to read, as last checked at {@code checkTime}. */
  private static PartitionContext partition(long backlog, Instant checkTime) {
    return new PartitionContext() {
      @Override
      public long getMessageBacklog() {
        return backlog;
      }

      @Override
      public Instant getBacklogCheckTime() {
        return checkTime;
      }
    };
  }

  private static EventTimePolicy fresh() {
    return new EventTimePolicy(BOUND, Optional.empty());
  }

  /** A policy restored from a checkpoint whose watermark was {@code previous}. */
  private static EventTimePolicy restoredAt(Instant previous) {
    return new EventTimePolicy(BOUND, Optional.of(previous));
  }

  private static Instant minutes(long m) {
    return T0.plus(Duration.standardMinutes(m));
  }

  private static KafkaRecord<byte[], byte[]> eventAt(long offset, Instant eventTime) {
    return TestEvents.record(0, offset, TestEvents.json("tx-" + offset, "10.00", "USD", eventTime), NOW);
  }

  private static KafkaRecord<byte[], byte[]> eventAt(long offset, Instant eventTime, Instant kafkaTime) {
    return TestEvents.record(0, offset, TestEvents.json("tx-" + offset, "10.00", "USD", eventTime), kafkaTime);
  }

  private static KafkaRecord<byte[], byte[]> withoutEventTime(long offset, String json) {
    return TestEvents.record(0, offset, json, NOW);
  }

  private static Instant stamp(EventTimePolicy policy, KafkaRecord<byte[], byte[]> record) {
    return policy.getTimestampForRecord(BUSY, record);
  }

  @Test
  void testInOrderRecordsAreStampedWithTheirEventTime() {
    EventTimePolicy policy = fresh();

    assertEquals(minutes(0), stamp(policy, eventAt(1, minutes(0))));
    policy.watermarkAt(BUSY, NOW);
    assertEquals(minutes(1), stamp(policy, eventAt(2, minutes(1))));
    policy.watermarkAt(BUSY, NOW);
    assertEquals(minutes(2), stamp(policy, eventAt(3, minutes(2))));
  }

  @Test
  void testEventTimeWithOffsetIsStampedInUtc() {
    EventTimePolicy policy = fresh();
    String json =
        TestEvents.json("tx-1", "10.00", "USD", T0)
            .replace(T0.toString(), "2026-03-01T12:00:00.000+02:00");

    assertEquals(T0, stamp(policy, withoutEventTime(1, json)));
  }

  @Test
  void testWatermarkIsMaxEventTimeMinusBound() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(10)));
    stamp(policy, eventAt(2, minutes(30)));
    stamp(policy, eventAt(3, minutes(20)));

    assertEquals(minutes(30).minus(BOUND), policy.watermarkAt(BUSY, NOW));
  }

  @Test
  void testWatermarkBeforeAnyRecordIsMinimum() {
    assertEquals(BoundedWindow.TIMESTAMP_MIN_VALUE, fresh().watermarkAt(BUSY, NOW));
  }

  @Test
  void testOutOfOrderRecordWithinBoundKeepsItsEventTime() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(10)));
    policy.watermarkAt(BUSY, NOW); // minute 5

    assertEquals(minutes(7), stamp(policy, eventAt(2, minutes(7))));
  }

  @Test
  void testRecordOlderThanReportedWatermarkIsStampedAtTheWatermark() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(30)));
    Instant watermark = policy.watermarkAt(BUSY, NOW);

    Instant timestamp = stamp(policy, eventAt(2, minutes(3)));

    assertEquals(minutes(25), watermark);
    assertEquals(watermark, timestamp);
  }

  @Test
  void testRecordStampedAtLatestReportedWatermarkNotAnEarlierOne() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(10)));
    policy.watermarkAt(BUSY, NOW); // minute 5
    stamp(policy, eventAt(2, minutes(40)));
    Instant watermark = policy.watermarkAt(BUSY, NOW); // minute 35

    assertEquals(minutes(35), stamp(policy, eventAt(3, minutes(20))));
    assertEquals(minutes(35), watermark);
  }

  @Test
  void testOldRecordDoesNotMoveTheWatermarkBack() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(30)));
    Instant before = policy.watermarkAt(BUSY, NOW);
    stamp(policy, eventAt(2, minutes(1)));

    assertEquals(before, policy.watermarkAt(BUSY, NOW));
  }

  static Stream<Arguments> recordsWithoutAReadableEventTime() {
    return Stream.of(
        Arguments.of("an unparseable record", "{not json"),
        Arguments.of("a record without event_time", "{\"transaction_id\":\"tx-2\"}"),
        Arguments.of(
            "a record whose event_time has no offset",
            "{\"transaction_id\":\"tx-2\",\"event_time\":\"2026-03-01T10:40:00\"}"),
        Arguments.of("a tombstone", null));
  }

  @ParameterizedTest(name = "{0} is stamped at the reported watermark")
  @MethodSource("recordsWithoutAReadableEventTime")
  void testRecordWithoutReadableEventTimeIsStampedAtTheReportedWatermark(
      String description, String json) {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(30)));
    Instant watermark = policy.watermarkAt(BUSY, NOW);

    assertEquals(watermark, stamp(policy, withoutEventTime(2, json)));
  }

  @Test
  void testRecordWithoutEventTimeBeforeAnyWatermarkIsStampedAtMinimum() {
    assertEquals(
        BoundedWindow.TIMESTAMP_MIN_VALUE, stamp(fresh(), withoutEventTime(1, "{not json")));
  }

  @Test
  void testRecordWithoutEventTimeDoesNotMoveTheWatermark() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(30)));
    Instant before = policy.watermarkAt(BUSY, NOW);
    stamp(policy, withoutEventTime(2, "[]"));

    assertEquals(before, policy.watermarkAt(BUSY, NOW));
  }

  @Test
  void testWatermarkNeverDecreases() {
    EventTimePolicy policy = fresh();
    Instant previous = BoundedWindow.TIMESTAMP_MIN_VALUE;
    long[] eventMinutes = {10, 40, 2, 35, 12, 41, 0, 50, 45};
    for (int i = 0; i < eventMinutes.length; i++) {
      stamp(policy, eventAt(i, minutes(eventMinutes[i])));
      Instant watermark = policy.watermarkAt(BUSY, NOW);
      assertFalse(watermark.isBefore(previous), "watermark went back after record " + i);
      previous = watermark;
    }
    assertEquals(minutes(45), previous);
  }

  @Test
  void testWatermarkDoesNotDecreaseWhenFutureCapFallsBelowIt() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(50)));
    Instant reported = policy.watermarkAt(BUSY, NOW); // minute 45
    stamp(policy, eventAt(2, NOW.plus(Duration.standardHours(2))));

    // A clock that reads earlier than the reported watermark plus the bound must not pull it back.
    assertEquals(reported, policy.watermarkAt(BUSY, minutes(46)));
  }

  @Test
  void testIdlePartitionAdvancesToBacklogCheckTimeMinusBound() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(10)));
    Instant checkTime = minutes(120);
    PartitionContext idle = partition(0, checkTime);

    assertEquals(checkTime.minus(BOUND), policy.watermarkAt(idle, checkTime));
  }

  @Test
  void testIdlePartitionWithRecentEventsKeepsEventTimeWatermark() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(58)));
    PartitionContext idle = partition(0, NOW);

    // Check time minus the bound (minute 55) is not after the max event time (minute 58).
    assertEquals(minutes(53), policy.watermarkAt(idle, NOW));
  }

  @Test
  void testPartitionWithBacklogDoesNotAdvanceToCheckTime() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(10)));
    PartitionContext behind = partition(1, minutes(120));

    assertEquals(minutes(5), policy.watermarkAt(behind, minutes(120)));
  }

  @Test
  void testIdlePartitionThatNeverSawARecordStaysAtMinimum() {
    PartitionContext idle = partition(0, NOW);

    assertEquals(BoundedWindow.TIMESTAMP_MIN_VALUE, fresh().watermarkAt(idle, NOW));
  }

  @Test
  void testWatermarkStaysAdvancedWhenIdlePartitionGetsBacklogAgain() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(10)));
    Instant advanced = policy.watermarkAt(partition(0, minutes(120)), minutes(120));

    assertEquals(advanced, policy.watermarkAt(partition(50, minutes(121)), minutes(121)));
  }

  @Test
  void testRecordAfterIdleAdvanceIsStampedAtTheAdvancedWatermark() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, minutes(10)));
    Instant advanced = policy.watermarkAt(partition(0, minutes(120)), minutes(120));

    assertEquals(advanced, stamp(policy, eventAt(2, minutes(11))));
  }

  @Test
  void testFutureEventTimeCapsWatermarkAtNowMinusBound() {
    EventTimePolicy policy = fresh();
    Instant future = NOW.plus(Duration.standardDays(1));

    assertEquals(future, stamp(policy, eventAt(1, future)));
    assertEquals(NOW.minus(BOUND), policy.watermarkAt(BUSY, NOW));
  }

  @Test
  void testFutureEventTimeCapFollowsTheClock() {
    EventTimePolicy policy = fresh();
    stamp(policy, eventAt(1, NOW.plus(Duration.standardDays(1))));
    policy.watermarkAt(BUSY, NOW);
    Instant later = NOW.plus(Duration.standardMinutes(10));

    assertEquals(later.minus(BOUND), policy.watermarkAt(BUSY, later));
  }

  @Test
  void testEventTimeFarAheadOfItsRecordMovesNoWatermarkAndIsStampedAtIt() {
    // A backlog written three hours ago, read now, with one record whose producer wrote its
    // event time two hours ahead. Counted, it would move the watermark to the clock and make
    // every older payment after it LATE.
    Duration skew = Duration.standardMinutes(5);
    Instant now = T0.plus(Duration.standardHours(3));
    EventTimePolicy policy =
        new EventTimePolicy(BOUND, DrainSignal.never(), PaymentJsonParser::eventTimeOf, skew, Optional.empty());
    PartitionContext behind = partition(10_000, now);

    assertEquals(minutes(0), policy.getTimestampForRecord(behind, eventAt(1, minutes(0), minutes(0))));
    Instant watermark = policy.watermarkAt(behind, now);
    assertEquals(minutes(0).minus(BOUND), watermark);
    Instant fromTheFuture = minutes(1).plus(Duration.standardHours(2));
    assertEquals(watermark, policy.getTimestampForRecord(behind, eventAt(2, fromTheFuture, minutes(1))));
    assertEquals(watermark, policy.watermarkAt(behind, now));
    assertEquals(minutes(2), policy.getTimestampForRecord(behind, eventAt(3, minutes(2), minutes(2))));

    // Ahead of its record by no more than the skew, it is a payment like any other.
    Instant withinSkew = minutes(3).plus(skew);
    assertEquals(withinSkew, policy.getTimestampForRecord(behind, eventAt(4, withinSkew, minutes(3))));
    assertEquals(withinSkew.minus(BOUND), policy.watermarkAt(behind, now));
  }

  @Test
  void testRestoredPolicyReportsPreviousWatermark() {
    Instant previous = minutes(30);
    EventTimePolicy policy = restoredAt(previous);

    assertEquals(previous, policy.watermarkAt(BUSY, NOW));
  }

  @Test
  void testRestoredPolicyStampsOlderRecordsAtPreviousWatermark() {
    Instant previous = minutes(30);
    EventTimePolicy policy = restoredAt(previous);

    assertEquals(previous, stamp(policy, eventAt(1, minutes(20))));
    assertEquals(previous, stamp(policy, withoutEventTime(2, "{not json")));
  }

  @Test
  void testRestoredPolicyDoesNotMoveWatermarkBackForOlderRecords() {
    Instant previous = minutes(30);
    EventTimePolicy policy = restoredAt(previous);
    stamp(policy, eventAt(1, minutes(20)));

    assertEquals(previous, policy.watermarkAt(BUSY, NOW));
  }

  @Test
  void testRestoredPolicyAdvancesFromPreviousWatermark() {
    EventTimePolicy policy = restoredAt(minutes(30));

    assertEquals(minutes(40), stamp(policy, eventAt(1, minutes(40))));
    assertEquals(minutes(35), policy.watermarkAt(BUSY, NOW));
  }

  @Test
  void testFactoryRestoresPreviousWatermark() {
    TimestampPolicy<byte[], byte[]> policy =
        EventTimePolicy.factory(BOUND, DrainSignal.never(), PaymentJsonParser::eventTimeOf, TimeBounds.DEFAULT_MAX_CLOCK_SKEW)
            .createTimestampPolicy(
                new TopicPartition(TestEvents.TOPIC, 0), Optional.of(minutes(30)));

    assertEquals(minutes(30), policy.getTimestampForRecord(BUSY, eventAt(1, minutes(10))));
  }

  private static EventTimePolicy drainingWhen(Path signal) {
    return new EventTimePolicy(BOUND, () -> Files.exists(signal), Optional.empty());
  }

  @Test
  void testWithoutTheDrainSignalTheWatermarkNeverJumps(@TempDir Path dir) {
    EventTimePolicy policy = drainingWhen(dir.resolve("drain"));
    stamp(policy, eventAt(1, minutes(10)));
    assertEquals(minutes(5), policy.watermarkAt(BUSY, NOW));
    assertEquals(minutes(5), policy.watermarkAt(BUSY, NOW));
  }

  @Test
  void testDrainJumpsToTheEndOfTimeOnceThePartitionIsQuiet(@TempDir Path dir) throws Exception {
    Path signal = dir.resolve("drain");
    EventTimePolicy policy = drainingWhen(signal);
    stamp(policy, eventAt(1, minutes(10)));
    Files.writeString(signal, "drain");

    assertEquals(minutes(5), policy.watermarkAt(BUSY, NOW), "first look after the signal: not yet");
    assertEquals(BoundedWindow.TIMESTAMP_MAX_VALUE, policy.watermarkAt(BUSY, NOW), "quiet since: drained");
    assertEquals(BoundedWindow.TIMESTAMP_MAX_VALUE, policy.watermarkAt(BUSY, NOW));
  }

  @Test
  void testDrainWaitsWhileRecordsKeepArriving(@TempDir Path dir) throws Exception {
    Path signal = dir.resolve("drain");
    EventTimePolicy policy = drainingWhen(signal);
    Files.writeString(signal, "drain");
    for (int i = 0; i < 5; i++) {
      stamp(policy, eventAt(i, minutes(10 + i)));
      assertFalse(policy.watermarkAt(BUSY, NOW).equals(BoundedWindow.TIMESTAMP_MAX_VALUE), "records still arriving");
    }
  }

  @Test
  void testRecordAfterDrainIsStampedInsideTheGlobalWindow(@TempDir Path dir) throws Exception {
    Path signal = dir.resolve("drain");
    EventTimePolicy policy = drainingWhen(signal);
    Files.writeString(signal, "drain");
    policy.watermarkAt(BUSY, NOW);
    policy.watermarkAt(BUSY, NOW);

    assertEquals(GlobalWindow.INSTANCE.maxTimestamp(), stamp(policy, eventAt(9, minutes(1))));
  }
}
