package dev.exactlyonce.payments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.transforms.time.TimeBounds;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import dev.exactlyonce.payments.transforms.dedup.DeduplicatePayments;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PipelineOptionsTest {
  private static final String[] MINIMAL = {"--bootstrapServers=broker:9092", "--project=my-project"};

  private static PipelineConfig configWith(String... extra) {
    List<String> args = new ArrayList<>(List.of(MINIMAL));
    args.addAll(List.of(extra));
    return PipelineConfig.from(PaymentsPipeline.parseOptions(args.toArray(new String[0])));
  }

  @Test
  void defaultsMatchTheProductDefaults() {
    PipelineConfig config = configWith();
    PaymentsPipelineOptions options = config.options();
    assertEquals("payments", options.getTopic());
    assertEquals("earliest", config.read().kafkaIo().getConsumerConfig().get("auto.offset.reset"));
    assertEquals(30L, options.getMaxOutOfOrdernessSeconds());
    assertEquals(60L, options.getDedupHorizonMinutes());
    assertEquals(60L, options.getMetricsWindowSeconds());
    assertEquals("payment_transactions", options.getTransactionsTable());
    assertTrue(options.isStreaming());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--dedupHorizonMinutes=0|--dedupHorizonMinutes must be at least 1",
        "--startingOffsets=middle|--startingOffsets must be earliest or latest",
        "--fraudHighAmount=lots|--fraudHighAmount must be a decimal number",
        "--fraudHighAmount=500|--fraudHighAmount must be greater than --fraudMediumAmount",
        "--velocityMaxPayments=0|--velocityMaxPayments must be at least 1",
        "--metricsWindowSeconds=-5|--metricsWindowSeconds must be at least 1",
        "--writeStreams=-1|--writeStreams must be at least 0",
        "--maxOutOfOrdernessSeconds=-1|--maxOutOfOrdernessSeconds must be at least 0",
        "--maxClockSkewSeconds=-1|--maxClockSkewSeconds must be at least 0",
        "--dataset=bad-dataset!|invalid BigQuery dataset name",
      })
  void badValuesAreRejectedNamingTheOption(String argument, String expectedMessage) {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> configWith(argument));
    assertTrue(
        error.getMessage().contains(expectedMessage),
        () -> "message was: " + error.getMessage());
  }

  @Test
  void optionDefaultsAreTheTransformsDefaults() {
    // An option's default is an annotation literal; the transform's is a constant. They must agree.
    PipelineConfig defaults = configWith();
    assertEquals(TimeBounds.DEFAULT_MAX_CLOCK_SKEW, defaults.maxClockSkew());
    assertEquals(DeduplicatePayments.create().latestPassThrough(), PaymentsGraph.deduplicate(defaults).latestPassThrough());
  }

  @Test
  void missingProjectIsNamed() {
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> PipelineConfig.from(PaymentsPipeline.parseOptions("--bootstrapServers=b:9092")));
    assertTrue(error.getMessage().contains("--outputProject"), error.getMessage());
  }

  @Test
  void mainPrintsOneLineNamingTheOptionAndExitsNonZero() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        PaymentsPipeline.launcher().launch(new String[] {"--project=my-project"}, new PrintStream(err, true, StandardCharsets.UTF_8));
    String printed = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, status);
    assertTrue(printed.startsWith("error: "), printed);
    assertTrue(printed.contains("--bootstrapServers"), printed);
    assertFalse(printed.contains("\tat "), "no stack trace: " + printed);
  }

  @Test
  void unknownOptionIsNamed() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        PaymentsPipeline.launcher().launch(new String[] {"--bootstrapServers=b:9092", "--dedupHorizon=5"},
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, status);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("dedupHorizon"));
  }

  @Test
  void nonNumericValueIsNamed() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        PaymentsPipeline.launcher().launch(new String[] {"--bootstrapServers=b:9092", "--dedupHorizonMinutes=soon"},
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, status);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("dedupHorizonMinutes"), err.toString(StandardCharsets.UTF_8));
  }

  /** Stands in for the Flink runner class, which this module does not depend on. */
  static final class FlinkRunner extends org.apache.beam.sdk.PipelineRunner<org.apache.beam.sdk.PipelineResult> {
    public static FlinkRunner fromOptions(org.apache.beam.sdk.options.PipelineOptions options) {
      return new FlinkRunner();
    }

    @Override
    public org.apache.beam.sdk.PipelineResult run(org.apache.beam.sdk.Pipeline pipeline) {
      throw new UnsupportedOperationException("only its name matters here");
    }
  }

  @Test
  void writeModeDefaultsToUpsertOnFlinkAndExactlyOnceElsewhere() {
    PaymentsPipelineOptions direct = configWith().options();
    assertEquals(WriteMode.EXACTLY_ONCE, PipelineConfig.writeMode(direct).mode());
    assertEquals("default for DirectRunner", PipelineConfig.writeMode(direct).reason());

    PaymentsPipelineOptions flink = configWith().options();
    flink.setRunner(FlinkRunner.class);
    assertEquals(WriteMode.UPSERT, PipelineConfig.writeMode(flink).mode());
    assertEquals(WriteMode.UPSERT, PipelineConfig.from(flink).writeMode());
  }

  @Test
  void kafkaReadIsRedistributedOnlyOnDataflow() {
    PipelineConfig direct = configWith();
    KafkaIO.Read<byte[], byte[]> read = direct.read().kafkaIo();
    assertFalse(read.isRedistributed());
    assertEquals(null, read.getOffsetDeduplication());
    assertTrue(read.isCommitOffsetsInFinalizeEnabled());
    assertEquals("read_committed", read.getConsumerConfig().get("isolation.level"));
  }

  @Test
  void writeModeOptionOverridesTheRunnerDefault() {
    PipelineConfig config = configWith("--writeMode=upsert");
    assertEquals(WriteMode.UPSERT, config.writeMode());
    assertEquals("--writeMode", config.writeModeChoice().reason());
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> configWith("--writeMode=sometimes"));
    assertTrue(error.getMessage().contains("--writeMode must be EXACTLY_ONCE or UPSERT"), error.getMessage());
  }
}
