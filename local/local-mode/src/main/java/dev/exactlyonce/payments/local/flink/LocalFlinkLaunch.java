package dev.exactlyonce.payments.local.flink;

import dev.exactlyonce.payments.local.LocalMode;
import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.runners.flink.FlinkLaunch;
import java.io.PrintStream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The payments pipeline on Flink with the production launch's defaults ({@link FlinkLaunch}),
 * writing into the BigQuery stand-in under {@code --tablesDir} and draining once idle: what {@code
 * runners/flink-local.sh} and the Flink drills run.
 */
public final class LocalFlinkLaunch {
  private LocalFlinkLaunch() {}

  public static void main(String[] args) {
    FlinkLaunch.registerOptions();
    System.exit(LocalMode.runPipeline(FlinkLaunch.withFlinkRunner(args), LocalFlinkLaunch::applyDefaults, LocalFlinkLaunch::run));
  }

  /** The production launch's defaults; a failure drill only where its count can live. */
  public static void applyDefaults(PipelineOptions options) {
    FlinkLaunch.applyDefaults(options);
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    if (options.as(LocalModeOptions.class).getFailOnceAfterPayments() > 0 && !FlinkLaunch.runsEmbedded(flink)) {
      // Its count lives in the launching JVM; on task managers the drill would fail every payment.
      throw new IllegalArgumentException(
          "--failOnceAfterPayments is a drill for the embedded cluster (--flinkMaster=[local]), not for --flinkMaster="
              + flink.getFlinkMaster());
    }
  }

  /** A run with options {@link #applyDefaults} has seen, marked as drained once it has. */
  public static LocalPipeline.Outcome run(LocalModeOptions options, PrintStream out) throws LocalPipeline.LocalRunException {
    LocalPipeline.Outcome outcome = LocalPipeline.run(options, out);
    FlinkLaunch.afterCleanDrain(options);
    return outcome;
  }
}
