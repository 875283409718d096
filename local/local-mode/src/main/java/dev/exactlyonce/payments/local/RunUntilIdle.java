package dev.exactlyonce.payments.local;

import dev.exactlyonce.payments.local.LocalPipeline.LocalRunException;
import dev.exactlyonce.payments.local.LocalPipeline.Outcome;
import dev.exactlyonce.payments.local.LocalPipeline.Progress;
import dev.exactlyonce.payments.local.kafka.ConsumerLag;
import dev.exactlyonce.payments.local.standin.LocalBigQuery;
import dev.exactlyonce.payments.pipeline.KafkaPreflight;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Runs a pipeline built for this machine until its input is idle, then drains it through its drain
 * signal file (every window closes, every table is flushed): the loop both local pipelines share.
 *
 * @param pipeline built to read with {@code read} and to write into {@code standIn}
 * @param rowsTable the table every accepted record reaches promptly, beside the dead letters: what
 *     is counted where the runner reports no live metrics
 * @param drainFile the file the pipeline's drain signal watches, already reset
 * @param kafkaAdminConfig what {@link #checkKafka} answered, to follow the consumer group's lag
 */
public record RunUntilIdle(
    Pipeline pipeline,
    ReadFromKafka read,
    LocalModeOptions options,
    LocalBigQuery standIn,
    String rowsTable,
    Path drainFile,
    Map<String, Object> kafkaAdminConfig) {
  private static final long PROGRESS_EVERY_MILLIS = 5_000;
  private static final long POLL_MILLIS = 500;

  /** Where a local run signals a drain, unless {@code --drainSignalFile} says otherwise. */
  static final String DRAIN_SIGNAL_FILE = ".drain-signal";

  /** How long a reader that has read nothing may be taken to be still connecting. */
  static final long CONNECT_GRACE_MILLIS = 60_000;

  /**
   * The drain signal file of a run with these options, reset: {@code --drainSignalFile}, else
   * beside the tables, not in a fresh temporary place. Flink restores its Kafka source, settings
   * included, from a checkpoint, so a run resumed after a crash watches the file the crashed run was
   * given, and the same tables mean the same file.
   */
  public static Path drainFile(LocalModeOptions options) throws LocalRunException {
    if (options.getDrainSignalFile() == null) {
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

  /**
   * Checks that Kafka answers {@code read}'s settings with its topic, before anything is written;
   * returns the admin client's settings for them.
   */
  public static Map<String, Object> checkKafka(ReadFromKafka read) throws LocalRunException {
    try {
      KafkaPreflight.check(read.bootstrapServers(), read.topic(), read.security());
      return KafkaPreflight.adminConfig(read.bootstrapServers(), read.security());
    } catch (KafkaPreflight.PreflightException e) {
      throw new LocalRunException(e.getMessage());
    }
  }

  /**
   * Runs, and watches until idle once {@code inputComplete} says no more input is coming (or
   * forever with {@code --stopWhenIdleSeconds=0}).
   */
  public Outcome run(BooleanSupplier inputComplete, Progress progress, PrintStream out) throws LocalRunException {
    try (ConsumerLag lag = new ConsumerLag(kafkaAdminConfig, options.getConsumerGroup(), read.topic())) {
      // Some runners return at once (the DirectRunner here), others only when the job is done
      // (Flink, attached): watch from this thread either way.
      CompletableFuture<PipelineResult> running = CompletableFuture.supplyAsync(pipeline::run);
      Outcome outcome = watch(running, lag, inputComplete, progress, out);
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

  private Outcome watch(
      CompletableFuture<PipelineResult> running,
      ConsumerLag lag,
      BooleanSupplier inputComplete,
      Progress progress,
      PrintStream out)
      throws IOException, LocalRunException, InterruptedException {
    long idleMillis = options.getStopWhenIdleSeconds() * 1000;
    long drainTimeoutMillis = options.getDrainTimeoutSeconds() * 1000;
    long lastRead = -1;
    long startedAt = System.currentTimeMillis();
    long lastChange = startedAt;
    long lastProgress = lastChange;
    long drainStarted = -1;
    long firstReadAt = -1;
    boolean timedByRows = false;
    long lastReadAt = startedAt;
    while (true) {
      PipelineResult result = started(running);
      PipelineResult.State state;
      if (result == null) {
        sleep();
        state = null;
      } else {
        state = result.waitUntilFinish(Duration.millis(POLL_MILLIS));
      }
      long counted = recordsRead(result);
      long read = counted >= 0 ? counted : rowsWritten();
      timedByRows |= counted < 0;
      long now = System.currentTimeMillis();
      if (read != lastRead) {
        lastReadAt = now;
        firstReadAt = firstReadAt < 0 && read > 0 ? now : firstReadAt;
      }
      if (state != null && state.isTerminal()) {
        if (state != PipelineResult.State.DONE) {
          throw new LocalRunException("pipeline ended " + state + " after " + read + " records");
        }
        return new Outcome(read, state, new Outcome.Times(
            startedAt, firstReadAt < 0 ? startedAt : firstReadAt, lastReadAt, drainStarted, now, timedByRows));
      }
      if (read != lastRead || !inputComplete.getAsBoolean()) {
        lastRead = read;
        lastChange = now;
      }
      if (now - lastProgress >= PROGRESS_EVERY_MILLIS) {
        lastProgress = now;
        progress.report(read, standIn.rowCount(rowsTable), standIn.rowCount(standIn.tables().deadLetter()));
      }
      if (drainStarted < 0 && idleMillis > 0 && now - lastChange >= idleMillis
          && !readerCaughtUp(result != null, read, now - startedAt, lag::records)) {
        lastChange = now;
      }
      if (drainStarted < 0 && idleMillis > 0 && now - lastChange >= idleMillis) {
        out.printf(
            "  no new input for %d s: draining (closing windows, flushing tables)%n", idleMillis / 1000);
        Files.createDirectories(drainFile.toAbsolutePath().getParent());
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
   * Records the pipeline has read, each one parsed or rejected, by the runner's counters; -1 where
   * it reports none while running (Flink, attached, until the job has ended).
   */
  private long recordsRead(@Nullable PipelineResult result) {
    if (result == null) {
      return -1;
    }
    try {
      return PipelineCounters.attempted(result, PipelineCounters.RECORDS_READ);
    } catch (UnsupportedOperationException noLiveMetrics) {
      return -1;
    }
  }

  /** What stands in for records read without live counters: rows of the two tables every record reaches. */
  private long rowsWritten() throws IOException {
    return standIn.rowCount(rowsTable) + standIn.rowCount(standIn.tables().deadLetter());
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
}
