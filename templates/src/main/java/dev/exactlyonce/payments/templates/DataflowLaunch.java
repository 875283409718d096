package dev.exactlyonce.payments.templates;

import dev.exactlyonce.payments.pipeline.Launcher;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import dev.exactlyonce.payments.pipeline.PaymentsPipelineOptions;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;

/**
 * The flex template's main class: launches the payments pipeline on Dataflow and exits once the
 * job is submitted, which is when the flex-template launcher starts the job.
 *
 * <p>Fills in what the exactly-once claims rest on where the launch leaves it unset: a streaming
 * job on Streaming Engine. The write mode is {@code EXACTLY_ONCE} by the pipeline's own default
 * for Dataflow, and the Kafka read is redistributed with offset deduplication there (see {@code
 * ReadFromKafka#withRedistribute}).
 */
public final class DataflowLaunch {
  /**
   * Dataflow's at-least-once streaming mode may hand a record to a step twice: metrics totals and
   * duplicate counts would no longer add up, so the template does not offer it.
   */
  static final String AT_LEAST_ONCE_MODE = "streaming_mode_at_least_once";

  private DataflowLaunch() {}

  public static void main(String[] args) {
    System.exit(launch(args, System.err));
  }

  /** Builds and submits the job, returning once it is submitted; returns the exit status. */
  static int launch(String[] args, PrintStream err) {
    return launcher(args).launch(args, err);
  }

  /** The payments pipeline's launch with Dataflow's defaults for these arguments. */
  static Launcher<PaymentsPipelineOptions> launcher(String[] args) {
    return PaymentsPipeline.launcher()
        .withArgumentDefaults(given -> Launcher.withRunner(given, DataflowRunner.class))
        .withRunnerDefaults(defaults(args))
        .withCompletion(Launcher.Completion.RETURN_AFTER_SUBMIT);
  }

  /**
   * Dataflow settings for a launch with these arguments (the runner comes in as an argument, see
   * {@link #launcher}). The Streaming Engine option has a default that looks like a
   * choice, so whether the user chose it is read from the arguments.
   */
  static Consumer<PaymentsPipelineOptions> defaults(String[] args) {
    boolean streamingEngineChosen = given(args, "--enableStreamingEngine");
    return options -> applyDefaults(options, streamingEngineChosen);
  }

  private static boolean given(String[] args, String prefix) {
    return Arrays.stream(args).anyMatch(arg -> arg.startsWith(prefix));
  }

  private static void applyDefaults(PaymentsPipelineOptions pipelineOptions, boolean streamingEngineChosen) {
    DataflowPipelineOptions options = pipelineOptions.as(DataflowPipelineOptions.class);
    options.setStreaming(true);
    if (!streamingEngineChosen) {
      options.setEnableStreamingEngine(true);
    }
    List<String> serviceOptions = options.getDataflowServiceOptions();
    if (serviceOptions != null && serviceOptions.contains(AT_LEAST_ONCE_MODE)) {
      throw new IllegalArgumentException(
          "--dataflowServiceOptions="
              + AT_LEAST_ONCE_MODE
              + " is not supported: the payments pipeline needs exactly-once streaming");
    }
    // Auto-sharded Storage Write streams exist only on Streaming Engine; without it Beam fails
    // deep in job translation, so say which option to change.
    if (!options.isEnableStreamingEngine() && pipelineOptions.getWriteStreams() == 0) {
      throw new IllegalArgumentException(
          "--writeStreams must be at least 1 without Streaming Engine (0, auto-sharding, needs"
              + " --enableStreamingEngine)");
    }
  }
}
