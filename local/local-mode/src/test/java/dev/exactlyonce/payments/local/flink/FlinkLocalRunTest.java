package dev.exactlyonce.payments.local.flink;

import dev.exactlyonce.payments.runners.flink.FlinkLaunch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on FlinkRunner {@code [local]} with the launch defaults (RocksDB checkpoints,
 * UPSERT writes), a real Kafka broker and the BigQuery stand-in, drained on idle and reconciled.
 */
class FlinkLocalRunTest {
  @TempDir Path dir;

  @Test
  void launchDefaultsCheckpointOnRocksDbAndRetainCheckpoints() {
    LocalModeOptions options = LocalPipeline.parseOptions("--runner=FlinkRunner", "--bootstrapServers=b:9092");
    FlinkLaunch.applyDefaults(options);
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);

    assertEquals(FlinkLaunch.DEFAULT_CHECKPOINT_INTERVAL_MILLIS, flink.getCheckpointingInterval());
    assertEquals("rocksdb", flink.getStateBackend());
    assertTrue(flink.getStateBackendStoragePath().startsWith("file:/"), flink.getStateBackendStoragePath());
    assertTrue(flink.isExternalizedCheckpointsEnabled());
    assertTrue(flink.getRetainExternalizedCheckpointsOnCancellation());
    assertEquals(FlinkLaunch.DEFAULT_EXECUTION_RETRIES, flink.getNumberOfExecutionRetries());
    assertEquals(FlinkLaunch.DEFAULT_MAX_BUNDLE_SIZE, flink.getMaxBundleSize());
    assertEquals(FlinkLaunch.DEFAULT_FASTER_COPY, flink.getFasterCopy());
    assertEquals(WriteMode.UPSERT, PipelineConfig.from(options).writeMode());
  }

  @Test
  void launchDefaultsKeepWhatTheUserSet() {
    LocalModeOptions options =
        LocalPipeline.parseOptions(
            "--runner=FlinkRunner", "--bootstrapServers=b:9092", "--checkpointingInterval=2500",
            "--stateBackend=filesystem", "--stateBackendStoragePath=file:///tmp/cp",
            "--maxBundleSize=1000", "--fasterCopy=false");
    FlinkLaunch.applyDefaults(options);
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);

    assertEquals(2500L, flink.getCheckpointingInterval());
    assertEquals("filesystem", flink.getStateBackend());
    assertEquals("file:///tmp/cp", flink.getStateBackendStoragePath());
    assertEquals(1000L, flink.getMaxBundleSize(), "Beam's own default, given explicitly, is kept");
    assertEquals(false, flink.getFasterCopy());
  }

  @Test
  void simulatedPaymentsReconcileOnFlinkLocal() throws Exception {
    try (LocalKafka kafka = FlinkLocalRuns.kafkaWithPaymentsTopic(dir)) {
      SimulatorSettings settings =
          SimulatorSettings.defaults(Instant.now())
              .withPayments(800)
              .withRate(5_000)
              .withFrequentTrouble();
      Ledger ledger = FlinkLocalRuns.send(kafka, settings);
      Path tables = dir.resolve("tables");
      LocalModeOptions options =
          FlinkLocalRuns.options(kafka, tables, dir.resolve("checkpoints"), 2_000, "--flinkMaster=[local]");
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      LocalPipeline.run(options, new PrintStream(log, true, StandardCharsets.UTF_8));

      Reconciliation.Report report = Reconciliation.check(ledger, TableFiles.read(tables));
      assertTrue(report.passed(), log.toString(StandardCharsets.UTF_8) + report.text());
    }
  }
}
