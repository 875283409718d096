package dev.exactlyonce.payments.local.flink;

import dev.exactlyonce.payments.runners.flink.FlinkLaunch;

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
  private static final int MAX_OUT_OF_ORDERNESS_SECONDS = 2;
  /** Event time for the watermark to pass a row and fraud scoring to release its bucket, twice. */
  private static final long ROWS_FOR_THE_WATERMARK_TO_PASS = 2L * (MAX_OUT_OF_ORDERNESS_SECONDS + 1) * RECORDS_PER_SECOND;

  @TempDir Path dir;

  @Test
  void fraudScoresKeepUpWithTheWatermarkWhilePaymentsStreamIn() throws Exception {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
      kafka.createTopic(TOPIC, 4);
      Path tables = dir.resolve("tables");
      LocalModeOptions options =
          FlinkLocalRuns.options(
              kafka, tables, dir.resolve("checkpoints"), 5_000,
              "--flinkMaster=[local]", "--stateBackend=filesystem", "--maxOutOfOrdernessSeconds=" + MAX_OUT_OF_ORDERNESS_SECONDS);
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
      // A stalled watermark scores nothing until the input stops: fraud rows must grow while
      // payments stream in.
      long[] first = samples.get(0);
      long[] last = samples.get(samples.size() - 1);
      assertTrue(last[2] > first[2],
          "no payment was scored between " + first[0] + " s and " + last[0] + " s while producing, so the watermark stalled"
              + context);
      // And once the job has read far enough past them for the watermark to pass (the bound and
      // fraud scoring's one-second bucket, twice over), every payment written by the first sample
      // is scored. The read is judged by rows, not by seconds: a starved machine (CI beside other
      // Flink jobs) wrote 1,890 rows in the 20 s between the samples, too little event time for
      // the watermark to pass the first sample's rows, and that is no stall.
      if (last[1] - first[1] >= ROWS_FOR_THE_WATERMARK_TO_PASS) {
        assertTrue(last[2] >= first[1],
            "the payments written by " + first[0] + " s were not all scored by " + last[0]
                + " s while producing, though " + (last[1] - first[1]) + " more were written, so the watermark stalled"
                + context);
      }
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
