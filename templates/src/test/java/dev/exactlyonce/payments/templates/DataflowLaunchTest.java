package dev.exactlyonce.payments.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.pipeline.Launcher;
import dev.exactlyonce.payments.pipeline.PaymentsPipelineOptions;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

class DataflowLaunchTest {
  private static final List<String> MINIMAL =
      List.of("--bootstrapServers=broker-1:9092,broker-2:9092", "--project=my-project", "--region=europe-west1");

  private static String[] args(String... extra) {
    List<String> all = new ArrayList<>(MINIMAL);
    all.addAll(List.of(extra));
    return all.toArray(new String[0]);
  }

  private static PaymentsPipelineOptions launchOptions(String... extra) {
    String[] args = args(extra);
    return DataflowLaunch.launcher(args).configure(args).options().as(PaymentsPipelineOptions.class);
  }

  @Test
  void fillsInDataflowStreamingEngineAndExactlyOnce() {
    PaymentsPipelineOptions options = launchOptions();
    assertEquals(DataflowRunner.class, options.getRunner());
    assertTrue(options.isStreaming());
    assertTrue(options.as(DataflowPipelineOptions.class).isEnableStreamingEngine());

    PipelineConfig config = PipelineConfig.from(options);
    assertEquals(WriteMode.EXACTLY_ONCE, config.writeMode());
    assertEquals("default for DataflowRunner", config.writeModeChoice().reason());

    KafkaIO.Read<byte[], byte[]> read = config.read().kafkaIo();
    assertTrue(read.isRedistributed());
    assertEquals(Boolean.TRUE, read.getOffsetDeduplication());
    assertFalse(read.isAllowDuplicates(), "KafkaIO rejects offset deduplication with duplicates allowed");
    assertTrue(read.isCommitOffsetsInFinalizeEnabled());
    assertEquals("read_committed", read.getConsumerConfig().get("isolation.level"));
  }

  @Test
  void choicesTheUserMadeAreKept() {
    PaymentsPipelineOptions options =
        launchOptions("--enableStreamingEngine=false", "--writeStreams=4", "--writeMode=UPSERT");
    assertFalse(options.as(DataflowPipelineOptions.class).isEnableStreamingEngine());
    assertEquals(WriteMode.UPSERT, PipelineConfig.from(options).writeMode());
  }

  @Test
  void atLeastOnceStreamingModeIsRefusedNamingTheOption() {
    Launch launch = Launch.of(args("--dataflowServiceOptions=" + DataflowLaunch.AT_LEAST_ONCE_MODE));
    assertEquals(2, launch.status);
    assertTrue(launch.err.startsWith("error: --dataflowServiceOptions=streaming_mode_at_least_once"), launch.err);
  }

  @Test
  void autoShardedWritesWithoutStreamingEngineAreRefusedNamingTheOption() {
    Launch launch = Launch.of(args("--enableStreamingEngine=false"));
    assertEquals(2, launch.status);
    assertTrue(launch.err.startsWith("error: --writeStreams must be at least 1"), launch.err);
  }

  @Test
  void launchReturnsOnceTheJobIsSubmittedWithoutWaiting() throws IOException {
    SubmitOnlyRunner.LAST.set(null);
    try (BigQueryDatasetStub bigQuery = BigQueryDatasetStub.start()) {
      Launch launch =
          Launch.of(
              args(
                  "--runner=" + SubmitOnlyRunner.class.getName(),
                  "--bigQueryEndpoint=" + bigQuery.endpoint()));
      assertEquals(0, launch.status, launch.err);
      SubmittedJob job = SubmitOnlyRunner.LAST.get();
      assertTrue(job != null, "the runner was never asked to run the pipeline");
      assertFalse(job.waitedFor, "the launcher waited for the job to finish");
      assertTrue(
          job.options.as(DataflowPipelineOptions.class).isEnableStreamingEngine(),
          "the launcher's defaults reached the runner");
    }
  }

  /** Exit status and standard error of one launch. */
  private record Launch(int status, String err) {
    static Launch of(String[] args) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      // No broker here: the Kafka check itself is SecuredKafkaIntegrationTest's, against a real one.
      Launcher.KafkaCheck brokerAnswers = (servers, topic, security) -> { };
      int status = DataflowLaunch.launcher(args).withKafkaCheck(brokerAnswers).launch(args, new PrintStream(err, true, StandardCharsets.UTF_8));
      return new Launch(status, err.toString(StandardCharsets.UTF_8));
    }
  }

  /** Accepts the job and returns at once, like a runner that submits to a service. */
  public static final class SubmitOnlyRunner extends PipelineRunner<SubmittedJob> {
    static final AtomicReference<SubmittedJob> LAST = new AtomicReference<>();

    public static SubmitOnlyRunner fromOptions(PipelineOptions options) {
      return new SubmitOnlyRunner();
    }

    @Override
    public SubmittedJob run(Pipeline pipeline) {
      SubmittedJob job = new SubmittedJob(pipeline.getOptions());
      LAST.set(job);
      return job;
    }
  }

  /** A running job that remembers whether anyone waited for it. */
  static final class SubmittedJob implements PipelineResult {
    final PipelineOptions options;
    volatile boolean waitedFor;

    SubmittedJob(PipelineOptions options) {
      this.options = options;
    }

    @Override
    public State getState() {
      return State.RUNNING;
    }

    @Override
    public State cancel() {
      return State.CANCELLED;
    }

    @Override
    public State waitUntilFinish(Duration duration) {
      waitedFor = true;
      return State.RUNNING;
    }

    @Override
    public State waitUntilFinish() {
      waitedFor = true;
      return State.RUNNING;
    }

    @Override
    public MetricResults metrics() {
      throw new UnsupportedOperationException("no metrics before the job runs");
    }
  }
}
