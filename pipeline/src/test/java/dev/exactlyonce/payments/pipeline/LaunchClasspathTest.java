package dev.exactlyonce.payments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The classpath {@code runners/direct.sh} launches with is the module's runtime scope, not the
 * test classpath: a class the options need at start-up but only tests bring is missing there.
 */
class LaunchClasspathTest {
  @Test
  void theLaunchScriptsClasspathStartsThePipelineAndReportsABadOption() throws Exception {
    Path target = Path.of("target");
    String classpath = target.resolve("classes") + System.getProperty("path.separator")
        + Files.readString(target.resolve("launch-classpath.txt")).strip();
    Process launch = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
            PaymentsPipeline.class.getName(), "--runner=DirectRunner", "--bootstrapServers=localhost:9092",
            "--project=my-project", "--dataset=payments", "--dedupHorizonMinutes=0")
        .redirectErrorStream(true)
        .start();
    launch.getOutputStream().close();
    String output = new String(launch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(launch.waitFor(2, TimeUnit.MINUTES), output);

    assertEquals(2, launch.exitValue(), output);
    assertTrue(output.contains("error: --dedupHorizonMinutes must be at least 1"), output);
  }
}
