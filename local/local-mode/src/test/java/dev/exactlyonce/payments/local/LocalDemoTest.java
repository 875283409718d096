package dev.exactlyonce.payments.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job on its default runner, Flink's embedded cluster, and what its summary says. */
class LocalDemoTest {
  @TempDir Path dir;

  @Test
  void theDemoOnFlinkReconcilesExactlyAndSaysHowFastAndInWhichWriteMode() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    LocalDemo.Settings settings =
        new LocalDemo.Settings(
            dir.resolve("run"),
            SimulatorSettings.defaults(Instant.now()).withPayments(1_500).withRate(1_500),
            5,
            false,
            LocalDemo.Runner.flink,
            new String[] {"--checkpointingInterval=2000"});

    Reconciliation.Report report = LocalDemo.run(settings, new PrintStream(printed, true, StandardCharsets.UTF_8));

    String output = printed.toString(StandardCharsets.UTF_8);
    assertTrue(report.passed(), output);
    assertTrue(output.contains("running the pipeline on Flink's embedded cluster"), output);
    assertTrue(output.contains("write mode: UPSERT (rows upserted by key"), output);
    assertTrue(output.contains("payments/s (1,500 unique payments written in"), output);
    assertTrue(output.contains("last record sent to every table final: "), output);
  }

  @Test
  void theSummaryDividesThePaymentsByTheTimeTheyWereReadInAndAccountsForTheWaitAfterTheLast() {
    LocalPipeline.Outcome outcome =
        new LocalPipeline.Outcome(
            2_200, PipelineResult.State.DONE, new LocalPipeline.Outcome.Times(0, 4_000, 9_000, 25_000, 31_000, false));

    String summary = LocalDemo.throughput(2_000, outcome, 8_500);

    assertEquals(
        "  throughput: 400 payments/s (2,000 unique payments read in 5.0 s, from the first to the last)%n"
            .formatted()
            + "  last record sent to every table final: 22.5 s (last record read after 0.5 s, waited 16.0 s for idle"
            + " input, drained in 6.0 s)%n".formatted(),
        summary);
    LocalPipeline.Outcome allAtOnce =
        new LocalPipeline.Outcome(
            2_200, PipelineResult.State.DONE, new LocalPipeline.Outcome.Times(0, 4_000, 4_000, 20_000, 22_000, true));
    assertTrue(LocalDemo.throughput(2_000, allAtOnce, 3_000).startsWith("  throughput: n/a (every payment written at once)"));
  }
}
