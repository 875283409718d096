package dev.exactlyonce.payments.local.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The end offset of every partition of a topic. Each partition's leader answers for its own, and
 * answers NOT_LEADER_OR_FOLLOWER until its replica manager leads: a full answer means every
 * partition serves.
 */
final class TopicEnds {
  private TopicEnds() {}

  static Map<TopicPartition, Long> of(Admin admin, String topic, long timeoutSeconds)
      throws ExecutionException, TimeoutException, InterruptedException {
    int partitions =
        admin.describeTopics(List.of(topic)).allTopicNames().get(timeoutSeconds, TimeUnit.SECONDS).get(topic)
            .partitions().size();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int partition = 0; partition < partitions; partition++) {
      latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(latest).all().get(timeoutSeconds, TimeUnit.SECONDS)
        .forEach((partition, end) -> ends.put(partition, end.offset()));
    return ends;
  }
}
