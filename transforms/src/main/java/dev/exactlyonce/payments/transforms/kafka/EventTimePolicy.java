package dev.exactlyonce.payments.transforms.kafka;

import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser;
import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Event-time timestamps and watermark for one Kafka partition, by the event time each record carries
 * in its value: a payment's {@code event_time}, a change's {@code ts_ms}.
 *
 * <p>The watermark is the largest event time seen minus a bound on out-of-orderness, as in
 * Beam's {@code CustomTimestampPolicyWithLimitedDelay}: capped at now minus the bound when event
 * times run ahead of the clock, and moved to now minus the bound when the partition is idle.
 *
 * <p>The difference: a record is never stamped behind the watermark this partition already
 * reported. A record whose event time is older gets the watermark as its timestamp and keeps its
 * event time in the payload. Runners drop data that arrives behind the watermark in expired windows
 * without telling anyone; with this policy no record is ever late in that sense, and the pipeline
 * decides itself, from the data, what is too late (it goes to the dead-letter table as LATE): by the
 * record's Kafka timestamp, which every reading sees the same, never by this watermark, whose idle
 * advance follows the clock and so depends on when a record is read.
 * Records without a readable event time, or with one too far ahead of their Kafka timestamp, are
 * stamped the same way and fail parsing later.
 *
 * <p>Which field is the event time is the reader's choice ({@link ReadFromKafka#withEventTime}): the
 * payment's {@code event_time}, or a change's {@code ts_ms}.
 */
public final class EventTimePolicy extends TimestampPolicy<byte[], byte[]> {

  /** The latest timestamp an element of the global window may carry. */
  private static final Instant LATEST_TIMESTAMP = GlobalWindow.INSTANCE.maxTimestamp();

  private final Duration maxOutOfOrderness;
  private final DrainSignal drain;
  private final SerializableFunction<byte[], Instant> eventTimeOf;
  private final @Nullable Duration maxClockSkew;
  private @Nullable Gauge watermarkLag;
  private Instant maxEventTime;
  private Instant reportedWatermark;
  private boolean recordSinceLastWatermark;
  private boolean drainSeen;

  EventTimePolicy(Duration maxOutOfOrderness, Optional<Instant> previousWatermark) {
    this(maxOutOfOrderness, DrainSignal.never(), previousWatermark);
  }

  public EventTimePolicy(
      Duration maxOutOfOrderness, DrainSignal drain, Optional<Instant> previousWatermark) {
    this(maxOutOfOrderness, drain, PaymentJsonParser::eventTimeOf, null, previousWatermark);
  }

  /**
   * With {@code eventTimeOf} reading a record's event time from its value (null when unreadable),
   * and, if {@code maxClockSkew} is given, an event time further than that ahead of its record's
   * Kafka timestamp taken as unreadable (see {@link PaymentJsonParser#isAheadOfItsRecord}).
   */
  public EventTimePolicy(
      Duration maxOutOfOrderness,
      DrainSignal drain,
      SerializableFunction<byte[], Instant> eventTimeOf,
      @Nullable Duration maxClockSkew,
      Optional<Instant> previousWatermark) {
    this.maxOutOfOrderness = maxOutOfOrderness;
    this.drain = drain;
    this.eventTimeOf = eventTimeOf;
    this.maxClockSkew = maxClockSkew;
    this.reportedWatermark = previousWatermark.orElse(BoundedWindow.TIMESTAMP_MIN_VALUE);
    this.maxEventTime = previousWatermark.map(w -> w.plus(maxOutOfOrderness)).orElse(
        BoundedWindow.TIMESTAMP_MIN_VALUE);
  }

  /**
   * A factory for KafkaIO's {@code withTimestampPolicyFactory}. With {@code maxClockSkew}, made for
   * records a parser with the same bound reads: one it refuses for being ahead of its record moves
   * no watermark.
   */
  public static TimestampPolicyFactory<byte[], byte[]> factory(
      Duration maxOutOfOrderness,
      DrainSignal drain,
      SerializableFunction<byte[], Instant> eventTimeOf,
      @Nullable Duration maxClockSkew) {
    return (partition, previousWatermark) ->
        new EventTimePolicy(maxOutOfOrderness, drain, eventTimeOf, maxClockSkew, previousWatermark)
            .reportingLag(PipelineCounters.watermarkLag(partition.partition()));
  }

  /**
   * Also reports how far behind the wall clock the partition's watermark is, in milliseconds, as of
   * its latest record.
   */
  EventTimePolicy reportingLag(MetricName gauge) {
    this.watermarkLag = Metrics.gauge(gauge.getNamespace(), gauge.getName());
    return this;
  }

  @Override
  public Instant getTimestampForRecord(PartitionContext ctx, KafkaRecord<byte[], byte[]> record) {
    recordSinceLastWatermark = true;
    reportLag();
    Instant eventTime = eventTimeOf.apply(record.getKV().getValue());
    if (eventTime != null
        && maxClockSkew != null
        && PaymentJsonParser.isAheadOfItsRecord(eventTime, record.getTimestamp(), maxClockSkew)) {
      eventTime = null;
    }
    Instant timestamp = reportedWatermark;
    if (eventTime != null) {
      if (eventTime.isAfter(maxEventTime)) {
        maxEventTime = eventTime;
      }
      if (eventTime.isAfter(timestamp)) {
        timestamp = eventTime;
      }
    }
    return timestamp.isAfter(LATEST_TIMESTAMP) ? LATEST_TIMESTAMP : timestamp;
  }

  @Override
  public Instant getWatermark(PartitionContext ctx) {
    // Idleness is a wall-clock question: with no backlog, nothing older is coming.
    return watermarkAt(ctx, Instant.now());
  }

  /**
   * Sets the lag gauge from the watermark last reported. Called for each record: KafkaIO reads
   * records inside the runner's metrics scope, and asks for watermarks outside it, where a gauge set
   * is lost. A figure to watch only, so the wall clock is fine here; a watermark before any record,
   * or at the end of time after a drain, has no lag to report.
   */
  private void reportLag() {
    long now = System.currentTimeMillis();
    if (watermarkLag != null && reportedWatermark.getMillis() > 0 && reportedWatermark.getMillis() <= now) {
      watermarkLag.set(now - reportedWatermark.getMillis());
    }
  }

  /**
   * A record stamped after the watermark jumped to the end of time would be late everywhere, so the
   * jump waits until the partition has been quiet for a whole watermark interval after the signal.
   * A partition that never goes quiet never drains: the run's drain timeout reports it.
   */
  private boolean drainReady() {
    if (reportedWatermark.equals(BoundedWindow.TIMESTAMP_MAX_VALUE)) {
      return true;
    }
    if (!drain.isRaised()) {
      return false;
    }
    boolean quiet = drainSeen && !recordSinceLastWatermark;
    drainSeen = true;
    return quiet;
  }

  Instant watermarkAt(PartitionContext ctx, Instant now) {
    if (drainReady()) {
      reportedWatermark = BoundedWindow.TIMESTAMP_MAX_VALUE;
      return reportedWatermark;
    }
    recordSinceLastWatermark = false;
    Instant candidate;
    if (maxEventTime.isAfter(now)) {
      candidate = now.minus(maxOutOfOrderness);
    } else if (ctx.getMessageBacklog() == 0
        && maxEventTime.getMillis() > 0
        && ctx.getBacklogCheckTime().minus(maxOutOfOrderness).isAfter(maxEventTime)) {
      candidate = ctx.getBacklogCheckTime().minus(maxOutOfOrderness);
    } else {
      candidate = maxEventTime.minus(maxOutOfOrderness);
    }
    if (candidate.isAfter(reportedWatermark)) {
      reportedWatermark = candidate;
    }
    return reportedWatermark;
  }
}
