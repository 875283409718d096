package dev.exactlyonce.payments.pipeline;

import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.joda.time.Instant;

/** The Kafka read of {@link KafkaReadOptions}, checked: both pipelines start with it. */
public final class KafkaInput {
  private KafkaInput() {}

  /** Reads the options' topic, each record stamped with the event time {@code eventTimeOf} reads. */
  public static ReadFromKafka from(KafkaReadOptions options, SerializableFunction<byte[], Instant> eventTimeOf) {
    return ReadFromKafka.of(
            OptionChecks.required("bootstrapServers", options.getBootstrapServers()),
            OptionChecks.required("topic", options.getTopic()),
            OptionChecks.required("consumerGroup", options.getConsumerGroup()),
            OptionChecks.startingOffsets(options.getStartingOffsets()))
        .withSecurity(KafkaSecuritySettings.from(options))
        .withEventTime(
            eventTimeOf,
            OptionChecks.secondsAtLeast("maxOutOfOrdernessSeconds", options.getMaxOutOfOrdernessSeconds(), 0));
  }
}
