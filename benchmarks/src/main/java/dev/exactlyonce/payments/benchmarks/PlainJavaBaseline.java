package dev.exactlyonce.payments.benchmarks;

import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.joda.time.Instant;

/**
 * What a hand-rolled consumer does with the same topic, no framework: one Kafka consumer loop,
 * the pipeline's own parser, a duplicate check on a hash map bounded by the horizon, and totals
 * per currency. No windows, no state that survives a crash, no tables: the cost floor the
 * pipeline is compared with.
 */
final class PlainJavaBaseline {
  /** What the loop saw, and how long it took from its first poll to its last record. */
  record Result(long records, long payments, long duplicatesDropped, Map<String, BigDecimal> totals, long nanos) {
    double paymentsPerSecond() {
      return payments * 1e9 / nanos;
    }
  }

  private PlainJavaBaseline() {}

  static Result run(String bootstrapServers, String topic, long expectedRecords, Duration horizon) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic);
      List<TopicPartition> assigned =
          partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);

      // Insertion order is close to event-time order; entries older than the horizon behind the
      // newest event time are evicted from the front.
      LinkedHashMap<String, Long> seen = new LinkedHashMap<>();
      Map<String, BigDecimal> totals = new HashMap<>();
      long records = 0;
      long payments = 0;
      long duplicates = 0;
      long newestEventMillis = Long.MIN_VALUE;
      long started = System.nanoTime();
      while (records < expectedRecords) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          records++;
          PaymentJsonParser.Outcome outcome =
              PaymentJsonParser.parse(
                  record.value(),
                  KafkaCoordinates.of(record.topic(), record.partition(), record.offset()),
                  new Instant(record.timestamp()));
          if (!(outcome instanceof PaymentJsonParser.Valid valid)) {
            continue;
          }
          Payment payment = valid.payment();
          long eventMillis = payment.getEventTime().getMillis();
          if (seen.putIfAbsent(payment.getTransactionId(), eventMillis) != null) {
            duplicates++;
            continue;
          }
          payments++;
          totals.merge(payment.getCurrency(), payment.getAmount(), BigDecimal::add);
          if (eventMillis > newestEventMillis) {
            newestEventMillis = eventMillis;
            evictOlderThan(seen, newestEventMillis - horizon.toMillis());
          }
        }
      }
      long nanos = System.nanoTime() - started;
      return new Result(records, payments, duplicates, new TreeMap<>(totals), nanos);
    }
  }

  static void evictOlderThan(LinkedHashMap<String, Long> seen, long oldestKeptMillis) {
    Iterator<Long> eventTimes = seen.values().iterator();
    while (eventTimes.hasNext() && eventTimes.next() < oldestKeptMillis) {
      eventTimes.remove();
    }
  }
}
