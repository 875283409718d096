package dev.exactlyonce.payments.runners.flink;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Options of a test run on Flink's embedded cluster, into the stand-in, with launch defaults. */
final class FlinkLocalRuns {
  private FlinkLocalRuns() {}

  static LocalModeOptions options(
      LocalKafka kafka, Path tables, Path checkpoints, long checkpointMillis, String... extra) {
    Stream<String> fixed =
        Stream.of(
            "--runner=FlinkRunner",
            "--parallelism=2",
            "--checkpointingInterval=" + checkpointMillis,
            "--stateBackendStoragePath=" + checkpoints.toUri(),
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--tablesDir=" + tables,
            "--stopWhenIdleSeconds=10");
    FlinkLaunch.registerOptions();
    LocalModeOptions options =
        LocalPipeline.parseOptions(Stream.concat(fixed, List.of(extra).stream()).toArray(String[]::new));
    FlinkLaunch.applyDefaults(options);
    return options;
  }
}
