package dev.exactlyonce.payments.transforms.kafka;

import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The Kafka read every pipeline here starts with: raw bytes, {@code read_committed}, offsets
 * committed to the consumer group when the runner finalizes a checkpoint, and each record stamped
 * with the event time {@link #withEventTime} reads from its value, by {@link
 * EventTimePolicy}.
 */
public final class ReadFromKafka extends PTransform<PBegin, PCollection<KafkaRecord<byte[], byte[]>>> {
  private final String bootstrapServers;
  private final String topic;
  private final String consumerGroup;
  private final String startingOffsets;
  private final KafkaClientSecurity security;
  private final @Nullable SerializableFunction<byte[], Instant> eventTimeOf;
  private final Duration maxOutOfOrderness;
  private final @Nullable Duration maxClockSkew;
  private final DrainSignal drainSignal;
  private final boolean redistribute;

  private ReadFromKafka(
      String bootstrapServers,
      String topic,
      String consumerGroup,
      String startingOffsets,
      KafkaClientSecurity security,
      @Nullable SerializableFunction<byte[], Instant> eventTimeOf,
      Duration maxOutOfOrderness,
      @Nullable Duration maxClockSkew,
      DrainSignal drainSignal,
      boolean redistribute) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.consumerGroup = consumerGroup;
    this.startingOffsets = startingOffsets;
    this.security = security;
    this.eventTimeOf = eventTimeOf;
    this.maxOutOfOrderness = maxOutOfOrderness;
    this.maxClockSkew = maxClockSkew;
    this.drainSignal = drainSignal;
    this.redistribute = redistribute;
  }

  /**
   * Reads {@code topic} as {@code consumerGroup}, starting at {@code startingOffsets} ({@code
   * earliest} or {@code latest}) where the group has committed nothing, over a plain connection
   * until told otherwise. {@link #withEventTime} is required: without event times no watermark
   * would move.
   */
  public static ReadFromKafka of(String bootstrapServers, String topic, String consumerGroup, String startingOffsets) {
    return new ReadFromKafka(
        bootstrapServers, topic, consumerGroup, startingOffsets, KafkaClientSecurity.none(),
        null, Duration.ZERO, null, DrainSignal.never(), false);
  }

  /** How the consumers authenticate; secrets and stores are read where a consumer is created. */
  public ReadFromKafka withSecurity(KafkaClientSecurity security) {
    return new ReadFromKafka(bootstrapServers, topic, consumerGroup, startingOffsets, security,
        eventTimeOf, maxOutOfOrderness, maxClockSkew, drainSignal, redistribute);
  }

  /**
   * Event times read from each record's value (null when unreadable), with the watermark trailing
   * the newest by {@code maxOutOfOrderness}.
   */
  public ReadFromKafka withEventTime(
      SerializableFunction<byte[], Instant> eventTimeOf, Duration maxOutOfOrderness) {
    return new ReadFromKafka(bootstrapServers, topic, consumerGroup, startingOffsets, security,
        eventTimeOf, maxOutOfOrderness, maxClockSkew, drainSignal, redistribute);
  }

  /**
   * An event time further than this ahead of its record's Kafka timestamp moves no watermark: the
   * parser, given the same bound, refuses that record.
   */
  public ReadFromKafka withMaxClockSkew(Duration maxClockSkew) {
    return new ReadFromKafka(bootstrapServers, topic, consumerGroup, startingOffsets, security,
        eventTimeOf, maxOutOfOrderness, maxClockSkew, drainSignal, redistribute);
  }

  /** Drains the run once {@code drainSignal} is raised; see {@link DrainSignal}. */
  public ReadFromKafka withDrainSignal(DrainSignal drainSignal) {
    return new ReadFromKafka(bootstrapServers, topic, consumerGroup, startingOffsets, security,
        eventTimeOf, maxOutOfOrderness, maxClockSkew, drainSignal, redistribute);
  }

  /**
   * Spreads the records over more workers than the topic has partitions, with offset
   * deduplication: for Dataflow, whose exactly-once shuffle then recognises a re-delivered record
   * by topic, partition and offset instead of persisting an id per record. Other runners would only
   * pay for an extra shuffle.
   */
  public ReadFromKafka withRedistribute(boolean redistribute) {
    return new ReadFromKafka(bootstrapServers, topic, consumerGroup, startingOffsets, security,
        eventTimeOf, maxOutOfOrderness, maxClockSkew, drainSignal, redistribute);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String topic() {
    return topic;
  }

  /** How far the watermark trails the newest event time read. */
  public Duration maxOutOfOrderness() {
    return maxOutOfOrderness;
  }

  public KafkaClientSecurity security() {
    return security;
  }

  @Override
  public PCollection<KafkaRecord<byte[], byte[]>> expand(PBegin input) {
    return input.apply("KafkaIO", kafkaIo());
  }

  /** The KafkaIO read this transform applies: what a test inspects or serializes. */
  public KafkaIO.Read<byte[], byte[]> kafkaIo() {
    Map<String, Object> config = new HashMap<>(security.plainProperties());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, consumerGroup);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, startingOffsets);
    KafkaIO.Read<byte[], byte[]> read =
        KafkaIO.<byte[], byte[]>read()
            .withBootstrapServers(bootstrapServers)
            .withTopic(topic)
            .withKeyDeserializer(ByteArrayDeserializer.class)
            .withValueDeserializer(ByteArrayDeserializer.class)
            .withConsumerConfigUpdates(config)
            // Secrets, stores and the properties file are read where a consumer is created, so
            // none of them is in the job.
            .withConsumerFactoryFn(security.consumerFactory())
            .withReadCommitted()
            .commitOffsetsInFinalize()
            .withTimestampPolicyFactory(timestampPolicy());
    if (!redistribute) {
      return read;
    }
    // KafkaIO refuses offset deduplication only together with withAllowDuplicates (never set
    // here); read_committed is plain consumer config, and offsets are still committed when a
    // checkpoint is finalized. Offset deduplication exists only on KafkaIO's UnboundedSource
    // read, so Dataflow reads through the same reader as the DirectRunner and Flink do.
    return read.withRedistribute().withOffsetDeduplication(true);
  }

  private TimestampPolicyFactory<byte[], byte[]> timestampPolicy() {
    if (eventTimeOf == null) {
      throw new IllegalStateException("ReadFromKafka of " + topic + " needs withEventTime: without event times no watermark moves");
    }
    return EventTimePolicy.factory(maxOutOfOrderness, drainSignal, eventTimeOf, maxClockSkew);
  }
}
