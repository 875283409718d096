package dev.exactlyonce.payments.local;

import dev.exactlyonce.payments.pipeline.KafkaPreflight;
import dev.exactlyonce.payments.local.kafka.ConsumerLag;
import dev.exactlyonce.payments.local.standin.LocalBigQuery;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.parse.ParsePayments;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;

/**
 * Runs the payments pipeline on this machine: reads the given Kafka, writes through the real
 * BigQueryIO Storage Write transform into the {@link LocalBigQuery} stand-in, and optionally stops
 * on idle by draining (still a streaming pipeline: every window closes, every table is flushed).
 */
public final class LocalPipeline {
  private static final long PROGRESS_EVERY_MILLIS = 5_000;
  private static final long POLL_MILLIS = 500;

  private LocalPipeline() {}

  /** How a run ended. */
  public record Outcome(long recordsRead, PipelineResult.State state) {}

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
    Path drainFile = drainFile(options);
    PipelineConfig config = PipelineConfig.from(options);
    java.util.Map<String, Object> adminConfig;
    try {
      KafkaPreflight.check(options.getBootstrapServers(), options.getTopic(), config.kafkaSecurity());
      adminConfig = KafkaPreflight.adminConfig(options.getBootstrapServers(), config.kafkaSecurity());
    } catch (KafkaPreflight.PreflightException e) {
      throw new LocalRunException(e.getMessage());
    }
    BigQueryTables tables = config.write().tables();
    out.printf(
        "  write mode %s (%s)%n", config.writeModeChoice().mode(), config.writeModeChoice().reason());
    try (LocalBigQuery standIn =
            LocalBigQuery.open(Path.of(options.getTablesDir()), tables, config.write().writeMode());
        ConsumerLag lag = new ConsumerLag(adminConfig, options.getConsumerGroup(), options.getTopic())) {
      Pipeline pipeline = Pipeline.create(options);
      PaymentsPipeline.fromKafka(pipeline, config, standIn.services());
      // Some runners return at once (the DirectRunner here), others only when the job is done
      // (Flink, attached): watch from this thread either way.
      CompletableFuture<PipelineResult> running = CompletableFuture.supplyAsync(pipeline::run);
      Outcome outcome = watch(running, lag, options, inputComplete, progress, drainFile, standIn, out);
      standIn.flush();
      out.printf(
          "pipeline %s: %d records read; tables in %s%n",
          outcome.state().toString().toLowerCase(), outcome.recordsRead(), standIn.directory());
      return outcome;
    } catch (IOException e) {
      throw new LocalRunException(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalRunException("interrupted while the pipeline ran");
    }
  }

  /** How long a reader that has read nothing may be taken to be still connecting. */
  static final long CONNECT_GRACE_MILLIS = 60_000;

  /** The consumer group's lag: records not yet committed, or -1 when Kafka did not answer. */
  interface Lag {
    long records() throws InterruptedException;
  }

  /**
   * Whether a run whose input has looked idle for the idle time may drain. Quiet input proves
   * nothing while the reader is not reading yet:
   *
   * <ul>
   *   <li>Without live metrics (Flink runs attached) quiet tables are no proof, a job still
   *       starting writes nothing either: drain only once the group committed the whole topic,
   *       which on Flink means every record was read and checkpointed.
   *   <li>With them, a reader that has read nothing may still be connecting: on a busy machine a
   *       TLS and SCRAM handshake took longer than the idle time, and the run drained before its
   *       first record. Until the first record, the same committed-lag proof is asked for, for
   *       {@link #CONNECT_GRACE_MILLIS} at most: a group that starts at the latest offsets of a
   *       topic with nothing new reads nothing and commits nothing, and must still stop.
   * </ul>
   */
  static boolean readerCaughtUp(boolean liveMetrics, long recordsRead, long runningMillis, Lag lag)
      throws InterruptedException {
    return (liveMetrics && (recordsRead > 0 || runningMillis >= CONNECT_GRACE_MILLIS)) || lag.records() == 0;
  }

  private static Outcome watch(
      CompletableFuture<PipelineResult> running,
      ConsumerLag lag,
      LocalModeOptions options,
      BooleanSupplier inputComplete,
      Progress progress,
      Path drainFile,
      LocalBigQuery standIn,
      PrintStream out)
      throws IOException, LocalRunException, InterruptedException {
    long idleMillis = options.getStopWhenIdleSeconds() * 1000;
    long drainTimeoutMillis = options.getDrainTimeoutSeconds() * 1000;
    long lastRead = -1;
    long startedAt = System.currentTimeMillis();
    long lastChange = startedAt;
    long lastProgress = lastChange;
    long drainStarted = -1;
    while (true) {
      PipelineResult result = started(running);
      PipelineResult.State state;
      if (result == null) {
        sleep();
        state = null;
      } else {
        state = result.waitUntilFinish(Duration.millis(POLL_MILLIS));
      }
      long read = recordsRead(result, standIn);
      if (state != null && state.isTerminal()) {
        if (state != PipelineResult.State.DONE) {
          throw new LocalRunException("pipeline ended " + state + " after " + read + " records");
        }
        return new Outcome(read, state);
      }
      long now = System.currentTimeMillis();
      if (read != lastRead || !inputComplete.getAsBoolean()) {
        lastRead = read;
        lastChange = now;
      }
      if (now - lastProgress >= PROGRESS_EVERY_MILLIS) {
        lastProgress = now;
        progress.report(
            read,
            standIn.rows(standIn.tables().transactions()).size(),
            standIn.rows(standIn.tables().deadLetter()).size());
      }
      if (drainStarted < 0 && idleMillis > 0 && now - lastChange >= idleMillis
          && !readerCaughtUp(result != null, read, now - startedAt, lag::records)) {
        lastChange = now;
      }
      if (drainStarted < 0 && idleMillis > 0 && now - lastChange >= idleMillis) {
        out.printf(
            "  no new input for %d s: draining (closing windows, flushing tables)%n", idleMillis / 1000);
        Files.createDirectories(drainFile.getParent());
        Files.writeString(drainFile, "drain requested by stop-when-idle\n");
        drainStarted = now;
      }
      if (drainStarted >= 0 && now - drainStarted > drainTimeoutMillis) {
        if (result != null) {
          result.cancel();
        } else {
          running.cancel(true);
        }
        throw new LocalRunException("the drain did not finish within " + drainTimeoutMillis / 1000 + " s; run cancelled");
      }
    }
  }

  /**
   * Records the pipeline has read: each one was parsed into a payment or rejected. Runners that
   * report no metrics while running (Flink in detached mode) are measured by the rows written to
   * the two tables every record reaches promptly instead.
   */
  static long recordsRead(@Nullable PipelineResult result, LocalBigQuery standIn) throws IOException {
    if (result != null) {
      try {
        return recordsRead(result);
      } catch (UnsupportedOperationException noLiveMetrics) {
        // Fall through to the tables.
      }
    }
    return standIn.rows(standIn.tables().transactions()).size()
        + standIn.rows(standIn.tables().deadLetter()).size();
  }

  /** The result once {@code run()} returned, null while it is still running the job. */
  private static @Nullable PipelineResult started(CompletableFuture<PipelineResult> running)
      throws LocalRunException {
    if (!running.isDone()) {
      return null;
    }
    try {
      return running.join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new LocalRunException("the pipeline failed: " + cause);
    }
  }

  private static void sleep() throws LocalRunException {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalRunException("interrupted while the pipeline ran");
    }
  }

  static long recordsRead(PipelineResult result) {
    return CounterTotals.sum(result, ParsePayments.RECORDS_READ);
  }

  /** Where a local run signals a drain, unless {@code --drainSignalFile} says otherwise. */
  public static final String DRAIN_SIGNAL_FILE = ".drain-signal";

  private static Path drainFile(LocalModeOptions options) throws LocalRunException {
    if (options.getDrainSignalFile() == null) {
      // Beside the tables, not in a fresh temporary place: Flink restores its Kafka source, settings
      // included, from a checkpoint, so a run resumed after a crash watches the file the crashed run
      // was given, and the same tables mean the same file.
      options.setDrainSignalFile(Path.of(options.getTablesDir()).resolve(DRAIN_SIGNAL_FILE).toString());
    }
    Path file = Path.of(options.getDrainSignalFile());
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new LocalRunException("cannot reset the drain signal file " + file + ": " + e.getMessage());
    }
    return file;
  }

  /** A local run that could not start or did not finish cleanly; the message says why. */
  public static final class LocalRunException extends Exception {
    private static final long serialVersionUID = 1L;

    public LocalRunException(String message) {
      super(message);
    }
  }
}
