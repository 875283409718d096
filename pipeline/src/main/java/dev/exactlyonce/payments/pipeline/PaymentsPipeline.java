package dev.exactlyonce.payments.pipeline;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.transforms.bigquery.WriteToBigQuery;
import dev.exactlyonce.payments.transforms.dedup.DeduplicatePayments;
import dev.exactlyonce.payments.transforms.kafka.PaymentTimestampPolicy;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity;
import dev.exactlyonce.payments.transforms.parse.ParsePayments;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka to BigQuery, exactly once: read, parse, deduplicate, score, aggregate, write.
 *
 * <pre>
 *   ReadFromKafka -> ParsePayments -> DeduplicatePayments -> FraudScoring -> PaymentMetrics
 *                        |                  |  \__ audit ____________________________.
 *                        '-- dead letters --'-- LATE ---------------> WriteToBigQuery (5 tables)
 * </pre>
 *
 * <p>The runner comes from {@code --runner} at launch.
 */
public final class PaymentsPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(PaymentsPipeline.class);

  private PaymentsPipeline() {}

  public static void main(String[] args) {
    int status = run(args, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Parses, builds and runs; returns the process exit status. */
  static int run(String[] args, PrintStream err) {
    return run(args, err, options -> { });
  }

  /** What {@link #run} does once the runner accepted the job. */
  public enum Completion {
    /** Block until the job ends: the runner runs in this process, or its caller waits for it. */
    WAIT_UNTIL_FINISH,
    /**
     * Return as soon as the job is submitted: a launcher whose process must exit for the job to
     * start, such as Dataflow's flex-template launcher.
     */
    RETURN_AFTER_SUBMIT
  }

  /**
   * Parses, builds and runs until the job ends, after {@code runnerDefaults} filled in what a
   * runner needs and the user left out (see {@code runners/}); returns the process exit status.
   */
  public static int run(
      String[] args, PrintStream err, Consumer<PaymentsPipelineOptions> runnerDefaults) {
    return run(args, err, runnerDefaults, Completion.WAIT_UNTIL_FINISH);
  }

  /** As {@link #run(String[], PrintStream, Consumer)}, returning after submission if told so. */
  public static int run(
      String[] args,
      PrintStream err,
      Consumer<PaymentsPipelineOptions> runnerDefaults,
      Completion completion) {
    return run(args, err, runnerDefaults, completion, KafkaPreflight::check);
  }

  /** Checks Kafka before a launch; see {@link KafkaPreflight}. */
  @FunctionalInterface
  public interface KafkaCheck {
    void check(String bootstrapServers, String topic, KafkaClientSecurity security)
        throws KafkaPreflight.PreflightException;
  }

  /**
   * As {@link #run(String[], PrintStream, Consumer, Completion)}, with Kafka checked by {@code
   * kafkaCheck}: tests of a launcher without a broker pass their own.
   */
  public static int run(
      String[] args,
      PrintStream err,
      Consumer<PaymentsPipelineOptions> runnerDefaults,
      Completion completion,
      KafkaCheck kafkaCheck) {
    PipelineConfig config;
    try {
      PaymentsPipelineOptions options = parseOptions(args);
      runnerDefaults.accept(options);
      config = PipelineConfig.from(options);
    } catch (IllegalArgumentException e) {
      return rejectOptions(e, args, PaymentsPipelineOptions.class, err);
    }
    int refused = refuseUnreachableKafka(config.options(), config.kafkaSecurity(), kafkaCheck, err);
    if (refused != 0) {
      return refused;
    }
    PipelineConfig.WriteModeChoice writeMode = config.writeModeChoice();
    LOG.info("write mode {} ({})", writeMode.mode(), writeMode.reason());
    Pipeline pipeline = Pipeline.create(config.options());
    fromKafka(pipeline, config);
    PipelineResult result = pipeline.run();
    if (completion == Completion.WAIT_UNTIL_FINISH) {
      result.waitUntilFinish();
    } else {
      LOG.info("job submitted; not waiting for it to finish");
    }
    return 0;
  }

  /**
   * Checks Kafka with the settings the job will use, before it starts: a refused login, an
   * untrusted certificate or a store that does not open stops the launch with one line and exit
   * status 2, where KafkaIO would retry quietly for ever. Returns 0 when Kafka answered.
   */
  public static int refuseUnreachableKafka(
      KafkaReadOptions options, KafkaClientSecurity security, KafkaCheck kafkaCheck, PrintStream err) {
    try {
      kafkaCheck.check(options.getBootstrapServers(), options.getTopic(), security);
      return 0;
    } catch (KafkaPreflight.PreflightException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
  }

  /**
   * Reports options that do not parse or do not pass the config's checks, naming the option and
   * where every option is listed; returns the exit status for it.
   */
  public static int rejectOptions(
      IllegalArgumentException e, String[] args, Class<? extends PipelineOptions> optionsType, PrintStream err) {
    err.println("error: " + namingTheOption(e.getMessage(), args));
    err.println("Run with --help=" + optionsType.getName() + " for every option.");
    return 2;
  }

  /**
   * Beam reports a value of the wrong type with the value but not the option; put the option in
   * front so the user knows which one to fix.
   */
  public static String namingTheOption(String message, String[] args) {
    if (message == null || message.contains("--")) {
      return message;
    }
    for (String arg : args) {
      int equals = arg.indexOf('=');
      if (arg.startsWith("--") && equals > 2 && message.contains("\"" + arg.substring(equals + 1) + "\"")) {
        return arg.substring(0, equals) + ": " + message;
      }
    }
    return message;
  }

  public static PaymentsPipelineOptions parseOptions(String... args) {
    PipelineOptionsFactory.register(PaymentsPipelineOptions.class);
    PaymentsPipelineOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(PaymentsPipelineOptions.class);
    options.setStreaming(true);
    return options;
  }

  /** The whole graph, reading from the Kafka topic of the options, writing to BigQuery. */
  public static PDone fromKafka(Pipeline pipeline, PipelineConfig config) {
    return fromKafka(pipeline, config, null);
  }

  /** The whole graph, writing through {@code services} (null for the real BigQuery). */
  public static PDone fromKafka(
      Pipeline pipeline, PipelineConfig config, @Nullable BigQueryServices services) {
    return process(pipeline.apply("ReadFromKafka", readFromKafka(config)), config, services);
  }

  /**
   * Everything after the read. Tests feed it a {@code TestStream} of Kafka records; {@code
   * services} replaces BigQuery (the local stand-in, or a fake), or is null for the real one.
   */
  public static PDone process(
      PCollection<KafkaRecord<byte[], byte[]>> records,
      PipelineConfig config,
      @Nullable BigQueryServices services) {
    PCollectionTuple parsed = records.apply("ParsePayments", ParsePayments.create().withMaxClockSkew(config.maxClockSkew()));
    PCollectionTuple deduplicated =
        parsed.get(ParsePayments.PAYMENTS).apply("DeduplicatePayments", config.deduplicate());
    PCollection<Payment> unique = deduplicated.get(DeduplicatePayments.UNIQUE);
    long failAfter = config.options().getFailOnceAfterPayments();
    if (failAfter > 0) {
      unique = unique.apply("FailureDrill", FailureDrill.failOnceAfter(failAfter));
    }
    PCollection<ScoredPayment> scored = unique.apply("FraudScoring", config.fraudScoring());
    PCollection<DeadLetter> deadLetters =
        PCollectionList.of(parsed.get(ParsePayments.DEAD_LETTERS))
            .and(deduplicated.get(DeduplicatePayments.LATE))
            .apply("CollectDeadLetters", Flatten.pCollections());

    WriteToBigQuery write = services == null ? config.write() : config.write().withServices(services);
    return PCollectionTuple.of(WriteToBigQuery.TRANSACTIONS, unique)
        .and(WriteToBigQuery.FRAUD, scored)
        .and(WriteToBigQuery.METRICS, scored.apply("PaymentMetrics", config.metrics()))
        .and(WriteToBigQuery.AUDIT, deduplicated.get(DeduplicatePayments.AUDIT))
        .and(WriteToBigQuery.DEAD_LETTERS, deadLetters)
        .apply("WriteToBigQuery", write);
  }

  public static KafkaIO.Read<byte[], byte[]> readFromKafka(PipelineConfig config) {
    return readFromKafka(
        config.options(),
        config.startingOffsets(),
        PaymentTimestampPolicy.factory(config.maxOutOfOrderness(), config.drainSignal(), config.maxClockSkew()),
        config.redistributeKafkaRead());
  }

  /**
   * The Kafka read both pipelines share: raw bytes, read_committed, offsets committed to the
   * consumer group when the runner finalizes a checkpoint, timestamps from {@code policy}.
   */
  public static KafkaIO.Read<byte[], byte[]> readFromKafka(
      KafkaReadOptions options,
      String startingOffsets,
      TimestampPolicyFactory<byte[], byte[]> policy,
      boolean redistribute) {
    KafkaClientSecurity security = KafkaSecuritySettings.from(options);
    Map<String, Object> config = new HashMap<>(security.plainProperties());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, options.getConsumerGroup());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, startingOffsets);
    KafkaIO.Read<byte[], byte[]> read =
        KafkaIO.<byte[], byte[]>read()
            .withBootstrapServers(options.getBootstrapServers())
            .withTopic(options.getTopic())
            .withKeyDeserializer(ByteArrayDeserializer.class)
            .withValueDeserializer(ByteArrayDeserializer.class)
            .withConsumerConfigUpdates(config)
            // Secrets, stores and the properties file are read where a consumer is created, so
            // none of them is in the job.
            .withConsumerFactoryFn(security.consumerFactory())
            .withReadCommitted()
            .commitOffsetsInFinalize()
            .withTimestampPolicyFactory(policy);
    if (!redistribute) {
      return read;
    }
    // Dataflow: spread the records over more workers than the topic has partitions, and let its
    // exactly-once shuffle recognise a re-delivered record by topic/partition/offset instead of
    // persisting an id per record. KafkaIO refuses offset deduplication only together with
    // withAllowDuplicates (never set here); read_committed is plain consumer config, and offsets
    // are still committed when a checkpoint is finalized. Offset deduplication exists only on
    // KafkaIO's UnboundedSource read, so Dataflow reads through the same reader as the
    // DirectRunner and Flink do.
    return read.withRedistribute().withOffsetDeduplication(true);
  }
}
