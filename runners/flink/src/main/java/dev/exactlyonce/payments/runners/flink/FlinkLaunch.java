package dev.exactlyonce.payments.runners.flink;

import dev.exactlyonce.payments.pipeline.KafkaPreflight;
import dev.exactlyonce.payments.pipeline.Launcher;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import dev.exactlyonce.payments.pipeline.PaymentsPipelineOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches the payments pipeline on Flink: {@code [local]} (an embedded cluster) or {@code
 * --flinkMaster=host:port} (an on-prem cluster). Fills in what the exactly-once claims need where
 * the user gave nothing: checkpoints every 10 s on RocksDB, retained externalized checkpoints to
 * resume from, restarts on failure, bundles small enough for the watermark to advance under steady
 * load, no deep copies between chained operators. Resumes from a retained checkpoint or savepoint ({@code
 * --savepointPath}, or {@code --resumeFromLatestCheckpoint}) on a cluster and on {@code [local]}.
 *
 * <p>Local mode's {@code LocalFlinkLaunch} runs the same launch into the BigQuery stand-in.
 */
public final class FlinkLaunch {
  public static final long DEFAULT_CHECKPOINT_INTERVAL_MILLIS = 10_000;
  public static final String DEFAULT_CHECKPOINT_DIR = "local-run/flink-checkpoints";
  public static final int DEFAULT_EXECUTION_RETRIES = 3;
  /**
   * After a drain the Kafka source reports the end of time; Flink keeps finished sources alive
   * for checkpoints unless told otherwise, and the job would never end.
   */
  public static final long SHUTDOWN_DRAINED_SOURCES_AFTER_MILLIS = 3_000;
  /**
   * Beam's Flink operators pass a watermark downstream only between bundles. A bundle closed by
   * its size passes it at once; one closed by {@code maxBundleTimeMills} only asks to, and under
   * steady input the next record reopens a bundle first, so the watermark stalls while records
   * keep coming: windows never close and state grows with every payment (measured in
   * docs/benchmarks.md, "State under steady load"). With bundles this small, any stream dense
   * enough to lose that race closes its bundles by size.
   */
  public static final long DEFAULT_MAX_BUNDLE_SIZE = 100;
  /**
   * Without it Flink deep-copies every element between chained operators by encoding and decoding
   * it: 23% of the CPU samples of a RocksDB run, and heap-state throughput rose from 6,100 to
   * 9,000 payments/s without it (docs/benchmarks.md). Beam elements are immutable by contract,
   * which the DirectRunner enforces in this project's transform tests, so the copy protects
   * nothing here.
   */
  public static final boolean DEFAULT_FASTER_COPY = true;
  /**
   * RocksDB's write buffers and block cache come out of Flink's managed memory, which the embedded
   * cluster keeps at 128 MiB for all its slots: 100,000 payments ran at 1,036/s with it and 6,917/s
   * with 1 GiB (docs/benchmarks.md). A user's Flink configuration that sets it wins.
   */
  public static final String DEFAULT_EMBEDDED_MANAGED_MEMORY = "1g";

  private static final Logger LOG = LoggerFactory.getLogger(FlinkLaunch.class);
  private static final String SAVEPOINT_PATH_KEY = SavepointConfigOptions.SAVEPOINT_PATH.key();
  private static final String ALLOW_NON_RESTORED_STATE_KEY = SavepointConfigOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE.key();
  /** What this launch decides for the restore, over whatever the user's configuration says. */
  private static final Set<String> LAUNCH_DECIDES = Set.of(SAVEPOINT_PATH_KEY, ALLOW_NON_RESTORED_STATE_KEY);
  private static final String MANAGED_MEMORY_KEY = TaskManagerOptions.MANAGED_MEMORY_SIZE.key();
  private static final String PROMETHEUS_REPORTER_PREFIX = "metrics.reporter.prom.";

  private FlinkLaunch() {}

  public static void main(String[] args) {
    System.exit(launchChecked(args, System.err, KafkaPreflight::check));
  }

  /**
   * The launch of {@link #main}: with the JobManager of {@code --flinkMaster} checked before the job
   * is built, where Beam would fail deep in submission with a connection error.
   */
  static int launchChecked(String[] args, PrintStream err, Launcher.KafkaCheck kafkaCheck) {
    return launcher()
        .withRunnerDefaults(options -> {
          applyDefaults(options);
          refuseUnreachableMaster(options.as(FlinkPipelineOptions.class));
        })
        .withKafkaCheck(kafkaCheck)
        .launch(args, err);
  }

  /** How long the JobManager has to accept a connection before the launch gives up on it. */
  static final int MASTER_CONNECT_TIMEOUT_MILLIS = 5_000;

  private static void refuseUnreachableMaster(FlinkPipelineOptions options) {
    String master = options.getFlinkMaster();
    // [local], [auto] and [collection] name no JobManager to connect to; [auto] under `flink run`
    // is the cluster that command already reached.
    if (master == null || master.startsWith("[")) {
      return;
    }
    int colon = master.lastIndexOf(':');
    String host = colon < 0 ? master : master.substring(0, colon);
    int port;
    try {
      port = colon < 0 ? 8081 : Integer.parseInt(master.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--flinkMaster=" + master + " must be host:port, the JobManager's REST endpoint", e);
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), MASTER_CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--flinkMaster=" + master + ": cannot reach the JobManager (" + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
    }
  }

  /** The payments pipeline's launch with this runner's defaults. */
  public static Launcher<PaymentsPipelineOptions> launcher() {
    registerOptions();
    return PaymentsPipeline.launcher()
        .withArgumentDefaults(FlinkLaunch::withFlinkRunner)
        .withRunnerDefaults(FlinkLaunch::applyDefaults);
  }

  /**
   * After a run on this machine drained cleanly: marks the checkpoints before it as behind it, so
   * that {@code --resumeFromLatestCheckpoint} does not resume the one it started from.
   */
  public static void afterCleanDrain(PipelineOptions pipelineOptions) {
    FlinkPipelineOptions options = pipelineOptions.as(FlinkPipelineOptions.class);
    if (runsEmbedded(options)) {
      localDirectory(options.getStateBackendStoragePath()).ifPresent(RetainedCheckpoints::markDrained);
    }
  }

  /** Flink settings the product's claims rest on, where the options leave them unset. */
  public static void applyDefaults(PipelineOptions pipelineOptions) {
    FlinkPipelineOptions options = pipelineOptions.as(FlinkPipelineOptions.class);
    if (options.getCheckpointingInterval() == null || options.getCheckpointingInterval() <= 0) {
      options.setCheckpointingInterval(DEFAULT_CHECKPOINT_INTERVAL_MILLIS);
    }
    if (options.getStateBackend() == null) {
      options.setStateBackend("rocksdb");
    }
    // Asked once: for [auto] the answer takes creating Flink's execution environment.
    boolean embedded = runsEmbedded(options);
    if (options.getStateBackendStoragePath() == null && !embedded) {
      throw new IllegalArgumentException(
          "--stateBackendStoragePath is required with --flinkMaster=" + options.getFlinkMaster()
              + ": checkpoints must go where every TaskManager and the JobManager reach them (hdfs://, s3://, "
              + "or a shared file: path), not to this machine's disk");
    }
    if (options.getStateBackendStoragePath() == null) {
      options.setStateBackendStoragePath(Path.of(DEFAULT_CHECKPOINT_DIR).toAbsolutePath().toUri().toString());
    }
    options.setStateBackendStoragePath(usableStorage(options.getStateBackendStoragePath(), embedded));
    options.setExternalizedCheckpointsEnabled(true);
    options.setRetainExternalizedCheckpointsOnCancellation(true);
    if (!setByUser(options, "maxBundleSize")) {
      options.setMaxBundleSize(DEFAULT_MAX_BUNDLE_SIZE);
    }
    if (!setByUser(options, "fasterCopy")) {
      options.setFasterCopy(DEFAULT_FASTER_COPY);
    }
    if (options.getNumberOfExecutionRetries() == null || options.getNumberOfExecutionRetries() < 0) {
      options.setNumberOfExecutionRetries(DEFAULT_EXECUTION_RETRIES);
    }
    if (options.getShutdownSourcesAfterIdleMs() == null || options.getShutdownSourcesAfterIdleMs() < 0) {
      options.setShutdownSourcesAfterIdleMs(SHUTDOWN_DRAINED_SOURCES_AFTER_MILLIS);
    }
    if (options.as(FlinkLaunchOptions.class).getResumeFromLatestCheckpoint() && options.getSavepointPath() == null) {
      resumeFromLatestCheckpoint(options);
    }
    int metricsPort = options.as(FlinkLaunchOptions.class).getMetricsPort();
    if (metricsPort != 0 && !embedded) {
      throw new IllegalArgumentException("--metricsPort=" + metricsPort + " is for the embedded cluster ([local]); "
          + "a cluster's JobManager and TaskManagers serve metrics as its configuration says (metrics.reporter.prom.port)");
    }
    if (embedded) {
      Map<String, String> settings = new LinkedHashMap<>();
      if (metricsPort != 0) {
        settings.putAll(prometheusReporter(metricsPort));
      }
      if ("rocksdb".equalsIgnoreCase(options.getStateBackend())) {
        settings.put(MANAGED_MEMORY_KEY, DEFAULT_EMBEDDED_MANAGED_MEMORY);
      }
      if (options.getSavepointPath() != null) {
        settings.put(SAVEPOINT_PATH_KEY, options.getSavepointPath());
        // Beam passes --allowNonRestoredState only when submitting to a cluster.
        if (Boolean.TRUE.equals(options.getAllowNonRestoredState())) {
          settings.put(ALLOW_NON_RESTORED_STATE_KEY, "true");
        }
      }
      if (!settings.isEmpty()) {
        options.setFlinkConfDir(embeddedClusterConfiguration(options.getFlinkConfDir(), settings).toString());
      }
    }
  }

  /**
   * Flink's Prometheus reporter on {@code port}, checked free first: the reporter would otherwise
   * log that it could not start and the job would run unwatched.
   */
  static Map<String, String> prometheusReporter(int port) {
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("--metricsPort=" + port + " is not a port: give 1 to 65535, or 0 for none");
    }
    try (ServerSocket probe = new ServerSocket(port)) {
      // Bound, so free; closed at once for the reporter to take.
    } catch (IOException e) {
      throw new IllegalArgumentException("--metricsPort=" + port + ": the port is taken or not ours to use ("
          + e.getMessage() + "); choose another, or stop what listens there", e);
    }
    return Map.of(
        PROMETHEUS_REPORTER_PREFIX + "factory.class", PrometheusReporterFactory.class.getName(),
        PROMETHEUS_REPORTER_PREFIX + "port", Integer.toString(port));
  }

  /** Whether the option was given, rather than left to its default (defaults are not display data). */
  private static boolean setByUser(PipelineOptions options, String name) {
    return DisplayData.from(options).items().stream().anyMatch(item -> item.getKey().equals(name));
  }

  /** Registers the launch's own options, so that they parse along with the pipeline's. */
  public static void registerOptions() {
    PipelineOptionsFactory.register(FlinkLaunchOptions.class);
  }

  private static void resumeFromLatestCheckpoint(FlinkPipelineOptions options) {
    String storage = options.getStateBackendStoragePath();
    Path dir = localDirectory(storage).orElseThrow(() -> new IllegalArgumentException(
        "--resumeFromLatestCheckpoint looks for checkpoints in a local directory, and --stateBackendStoragePath is "
            + storage + ": give the checkpoint with --savepointPath instead"));
    Optional<Path> latest = RetainedCheckpoints.latest(dir);
    if (latest.isPresent()) {
      options.setSavepointPath(latest.get().toUri().toString());
      LOG.info("resuming from retained checkpoint {}", latest.get());
    } else {
      LOG.warn("no retained checkpoint under {}: starting without state, from the consumer group's offsets", dir);
    }
  }

  /**
   * Checkpoint storage Flink can use. Flink's state backends refuse a path without a scheme, and
   * Beam reports that as RocksDB missing from the classpath: on the embedded cluster a plain path
   * becomes a {@code file:} URI, and a cluster is told to name its scheme. The embedded cluster's
   * local directory is created now, so that one that cannot be is refused by name instead of
   * failing the first checkpoint; a cluster's storage is the cluster's to reach, not this machine's.
   */
  private static String usableStorage(String storage, boolean embedded) {
    if (!embedded) {
      if (scheme(storage) == null) {
        throw new IllegalArgumentException("--stateBackendStoragePath=" + storage
            + " has no scheme: name the storage every TaskManager reaches, e.g. hdfs://, s3:// or file:// on a shared mount");
      }
      return storage;
    }
    Optional<Path> local = localDirectory(storage);
    if (local.isEmpty()) {
      return storage;
    }
    Path dir = local.get().toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          "--stateBackendStoragePath=" + storage + ": cannot create the checkpoint directory " + dir + " ("
              + (e instanceof java.nio.file.FileAlreadyExistsException ? "a file is in the way" : e.toString()) + ")", e);
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalArgumentException("--stateBackendStoragePath=" + storage + ": the checkpoint directory " + dir + " is not writable");
    }
    return scheme(storage) == null ? dir.toUri().toString() : storage;
  }

  /** The URI scheme of a storage location, null for a plain path. */
  private static @Nullable String scheme(String storage) {
    try {
      return new URI(storage).getScheme();
    } catch (URISyntaxException e) {
      // Not a URI (a space, say): a plain path.
      return null;
    }
  }

  /** The directory of a {@code file:} URI or a plain path; empty for any other scheme. */
  private static Optional<Path> localDirectory(String storage) {
    String scheme = scheme(storage);
    if (scheme == null) {
      return Optional.of(Path.of(storage));
    }
    if (!scheme.equals("file")) {
      return Optional.empty();
    }
    try {
      return Optional.of(Path.of(URI.create(storage)));
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw new IllegalArgumentException("--stateBackendStoragePath=" + storage + " is not a local directory: " + e.getMessage(), e);
    }
  }

  /** Whether the job runs on an embedded cluster in this JVM. */
  public static boolean runsEmbedded(FlinkPipelineOptions options) {
    String master = options.getFlinkMaster();
    if (master == null || master.equals("[local]")) {
      return true;
    }
    // Decided as Beam decides: under `flink run`, [auto] is the cluster the command submits to.
    return master.equals("[auto]")
        && StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment;
  }

  /**
   * The embedded cluster reads its settings from a configuration directory only: Beam hands {@code
   * --savepointPath} to Flink only when submitting to a cluster, and has no option for managed
   * memory. Returns a directory whose configuration is the user's (if any) plus {@code settings}; a
   * setting the user's file already has is left as the user set it, except the savepoint to resume
   * from and whether state it holds for no operator may be dropped, which this launch decides.
   */
  static Path embeddedClusterConfiguration(@Nullable String userConfDir, Map<String, String> settings) {
    try {
      Path dir = Files.createTempDirectory("flink-conf-embedded");
      // Read and written by Flink itself: Flink 1.19's own config.yaml nests its keys, which a
      // match on "key:" lines misses, and a flat line added after a nested key silently wins.
      Configuration configuration = userConfDir == null ? new Configuration() : userConfiguration(userConfDir);
      settings.forEach((key, value) -> {
        ConfigOption<String> option = ConfigOptions.key(key).stringType().noDefaultValue();
        if (LAUNCH_DECIDES.contains(key) || !configuration.contains(option)) {
          configuration.set(option, value);
        }
      });
      List<String> lines = ConfigurationUtils.convertConfigToWritableLines(configuration, true);
      // Written in the syntax Flink last read, which is the user's file's: a legacy flink-conf.yaml
      // holds values (a bare *, a ": " inside) that are not YAML and must stay in a legacy file.
      Path target = dir.resolve(GlobalConfiguration.getFlinkConfFilename());
      Files.write(target, lines);
      dir.toFile().deleteOnExit();
      target.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the embedded Flink cluster's configuration", e);
    }
  }

  /** As plain Beam would, a directory that is missing or holds no configuration file is refused. */
  private static Configuration userConfiguration(String confDir) {
    try {
      return GlobalConfiguration.loadConfiguration(confDir);
    } catch (IllegalConfigurationException e) {
      throw new IllegalArgumentException("--flinkConfDir=" + confDir + ": " + e.getMessage(), e);
    }
  }

  /** The arguments, with {@code --runner=FlinkRunner} unless they name a runner. */
  public static String[] withFlinkRunner(String[] args) {
    return Launcher.withRunner(args, FlinkRunner.class);
  }
}
