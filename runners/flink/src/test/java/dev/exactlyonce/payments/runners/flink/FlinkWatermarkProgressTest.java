package dev.exactlyonce.payments.runners.flink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under steady load the watermark must keep moving, or nothing that waits for it comes out and
 * state grows with every payment until the input stops. Fraud scores are emitted only once the
 * watermark passes a payment, so fraud rows trailing transaction rows by no more than the
 * out-of-orderness bound is the watermark's progress, seen from the tables.
 *
 * <p>With Beam's default bundles (1,000 records or 1 s) this run emits no fraud rows until
 * production stops; see {@link FlinkLaunch#DEFAULT_MAX_BUNDLE_SIZE}.
 */
class FlinkWatermarkProgressTest {
  private static final String TOPIC = "payments";
  private static final int RECORDS_PER_SECOND = 600;
  private static final int SECONDS_OF_PRODUCTION = 45;

  @TempDir Path dir;

  @Test
  void fraudScoresKeepUpWithTheWatermarkWhilePaymentsStreamIn() throws Exception {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
      kafka.createTopic(TOPIC, 4);
      Path tables = dir.resolve("tables");
      LocalModeOptions options =
          FlinkLocalRuns.options(
              kafka, tables, dir.resolve("checkpoints"), 5_000,
              "--flinkMaster=[local]", "--stateBackend=filesystem", "--maxOutOfOrdernessSeconds=2");
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
      AtomicBoolean produced = new AtomicBoolean();
      CompletableFuture<LocalPipeline.Outcome> pipeline =
          CompletableFuture.supplyAsync(() -> {
            try {
              return LocalPipeline.run(options, produced::get, LocalPipeline.Progress.printingTo(out), out);
            } catch (LocalPipeline.LocalRunException e) {
              throw new CompletionException(e);
            }
          });

      SimulatorSettings settings =
          SimulatorSettings.defaults(Instant.now())
              .withPayments((long) RECORDS_PER_SECOND * SECONDS_OF_PRODUCTION)
              .withRate(RECORDS_PER_SECOND)
              .withInjectionRates(0.05, 0, 0, 0, 0, 0)
              .inRealTime(Instant.now());
      List<long[]> samples = new ArrayList<>();
      long started = System.nanoTime();
      Ledger ledger =
          KafkaSink.simulate(kafka.bootstrapServers(), TOPIC, settings, sent -> {
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            // The first 25 s are the job's start-up; after that, a sample every 5 s.
            if (seconds >= 25 && seconds / 5 > samples.size() + 4) {
              samples.add(new long[] {seconds, rows(tables, "payment_transactions"), rows(tables, "payment_transactions_fraud")});
            }
          });
      produced.set(true);
      pipeline.get(5, TimeUnit.MINUTES);

      String context = log.toString(StandardCharsets.UTF_8) + describe(samples);
      assertTrue(samples.size() >= 3, "sampled while producing" + context);
      for (long[] sample : samples) {
        assertTrue(sample[1] > 0, "payments were written while producing" + context);
      }
      // Every payment written by the first sample was scored by the last, while payments still
      // streamed in: the watermark moved past them. A stalled watermark scores none until the
      // input stops. Comparing rows at one moment instead (half of them scored) failed on a slow
      // machine whose job was still catching up from its start-up at the first sample.
      long writtenAtFirst = samples.get(0)[1];
      long scoredAtLast = samples.get(samples.size() - 1)[2];
      assertTrue(scoredAtLast >= writtenAtFirst,
          "the payments written by " + samples.get(0)[0] + " s were not all scored by "
              + samples.get(samples.size() - 1)[0] + " s while producing, so the watermark stalled" + context);
      Reconciliation.Report report = Reconciliation.check(ledger, TableFiles.read(tables));
      assertTrue(report.passed(), context + report.text());
    }
  }

  private static long rows(Path tables, String table) {
    Path file = tables.resolve(table + ".ndjson");
    if (!Files.isRegularFile(file)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.filter(line -> !line.isBlank()).count();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String describe(List<long[]> samples) {
    StringBuilder text = new StringBuilder("\nseconds, transaction rows, fraud rows:");
    samples.forEach(s -> text.append(String.format("%n  %d s: %d, %d", s[0], s[1], s[2])));
    return text.toString();
  }
}
