package dev.exactlyonce.payments.pipeline.cdc;

import dev.exactlyonce.payments.pipeline.Launcher;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PDone;

/**
 * Change data capture, Kafka to BigQuery: Debezium change events of one source table applied to a
 * BigQuery table by primary key, the newest change winning, replay-safe from any offset. {@code
 * ReadChangesFromKafka}, then the {@link CdcGraph}. The runner comes from {@code --runner} at
 * launch.
 */
public final class CdcPipeline {
  /** The change topic and consumer group when none are given: never the payments pipeline's. */
  public static final String DEFAULT_TOPIC = "articles.cdc";

  public static final String DEFAULT_CONSUMER_GROUP = "articles-cdc-pipeline";

  private CdcPipeline() {}

  /** Launches with the CDC pipeline's options and its own topic and group. */
  public static Launcher<CdcOptions> launcher() {
    return Launcher.of(CdcOptions.class, CdcConfig::from).withArgumentDefaults(CdcPipeline::withCdcDefaults);
  }

  public static void main(String[] args) {
    int status = launcher().launch(args, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** The whole pipeline: {@code read}, then {@code graph}. */
  public static PDone build(Pipeline pipeline, ReadFromKafka read, CdcGraph graph) {
    return pipeline.apply("ReadChangesFromKafka", read).apply("Changes", graph);
  }

  public static CdcOptions parseOptions(String... args) {
    return launcher().parse(args);
  }

  /**
   * {@code --topic} and {@code --consumerGroup} default to the payments pipeline's in the shared
   * Kafka options; the CDC pipeline adds its own unless they are given.
   */
  public static String[] withCdcDefaults(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (all.stream().noneMatch(arg -> arg.startsWith("--topic="))) {
      all.add("--topic=" + DEFAULT_TOPIC);
    }
    if (all.stream().noneMatch(arg -> arg.startsWith("--consumerGroup="))) {
      all.add("--consumerGroup=" + DEFAULT_CONSUMER_GROUP);
    }
    return all.toArray(new String[0]);
  }
}
