package dev.exactlyonce.payments.local;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks, before a pipeline starts, that the broker answers and the topic exists: KafkaIO would
 * otherwise wait quietly, and a local run would drain having read nothing.
 */
public final class KafkaPreflight {
  private static final int TIMEOUT_SECONDS = 15;

  private KafkaPreflight() {}

  /** Number of partitions of the topic. */
  public static int check(String bootstrapServers, String topic) throws PreflightException {
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_SECONDS * 1000))) {
      try {
        admin.describeCluster().nodes().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new PreflightException(
            "cannot reach Kafka at " + bootstrapServers + " within " + TIMEOUT_SECONDS + " s");
      }
      try {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .get(topic).partitions().size();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          throw new PreflightException("topic " + topic + " does not exist on " + bootstrapServers);
        }
        throw new PreflightException("cannot describe topic " + topic + ": " + e.getCause().getMessage());
      } catch (TimeoutException e) {
        throw new PreflightException("cannot describe topic " + topic + " within " + TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PreflightException("interrupted while checking Kafka");
    }
  }

  /** A one-line reason the run cannot start. */
  public static final class PreflightException extends Exception {
    private static final long serialVersionUID = 1L;

    PreflightException(String message) {
      super(message);
    }
  }
}
