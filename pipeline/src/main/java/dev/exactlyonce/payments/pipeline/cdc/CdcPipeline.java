package dev.exactlyonce.payments.pipeline.cdc;

import dev.exactlyonce.payments.model.ChangeEvent;
import dev.exactlyonce.payments.pipeline.FailureDrill;
import dev.exactlyonce.payments.pipeline.KafkaPreflight;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import dev.exactlyonce.payments.transforms.bigquery.WriteChangesToBigQuery;
import dev.exactlyonce.payments.transforms.cdc.ParseChangeEvents;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Change data capture, Kafka to BigQuery: Debezium change events of one source table applied to a
 * BigQuery table by primary key, the newest change winning, replay-safe from any offset.
 *
 * <pre>
 *   ReadChangesFromKafka -> ParseChangeEvents -> CollapseToNewest -> WriteChangesToBigQuery
 *                                 '-- dead letters ------------------------^ (dead_letter)
 * </pre>
 *
 * <p>The runner comes from {@code --runner} at launch.
 */
public final class CdcPipeline {
  private CdcPipeline() {}

  public static void main(String[] args) {
    int status = run(args, System.err, options -> { });
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Parses, builds and runs until the job ends, after {@code runnerDefaults} filled in what a
   * runner needs; returns the process exit status.
   */
  public static int run(String[] args, PrintStream err, Consumer<CdcOptions> runnerDefaults) {
    CdcConfig config;
    try {
      CdcOptions options = parseOptions(args);
      runnerDefaults.accept(options);
      config = CdcConfig.from(options);
    } catch (IllegalArgumentException e) {
      return PaymentsPipeline.rejectOptions(e, args, CdcOptions.class, err);
    }
    int refused = PaymentsPipeline.refuseUnreachableKafka(
        config.options(), config.kafkaSecurity(), KafkaPreflight::check, err);
    if (refused != 0) {
      return refused;
    }
    Pipeline pipeline = Pipeline.create(config.options());
    fromKafka(pipeline, config, null);
    pipeline.run().waitUntilFinish();
    return 0;
  }

  /** The change topic and consumer group when none are given: never the payments pipeline's. */
  public static final String DEFAULT_TOPIC = "articles.cdc";

  public static final String DEFAULT_CONSUMER_GROUP = "articles-cdc-pipeline";

  public static CdcOptions parseOptions(String... args) {
    PipelineOptionsFactory.register(CdcOptions.class);
    CdcOptions options = PipelineOptionsFactory.fromArgs(withCdcDefaults(args)).withValidation().as(CdcOptions.class);
    options.setStreaming(true);
    return options;
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

  /** The whole graph, writing through {@code services} (null for the real BigQuery). */
  public static PDone fromKafka(Pipeline pipeline, CdcConfig config, @Nullable BigQueryServices services) {
    return process(pipeline.apply("ReadChangesFromKafka", readFromKafka(config)), config, services);
  }

  /** Everything after the read; tests feed it a {@code TestStream} of Kafka records. */
  public static PDone process(
      PCollection<KafkaRecord<byte[], byte[]>> records, CdcConfig config, @Nullable BigQueryServices services) {
    PCollectionTuple parsed =
        records.apply("ParseChangeEvents", ParseChangeEvents.keyedBy(config.table().primaryKey()));
    PCollection<ChangeEvent> changes = parsed.get(ParseChangeEvents.CHANGES);
    long failAfter = config.options().getFailOnceAfterChanges();
    if (failAfter > 0) {
      changes = changes.apply("FailureDrill", FailureDrill.failOnceAfter(failAfter));
    }
    WriteChangesToBigQuery write = services == null ? config.write() : config.write().withServices(services);
    return PCollectionTuple.of(
            WriteChangesToBigQuery.CHANGES, changes.apply("CollapseToNewest", config.collapse()))
        .and(WriteChangesToBigQuery.DEAD_LETTERS, parsed.get(ParseChangeEvents.DEAD_LETTERS))
        .apply("WriteChangesToBigQuery", write);
  }

  /** The payments pipeline's Kafka read, with timestamps from each change's {@code ts_ms}. */
  public static KafkaIO.Read<byte[], byte[]> readFromKafka(CdcConfig config) {
    return PaymentsPipeline.readFromKafka(config.options(), config.startingOffsets(), config.timestampPolicy(), false);
  }
}
