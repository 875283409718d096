package dev.exactlyonce.payments.local.kafka;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group's committed offsets trail the end of a topic. KafkaIO commits when the
 * runner finalizes a checkpoint, so zero lag means every record was read and checkpointed: the
 * moment a drain loses nothing. For runners without live metrics (Flink's embedded cluster runs
 * attached); tables stop changing long before that while windows are still open. Flink commits at
 * every checkpoint; the DirectRunner rarely, so it is measured by its metrics instead.
 */
public final class ConsumerLag implements AutoCloseable {
  private static final int TIMEOUT_SECONDS = 10;

  private final Admin admin;
  private final String group;
  private final String topic;

  /** On an unsecured broker. */
  public ConsumerLag(String bootstrapServers, String group, String topic) {
    this(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), group, topic);
  }

  /** With an admin client configured as {@code KafkaPreflight.adminConfig} configures it. */
  public ConsumerLag(Map<String, Object> adminConfig, String group, String topic) {
    this.admin = Admin.create(adminConfig);
    this.group = group;
    this.topic = topic;
  }

  /** Records not yet committed by the group, or -1 when Kafka did not answer in time. */
  public long records() throws InterruptedException {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = committed();
      long lag = 0;
      for (var end : TopicEnds.of(admin, topic, TIMEOUT_SECONDS).entrySet()) {
        OffsetAndMetadata done = committed.get(end.getKey());
        lag += Math.max(0, end.getValue() - (done == null ? 0 : done.offset()));
      }
      return lag;
    } catch (ExecutionException | TimeoutException e) {
      return -1;
    }
  }

  /** Records the group committed, summed over the partitions, or -1 when Kafka did not answer in time. */
  public long committedRecords() throws InterruptedException {
    try {
      return committed().values().stream().filter(offset -> offset != null).mapToLong(OffsetAndMetadata::offset).sum();
    } catch (ExecutionException | TimeoutException e) {
      return -1;
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> committed()
      throws InterruptedException, ExecutionException, TimeoutException {
    return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    admin.close();
  }
}
