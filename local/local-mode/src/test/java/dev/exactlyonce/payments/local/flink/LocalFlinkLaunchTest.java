package dev.exactlyonce.payments.local.flink;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.runners.flink.FlinkLaunch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The local Flink launch: the production defaults, and a failure drill only where it can count. */
class LocalFlinkLaunchTest {
  private static LocalModeOptions options(String... args) {
    FlinkLaunch.registerOptions();
    return LocalPipeline.parseOptions(
        FlinkLaunch.withFlinkRunner(Stream.concat(Stream.of("--bootstrapServers=broker:9092"), Stream.of(args)).toArray(String[]::new)));
  }

  @Test
  void theTaskFailureDrillIsRefusedForARemoteCluster() {
    LocalModeOptions remote =
        options("--flinkMaster=jobmanager:8081", "--stateBackendStoragePath=hdfs://nn/checkpoints", "--failOnceAfterPayments=100");

    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> LocalFlinkLaunch.applyDefaults(remote));

    assertTrue(error.getMessage().startsWith("--failOnceAfterPayments is a drill for the embedded cluster"), error.getMessage());
  }

  @Test
  void theTaskFailureDrillRunsOnTheEmbeddedCluster() {
    assertDoesNotThrow(() -> LocalFlinkLaunch.applyDefaults(options("--flinkMaster=[local]", "--failOnceAfterPayments=100")));
  }
}
