package dev.exactlyonce.payments.local.cdc;

import dev.exactlyonce.payments.local.CounterTotals;
import dev.exactlyonce.payments.local.kafka.ConsumerLag;

import dev.exactlyonce.payments.pipeline.KafkaPreflight;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.LocalPipeline.LocalRunException;
import dev.exactlyonce.payments.local.standin.LocalBigQuery;
import dev.exactlyonce.payments.pipeline.cdc.CdcConfig;
import dev.exactlyonce.payments.pipeline.cdc.CdcPipeline;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.cdc.ParseChangeEvents;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;

/**
 * Runs the CDC pipeline on this machine: reads the given Kafka, writes through the real BigQueryIO
 * Storage Write CDC path into the {@link LocalBigQuery} stand-in, and stops by draining (every
 * window closes, every write lands) once nothing new was read for {@code --stopWhenIdleSeconds}:
 * by the runner's metrics where it reports them live (DirectRunner), else by the consumer group
 * having committed the whole topic (Flink commits at every checkpoint).
 */
public final class CdcLocalRun {
  private static final long POLL_MILLIS = 500;

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
  public static void run(CdcLocalOptions options, BooleanSupplier inputComplete, PrintStream out)
      throws LocalRunException {
    CdcConfig config = CdcConfig.from(options);
    java.util.Map<String, Object> adminConfig;
    try {
      KafkaPreflight.check(options.getBootstrapServers(), options.getTopic(), config.kafkaSecurity());
      adminConfig = KafkaPreflight.adminConfig(options.getBootstrapServers(), config.kafkaSecurity());
    } catch (KafkaPreflight.PreflightException e) {
      throw new LocalRunException(e.getMessage());
    }
    Path tablesDir = Path.of(options.getTablesDir());
    if (options.getDrainSignalFile() == null) {
      options.setDrainSignalFile(tablesDir.resolve(LocalPipeline.DRAIN_SIGNAL_FILE).toString());
    }
    Path drainFile = Path.of(options.getDrainSignalFile());
    BigQueryTables tables = config.write().tables();
    try (LocalBigQuery standIn = LocalBigQuery.openChanges(tablesDir, tables, config.table())) {
      Files.deleteIfExists(drainFile);
      Pipeline pipeline = Pipeline.create(options);
      CdcPipeline.fromKafka(pipeline, config, standIn.services());
      // The DirectRunner returns from run() at once, Flink [local] only when the job is done.
      CompletableFuture<PipelineResult> running = CompletableFuture.supplyAsync(pipeline::run);
      long idleMillis = options.getStopWhenIdleSeconds() * 1000;
      long caughtUpSince = -1;
      long drainStarted = -1;
      long lastRead = -1;
      try (ConsumerLag lag = new ConsumerLag(adminConfig, options.getConsumerGroup(), options.getTopic())) {
        while (!finished(running)) {
          long now = System.currentTimeMillis();
          long read = recordsRead(running);
          boolean quiet;
          if (read >= 0) {
            quiet = read > 0 && read == lastRead;
            lastRead = read;
          } else {
            quiet = lag.records() == 0;
          }
          boolean caughtUp = quiet && inputComplete.getAsBoolean();
          caughtUpSince = !caughtUp ? -1 : caughtUpSince < 0 ? now : caughtUpSince;
          if (drainStarted < 0 && idleMillis > 0 && caughtUpSince >= 0 && now - caughtUpSince >= idleMillis) {
            out.printf("  nothing new read for %d s: draining%n", idleMillis / 1000);
            Files.writeString(drainFile, "drain requested by stop-when-idle\n");
            drainStarted = now;
          }
          if (drainStarted >= 0 && now - drainStarted > options.getDrainTimeoutSeconds() * 1000) {
            cancel(running);
            throw new LocalRunException("the drain did not finish within " + options.getDrainTimeoutSeconds() + " s");
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LocalRunException("interrupted while the pipeline ran");
      }
      out.printf("CDC pipeline done; tables in %s%n", tablesDir);
    } catch (IOException e) {
      throw new LocalRunException(e.getMessage());
    }
  }

  /**
   * Records parsed or rejected so far, from the runner's live metrics; -1 when it has none (Flink's
   * embedded cluster runs attached and returns only when the job is done).
   */
  private static long recordsRead(CompletableFuture<PipelineResult> running) {
    if (!running.isDone() || running.isCompletedExceptionally()) {
      return -1;
    }
    try {
      return CounterTotals.sum(running.join(), ParseChangeEvents.RECORDS_READ);
    } catch (UnsupportedOperationException noLiveMetrics) {
      return -1;
    }
  }

  private static void cancel(CompletableFuture<PipelineResult> running) {
    if (!running.isDone()) {
      running.cancel(true);
      return;
    }
    try {
      running.join().cancel();
    } catch (IOException | RuntimeException e) {
      // Reported by the caller's exception; nothing more to do.
    }
  }

  /** Whether the job ended (DONE); waits up to a poll interval; any other end is a failure. */
  private static boolean finished(CompletableFuture<PipelineResult> running) throws LocalRunException, IOException {
    PipelineResult result;
    try {
      result = running.isDone() ? running.join() : null;
    } catch (CompletionException e) {
      throw new LocalRunException("the pipeline failed: " + (e.getCause() == null ? e : e.getCause()));
    }
    if (result == null) {
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while the pipeline ran", e);
      }
      return false;
    }
    PipelineResult.State state = result.waitUntilFinish(Duration.millis(POLL_MILLIS));
    if (state != null && state.isTerminal() && state != PipelineResult.State.DONE) {
      throw new LocalRunException("pipeline ended " + state);
    }
    return state == PipelineResult.State.DONE;
  }
}
