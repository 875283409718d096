package dev.exactlyonce.payments.local.cdc;

import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.LocalPipeline.LocalRunException;
import dev.exactlyonce.payments.local.RunUntilIdle;
import dev.exactlyonce.payments.local.drill.FailureDrill;
import dev.exactlyonce.payments.local.drill.FileDrainSignal;
import dev.exactlyonce.payments.local.standin.LocalBigQuery;
import dev.exactlyonce.payments.pipeline.OptionChecks;
import dev.exactlyonce.payments.pipeline.cdc.CdcConfig;
import dev.exactlyonce.payments.pipeline.cdc.CdcGraph;
import dev.exactlyonce.payments.pipeline.cdc.CdcPipeline;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Runs the CDC pipeline on this machine: reads the given Kafka, writes through the real BigQueryIO
 * Storage Write CDC path into the {@link LocalBigQuery} stand-in, and stops by draining (every
 * window closes, every write lands) once idle, by the same rules as {@link LocalPipeline}.
 */
public final class CdcLocalRun {
  private CdcLocalRun() {}

  /** Local mode's parsing and DirectRunner defaults, with the CDC options on top. */
  public static CdcLocalOptions parseOptions(String... args) {
    PipelineOptionsFactory.register(CdcLocalOptions.class);
    return LocalPipeline.parseOptions(CdcPipeline.withCdcDefaults(args)).as(CdcLocalOptions.class);
  }

  /**
   * Runs until idle once {@code inputComplete} says no more input is coming.
   *
   * @throws LocalRunException with a one-line reason when the run cannot start or does not finish
   */
  public static LocalPipeline.Outcome run(CdcLocalOptions options, BooleanSupplier inputComplete, PrintStream out)
      throws LocalRunException {
    CdcConfig config = CdcConfig.from(options);
    long failAfter = OptionChecks.atLeast("failOnceAfterChanges", options.getFailOnceAfterChanges(), 0);
    Path drainFile = RunUntilIdle.drainFile(options);
    ReadFromKafka read = config.read().withDrainSignal(FileDrainSignal.whenExists(drainFile));
    Map<String, Object> kafkaAdminConfig = RunUntilIdle.checkKafka(read);
    try (LocalBigQuery standIn = LocalBigQuery.openChanges(Path.of(options.getTablesDir()), config.tables(), config.table())) {
      Pipeline pipeline = Pipeline.create(options);
      CdcGraph graph = CdcGraph.of(config).withServices(standIn.services());
      if (failAfter > 0) {
        graph = graph.withDrillAfterParsing(FailureDrill.failOnceAfter(failAfter));
      }
      CdcPipeline.build(pipeline, read, graph);
      return new RunUntilIdle(
              pipeline, read, options, standIn, config.table().name(), drainFile, kafkaAdminConfig)
          .run(inputComplete, (recordsRead, rows, deadLetters) -> { }, out);
    } catch (IOException e) {
      throw new LocalRunException(e.getMessage());
    }
  }
}
