package dev.exactlyonce.payments.runners.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoints Flink retained under a state backend directory: {@code <dir>/<job id>/chk-<n>/}, a
 * checkpoint being complete once its {@code _metadata} is written.
 */
public final class RetainedCheckpoints {
  private static final String METADATA = "_metadata";

  private RetainedCheckpoints() {}

  /** The newest complete checkpoint of any job under {@code storageDir}, if there is one. */
  public static Optional<Path> latest(Path storageDir) {
    if (!Files.isDirectory(storageDir)) {
      return Optional.empty();
    }
    try (Stream<Path> jobs = Files.list(storageDir)) {
      return jobs.filter(Files::isDirectory)
          .flatMap(RetainedCheckpoints::checkpointsOf)
          .filter(checkpoint -> Files.isRegularFile(checkpoint.resolve(METADATA)))
          .max(Comparator.comparing(RetainedCheckpoints::completedAt).thenComparing(RetainedCheckpoints::number));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + storageDir + ": " + e.getMessage(), e);
    }
  }

  private static Stream<Path> checkpointsOf(Path job) {
    try (Stream<Path> entries = Files.list(job)) {
      return entries.filter(entry -> entry.getFileName().toString().matches("chk-\\d+")).toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileTime completedAt(Path checkpoint) {
    try {
      return Files.getLastModifiedTime(checkpoint.resolve(METADATA));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long number(Path checkpoint) {
    return Long.parseLong(checkpoint.getFileName().toString().substring("chk-".length()));
  }
}
