package dev.exactlyonce.payments.local.flink;

import dev.exactlyonce.payments.runners.flink.FlinkLaunch;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/** Options of a test run on Flink's embedded cluster, into the stand-in, with launch defaults. */
final class FlinkLocalRuns {
  private FlinkLocalRuns() {}

  /** The java of this JVM, for runs in a process of their own. */
  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** A port nothing listens on now, for a server the test starts next. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The last lines of a run's log, for a failure message. */
  static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  /** The topic every payments drill reads, with four partitions for the two slots to share. */
  static final String TOPIC = "payments";

  /** A broker under {@code dir} with the drills' payments topic. */
  static LocalKafka kafkaWithPaymentsTopic(Path dir) throws IOException, InterruptedException {
    LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"));
    kafka.createTopic(TOPIC, 4);
    return kafka;
  }

  /** Sends the simulated payments; returns their ledger once Kafka acknowledged every record. */
  static Ledger send(LocalKafka kafka, SimulatorSettings settings) {
    try {
      return KafkaSink.simulate(kafka.bootstrapServers(), TOPIC, settings, sent -> { });
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@link #send} on another thread, for a run that reads while payments stream in. */
  static CompletableFuture<Ledger> sendWhileRunning(LocalKafka kafka, SimulatorSettings settings) {
    return CompletableFuture.supplyAsync(() -> send(kafka, settings));
  }

  static LocalModeOptions options(
      LocalKafka kafka, Path tables, Path checkpoints, long checkpointMillis, String... extra) {
    Stream<String> fixed =
        Stream.of(
            "--runner=FlinkRunner",
            "--parallelism=2",
            "--checkpointingInterval=" + checkpointMillis,
            "--stateBackendStoragePath=" + checkpoints.toUri(),
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--tablesDir=" + tables);
    if (Stream.of(extra).noneMatch(option -> option.startsWith("--stopWhenIdleSeconds="))) {
      fixed = Stream.concat(fixed, Stream.of("--stopWhenIdleSeconds=10"));
    }
    FlinkLaunch.registerOptions();
    LocalModeOptions options =
        LocalPipeline.parseOptions(Stream.concat(fixed, List.of(extra).stream()).toArray(String[]::new));
    LocalFlinkLaunch.applyDefaults(options);
    return options;
  }
}
