package dev.exactlyonce.payments.local;

import dev.exactlyonce.payments.local.drill.FailureDrill;
import dev.exactlyonce.payments.local.drill.FileDrainSignal;
import dev.exactlyonce.payments.local.standin.LocalBigQuery;
import dev.exactlyonce.payments.pipeline.OptionChecks;
import dev.exactlyonce.payments.pipeline.PaymentsGraph;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.runners.flink.FlinkLaunch;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Runs the payments pipeline on this machine: reads the given Kafka, writes through the real
 * BigQueryIO Storage Write transform into the {@link LocalBigQuery} stand-in, and optionally stops
 * on idle by draining (still a streaming pipeline: every window closes, every table is flushed).
 */
public final class LocalPipeline {
  private LocalPipeline() {}

  /** How a run ended. */
  public record Outcome(long recordsRead, PipelineResult.State state, Times times) {
    /**
     * When the run passed its milestones, in epoch milliseconds. Reading is measured by the count
     * of records read changing: live counters, or rows written where the runner has none.
     *
     * @param drainStarted when stop-when-idle raised the drain signal; -1 if it never did
     * @param finished when the job ended, every table final
     * @param byRowsWritten the reading times are when rows were written: the runner reported no
     *     counters while it ran
     */
    public record Times(
        long started, long firstRead, long lastRead, long drainStarted, long finished, boolean byRowsWritten) {}
  }

  /** Hears, every few seconds, how far the pipeline got. */
  public interface Progress {
    void report(long recordsRead, long paymentRows, long deadLetters);

    /** One line per report on {@code out}. */
    static Progress printingTo(PrintStream out) {
      return (read, rows, deadLetters) ->
          out.printf("  pipeline: %,d records read, %,d payment rows, %,d dead letters%n", read, rows, deadLetters);
    }
  }

  /**
   * DirectRunner settings for local throughput, unless given: the runner's per-element clone and
   * encode checks are for tests (TestPipeline keeps them), and more threads than cores help because
   * most bundles are tiny per-key state work.
   */
  private static final String[][] LOCAL_DEFAULTS = {
    {"--targetParallelism", "8"}, {"--enforceImmutability", "false"}, {"--enforceEncodability", "false"},
  };

  public static LocalModeOptions parseOptions(String... args) {
    PipelineOptionsFactory.register(LocalModeOptions.class);
    List<String> all = new ArrayList<>(List.of(args));
    for (String[] setting : LOCAL_DEFAULTS) {
      if (all.stream().noneMatch(arg -> arg.startsWith(setting[0] + "="))) {
        all.add(setting[0] + "=" + setting[1]);
      }
    }
    LocalModeOptions options =
        PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).withValidation().as(LocalModeOptions.class);
    options.setStreaming(true);
    if (options.getOutputProject() == null && options.getProject() == null) {
      options.setOutputProject(LocalBigQuery.PROJECT);
    }
    // The DirectRunner blocks in run() by default; this run watches the pipeline while it goes.
    options.as(DirectOptions.class).setBlockOnRun(false);
    return options;
  }

  /**
   * Runs until idle (or forever with {@code --stopWhenIdleSeconds=0}).
   *
   * @throws LocalRunException with a one-line reason when the run cannot start or does not finish
   */
  public static Outcome run(LocalModeOptions options, PrintStream out) throws LocalRunException {
    return run(options, () -> true, Progress.printingTo(out), out);
  }

  /**
   * Like {@link #run(LocalModeOptions, PrintStream)}, but idleness only counts once {@code
   * inputComplete} says no more input is coming (a producer running alongside has finished).
   */
  public static Outcome run(
      LocalModeOptions options, BooleanSupplier inputComplete, Progress progress, PrintStream out)
      throws LocalRunException {
    PipelineConfig config = PipelineConfig.from(options);
    long failAfter = OptionChecks.atLeast("failOnceAfterPayments", options.getFailOnceAfterPayments(), 0);
    Path drainFile = RunUntilIdle.drainFile(options);
    ReadFromKafka read = config.read().withDrainSignal(FileDrainSignal.whenExists(drainFile));
    Map<String, Object> kafkaAdminConfig = RunUntilIdle.checkKafka(read);
    out.printf("  write mode %s (%s)%n", config.writeModeChoice().mode(), config.writeModeChoice().reason());
    try (LocalBigQuery standIn = LocalBigQuery.open(Path.of(options.getTablesDir()), config.tables(), config.writeMode())) {
      boolean onACluster = tasksRunOnACluster(options);
      Pipeline pipeline = Pipeline.create(options);
      PaymentsGraph graph =
          PaymentsGraph.of(config).withServices(onACluster ? standIn.servicesForOtherProcesses() : standIn.services());
      if (failAfter > 0) {
        graph = graph.withDrillAfterDeduplication(FailureDrill.failOnceAfter(failAfter));
      }
      PaymentsPipeline.build(pipeline, read, graph);
      Outcome outcome =
          new RunUntilIdle(
                  pipeline, read, options, standIn, config.tables().transactions(), drainFile,
                  kafkaAdminConfig)
              .run(inputComplete, progress, out);
      if (onACluster) {
        standIn.absorbShards();
      }
      return outcome;
    } catch (IOException | IllegalArgumentException e) {
      throw new LocalRunException(e.getMessage());
    }
  }

  /**
   * Whether the pipeline's tasks run in other processes, a Flink cluster's TaskManagers: they then
   * write into shards of the stand-in, folded into its tables once the run is over (shards a crashed
   * run left are folded in with them).
   */
  private static boolean tasksRunOnACluster(LocalModeOptions options) {
    return options.getRunner() == FlinkRunner.class && !FlinkLaunch.runsEmbedded(options.as(FlinkPipelineOptions.class));
  }

  /** A local run that could not start or did not finish cleanly; the message says why. */
  public static final class LocalRunException extends Exception {
    private static final long serialVersionUID = 1L;

    public LocalRunException(String message) {
      super(message);
    }
  }
}
