package dev.exactlyonce.payments.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * The benchmark's options: a bad one is refused by name before the work directory is emptied or a
 * broker started; the load they describe is one the pipeline accepts.
 */
class BenchmarkOptionsTest {
  @TempDir Path dir;

  @Test
  void withARateEventTimeFollowsTheSendingWhateverTheEventRate() {
    // 100,000 payments at 1,000 records/s take at least 100 s to send; spread over the 1,000 s
    // that --event-rate=100 asks for, most would be minutes ahead of their Kafka timestamp and
    // refused as BAD_TIMESTAMP.
    Benchmark benchmark = new Benchmark();
    benchmark.payments = 100_000;
    benchmark.rate = 1_000;
    benchmark.eventRate = 100;
    benchmark.duplicateRate = 0.05;

    Instant before = Instant.now();
    SimulatorSettings settings = benchmark.settings(benchmark.rate);

    assertEquals(Duration.standardSeconds(100), settings.eventTimeSpan());
    Instant firstEventTime = settings.end().minus(settings.eventTimeSpan());
    assertFalse(firstEventTime.isBefore(before), "event time starts at the launch, not in the past");
    assertFalse(firstEventTime.isAfter(Instant.now()), "nor ahead of it");
  }

  @ParameterizedTest
  @CsvSource({
    "--payments=0, --payments must be at least 1, not 0",
    "--duplicate-rate=1.5, --duplicate-rate must be between 0 and 1, not 1.5",
    "--duplicate-rate=NaN, --duplicate-rate must be between 0 and 1, not NaN",
    "--rate=-1, --rate must be at least 0, not -1",
    "--latency-warm-up-seconds=-5, --latency-warm-up-seconds must be at least 0, not -5",
    "--event-rate=0, --event-rate must be at least 1, not 0",
    "--partitions=0, --partitions must be at least 1, not 0",
    "--parallelism=0, --parallelism must be at least 1, not 0",
    "--dedup-horizon-minutes=0, --dedup-horizon-minutes must be at least 1, not 0",
    "--timeout-minutes=0, --timeout-minutes must be at least 1, not 0",
  })
  void badValueIsRefusedByNameBeforeAnythingStarts(String argument, String message) throws IOException {
    Path workDir = dir.resolve("work");
    Path earlierRun = Files.createDirectories(workDir).resolve("kept.txt");
    Files.writeString(earlierRun, "from an earlier run");
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new Benchmark()).setErr(new PrintWriter(err, true));

    int exitCode = command.execute(argument, "--work-dir=" + workDir);

    assertEquals(CommandLine.ExitCode.USAGE, exitCode, err.toString());
    assertTrue(err.toString().startsWith(message), err.toString());
    assertTrue(Files.exists(earlierRun), "the work directory was emptied");
  }
}
