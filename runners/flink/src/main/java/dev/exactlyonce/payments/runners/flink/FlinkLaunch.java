package dev.exactlyonce.payments.runners.flink;

import dev.exactlyonce.payments.local.LocalMode;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Launches the payments pipeline on Flink: {@code [local]} (an embedded cluster) or {@code
 * --flinkMaster=host:port} (an on-prem cluster). Fills in what the exactly-once claims need where
 * the user gave nothing: checkpoints every 10 s on RocksDB, retained externalized checkpoints to
 * resume from, restarts on failure.
 *
 * <p>With {@code --tablesDir} the run is a local one, writing into the BigQuery stand-in (see
 * {@code local-mode pipeline}); otherwise it writes to BigQuery.
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

  private FlinkLaunch() {}

  public static void main(String[] args) {
    boolean local = Arrays.stream(args).anyMatch(arg -> arg.startsWith("--tablesDir="));
    if (local) {
      String[] withRunner = withFlinkRunner(args);
      System.exit(LocalMode.runPipeline(withRunner, FlinkLaunch::applyDefaults));
    }
    System.exit(PaymentsPipeline.run(withFlinkRunner(args), System.err, FlinkLaunch::applyDefaults));
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
    if (options.getStateBackendStoragePath() == null) {
      options.setStateBackendStoragePath(Path.of(DEFAULT_CHECKPOINT_DIR).toAbsolutePath().toUri().toString());
    }
    options.setExternalizedCheckpointsEnabled(true);
    options.setRetainExternalizedCheckpointsOnCancellation(true);
    if (options.getNumberOfExecutionRetries() == null || options.getNumberOfExecutionRetries() < 0) {
      options.setNumberOfExecutionRetries(DEFAULT_EXECUTION_RETRIES);
    }
    if (options.getShutdownSourcesAfterIdleMs() == null || options.getShutdownSourcesAfterIdleMs() < 0) {
      options.setShutdownSourcesAfterIdleMs(SHUTDOWN_DRAINED_SOURCES_AFTER_MILLIS);
    }
  }

  private static String[] withFlinkRunner(String[] args) {
    if (Arrays.stream(args).anyMatch(arg -> arg.startsWith("--runner="))) {
      return args;
    }
    String[] all = Arrays.copyOf(args, args.length + 1);
    all[args.length] = "--runner=" + FlinkRunner.class.getSimpleName();
    return all;
  }
}
