package dev.exactlyonce.payments.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.exactlyonce.payments.pipeline.PaymentsGraph;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import dev.exactlyonce.payments.pipeline.PaymentsPipelineOptions;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.beam.runners.dataflow.util.DataflowTemplateJob;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.PartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole payments graph, with the launcher's options, through the real DataflowRunner: its
 * Dataflow replacements, its job translation, and the job specification it would submit, read
 * back from the file it wrote. Offline: see {@link OfflineDataflow} and {@link
 * BigQueryDatasetStub}; the topic's partitions, which the runner lists at launch, come from a
 * mock Kafka consumer.
 */
class DataflowJobTranslationTest {
  private static final int PARTITIONS = 4;
  private static final List<String> TABLE_WRITES =
      List.of("WriteTransactions", "WriteFraud", "WriteMetrics", "WriteAudit", "WriteDeadLetter");

  private static final String BIGQUERY_IO = "org.apache.beam.sdk.io.gcp.bigquery.";

  @TempDir Path dir;

  @Test
  void graphBecomesAStreamingJobOnStreamingEngine() throws IOException {
    try (BigQueryDatasetStub bigQuery = BigQueryDatasetStub.start()) {
      Job job = translate(bigQuery, null);

      assertEquals("JOB_TYPE_STREAMING", job.json.path("type").asText());
      List<String> experiments = texts(job.json.path("environment").path("experiments"));
      assertTrue(experiments.containsAll(List.of("enable_streaming_engine", "enable_windmill_service")), experiments::toString);
      for (String stage : List.of("ReadFromKafka/", "Payments/ParsePayments/", "Payments/DeduplicatePayments/",
          "Payments/FraudScoring/", "Payments/PaymentMetrics/", "Payments/WriteToBigQuery/")) {
        assertFalse(job.steps(stage).isEmpty(), () -> stage + " is missing from " + job.names());
      }
      List<String> requests = bigQuery.requests();
      assertFalse(requests.isEmpty(), "the launch never checked that the dataset exists");
      assertEquals(
          List.of(),
          requests.stream().filter(r -> !r.equals("GET /bigquery/v2/projects/my-project/datasets/payments")).toList(),
          "the launch asked BigQuery for more than the output dataset");
    }
  }

  @Test
  void kafkaIsReadWithOffsetDeduplicationAndRedistributed() throws IOException {
    try (BigQueryDatasetStub bigQuery = BigQueryDatasetStub.start()) {
      Job job = translate(bigQuery, null);

      List<JsonNode> reads = job.steps("ReadFromKafka/").stream().filter(s -> s.path("kind").asText().equals("ParallelRead")).toList();
      assertEquals(1, reads.size(), () -> job.names().toString());
      JsonNode source = reads.get(0).path("properties").path("custom_source_step_input").path("spec");
      assertTrue(source.path("serialized_offset_based_deduplication").path("value").asBoolean(),
          "the Kafka source does not offer Dataflow offset-based deduplication");
      assertEquals(PARTITIONS, source.path("serialized_source_splits").size(), "one split per partition, made at launch");
      assertEquals(1, job.steps("ReadFromKafka/", "/Insert Offset for offset deduplication").size(), () -> job.names().toString());
      assertFalse(job.steps("ReadFromKafka/", "/KafkaReadRedistribute/Pair with shard from offset").isEmpty(), () -> job.names().toString());
      assertFalse(job.steps("ReadFromKafka/", "/Redistribute.RedistributeByKey/").isEmpty(), () -> job.names().toString());
    }
  }

  @Test
  void everyTableIsWrittenWithTheExactlyOnceStorageWriteMethod() throws IOException {
    try (BigQueryDatasetStub bigQuery = BigQueryDatasetStub.start()) {
      Job job = translate(bigQuery, null);

      List<String> writes =
          job.names().stream()
              .filter(name -> name.contains("/StorageApiLoads/"))
              .map(name -> name.substring("Payments/WriteToBigQuery/".length(), name.indexOf("/StorageApiLoads/")))
              .distinct().sorted().toList();
      assertEquals(TABLE_WRITES.stream().sorted().toList(), writes);
      for (String write : TABLE_WRITES) {
        String prefix = "Payments/WriteToBigQuery/" + write + "/StorageApiLoads/";
        // Appends at offsets kept in state, then flush and finalize: the exactly-once method. The
        // at-least-once method has neither step.
        assertEquals(BIGQUERY_IO + "StorageApiWritesShardedRecords$WriteRecordsDoFn",
            fn(job.only(prefix + "StorageApiWriteSharded/Write Records")), write);
        assertEquals(BIGQUERY_IO + "StorageApiFlushAndFinalizeDoFn",
            fn(job.only(prefix + "StorageApiWriteSharded/Flush and finalize writes")), write);
        JsonNode batches = job.only(prefix + "GroupIntoBatches/GroupIntoBatches.WithShardedKey/GroupIntoBatches/ParDo(GroupIntoBatches)");
        assertEquals("true", batches.path("properties").path("allows_shardable_state").path("value").asText(),
            () -> write + " is not auto-sharded");
      }
    }
  }

  @Test
  void withoutStreamingEngineAutoShardedWritesDoNotTranslate() throws IOException {
    // Why the launcher refuses --writeStreams=0 without Streaming Engine: Beam fails here, deep
    // in translation, with a message that names none of the template's parameters.
    try (BigQueryDatasetStub bigQuery = BigQueryDatasetStub.start()) {
      IllegalArgumentException error =
          assertThrows(
              IllegalArgumentException.class,
              () -> translate(bigQuery, options -> { }, "--enableStreamingEngine=false", "--writeStreams=0"));
      assertTrue(error.getMessage().contains("non-Streaming-Engine jobs"), error.getMessage());
    }
  }

  /**
   * Builds the graph with the launcher's defaults ({@code defaults} null) or others, runs it on the
   * DataflowRunner and reads back the job it wrote.
   */
  private Job translate(
      BigQueryDatasetStub bigQuery, Consumer<PaymentsPipelineOptions> defaults, String... extra)
      throws IOException {
    Path jobFile = dir.resolve("job.json");
    List<String> args = new ArrayList<>(OfflineDataflow.args(dir, jobFile, bigQuery));
    args.add("--bootstrapServers=broker-1:9092,broker-2:9092");
    args.addAll(List.of(extra));
    String[] argv = args.toArray(new String[0]);
    PaymentsPipelineOptions options = PaymentsPipeline.parseOptions(argv);
    (defaults == null ? DataflowLaunch.defaults(argv) : defaults).accept(options);
    PipelineConfig config = PipelineConfig.from(options);

    Pipeline pipeline = Pipeline.create(options);
    PCollection<KafkaRecord<byte[], byte[]>> records =
        pipeline.apply(
            "ReadFromKafka",
            config.read().kafkaIo()
                .withConsumerFactoryFn(new TopicWithPartitions(options.getTopic())));
    records.apply("Payments", PaymentsGraph.of(config));
    assertInstanceOf(DataflowTemplateJob.class, pipeline.run(), "the job went somewhere other than the file");
    return new Job(new ObjectMapper().readTree(jobFile.toFile()));
  }

  private static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  /** The step's DoFn class, from its display data. */
  private static String fn(JsonNode step) {
    return StreamSupport.stream(step.path("properties").path("display_data").spliterator(), false)
        .filter(item -> item.path("key").asText().equals("fn"))
        .map(item -> item.path("value").asText())
        .findFirst()
        .orElse("(none)");
  }

  /** A Dataflow job specification, looked up by the steps' user names. */
  private record Job(JsonNode json) {
    Stream<JsonNode> all() {
      return StreamSupport.stream(json.path("steps").spliterator(), false);
    }

    List<String> names() {
      return all().map(Job::name).toList();
    }

    /** Steps whose name starts with {@code prefix} and contains every one of {@code parts}. */
    List<JsonNode> steps(String prefix, String... parts) {
      return all()
          .filter(step -> name(step).startsWith(prefix))
          .filter(step -> Stream.of(parts).allMatch(name(step)::contains))
          .toList();
    }

    JsonNode only(String name) {
      List<JsonNode> found = all().filter(step -> name(step).equals(name)).toList();
      assertEquals(1, found.size(), () -> "steps named " + name + " in " + names());
      return found.get(0);
    }

    private static String name(JsonNode step) {
      return step.path("properties").path("user_name").path("value").asText();
    }
  }

  /** Kafka consumers that know one topic, with {@link #PARTITIONS} partitions. */
  private static final class TopicWithPartitions
      implements SerializableFunction<Map<String, Object>, org.apache.kafka.clients.consumer.Consumer<byte[], byte[]>> {
    private final String topic;

    TopicWithPartitions(String topic) {
      this.topic = topic;
    }

    @Override
    public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> apply(Map<String, Object> config) {
      MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
      consumer.updatePartitions(
          topic,
          IntStream.range(0, PARTITIONS).mapToObj(p -> new PartitionInfo(topic, p, null, null, null)).toList());
      return consumer;
    }
  }
}
