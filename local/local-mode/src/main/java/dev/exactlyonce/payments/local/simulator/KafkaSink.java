package dev.exactlyonce.payments.local.simulator;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends simulated records to a Kafka topic. The producer itself is idempotent, so the only
 * duplicates on the topic are the ones the simulator injects on purpose and records in its ledger.
 */
public final class KafkaSink implements PaymentSimulator.Sink, AutoCloseable {
  private final String topic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

  public KafkaSink(String bootstrapServers, String topic) {
    this.topic = topic;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000),
            new ByteArraySerializer(),
            new ByteArraySerializer());
  }

  /**
   * Runs the simulator into a topic and returns its ledger once every record is acknowledged.
   *
   * @throws IOException if Kafka did not acknowledge every record
   */
  public static Ledger simulate(
      String bootstrapServers, String topic, SimulatorSettings settings, LongConsumer progress)
      throws IOException, InterruptedException {
    try (KafkaSink sink = new KafkaSink(bootstrapServers, topic)) {
      return PaymentSimulator.run(settings, topic, sink, progress);
    }
  }

  @Override
  public void send(byte[] key, byte[] value) {
    send(new ProducerRecord<>(topic, key, value));
  }

  private void send(ProducerRecord<byte[], byte[]> record) {
    Exception failure = firstFailure.get();
    if (failure != null) {
      throw new IllegalStateException("sending to " + topic + " failed: " + failure.getMessage(), failure);
    }
    producer.send(
        record,
        (metadata, error) -> {
          if (error != null) {
            firstFailure.compareAndSet(null, error);
          }
        });
  }

  /**
   * Sends one record with its own Kafka timestamp; a null value is a tombstone. The CDC simulator's
   * sink: a tombstone's timestamp orders it.
   */
  public void send(byte[] key, byte[] value, long timestampMillis) {
    send(new ProducerRecord<>(topic, null, timestampMillis, key, value));
  }

  /** Flushes; fails if any record was not acknowledged, so a ledger never claims unsent records. */
  @Override
  public void close() throws IOException {
    producer.flush();
    producer.close();
    Exception failure = firstFailure.get();
    if (failure != null) {
      throw new IOException("some records were not acknowledged by Kafka: " + failure.getMessage(), failure);
    }
  }
}
