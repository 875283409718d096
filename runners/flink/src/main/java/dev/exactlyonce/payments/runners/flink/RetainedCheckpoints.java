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
  /** Written when a job on this storage drained cleanly; its modification time is what counts. */
  private static final String DRAINED = "drained";

  private RetainedCheckpoints() {}

  /**
   * The newest complete checkpoint of any job under {@code storageDir} completed after the last
   * clean drain ({@link #markDrained}), if there is one.
   */
  public static Optional<Path> latest(Path storageDir) {
    if (!Files.isDirectory(storageDir)) {
      return Optional.empty();
    }
    Optional<FileTime> drainedAt = modifiedAt(storageDir.resolve(DRAINED));
    try (Stream<Path> jobs = Files.list(storageDir)) {
      return jobs.filter(Files::isDirectory)
          .flatMap(RetainedCheckpoints::checkpointsOf)
          .filter(checkpoint -> Files.isRegularFile(checkpoint.resolve(METADATA)))
          .filter(checkpoint -> drainedAt.isEmpty() || completedAt(checkpoint).compareTo(drainedAt.get()) > 0)
          .max(Comparator.comparing(RetainedCheckpoints::completedAt).thenComparing(RetainedCheckpoints::number));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + storageDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Records that a job on {@code storageDir} drained cleanly. Flink then deleted the job's own
   * checkpoints, but not the one it resumed from, which would otherwise be the newest here and be
   * resumed a second time: its offsets and state are behind what the drained job wrote.
   */
  public static void markDrained(Path storageDir) {
    try {
      Files.createDirectories(storageDir);
      Files.writeString(storageDir.resolve(DRAINED), java.time.Instant.now() + System.lineSeparator());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the clean drain in " + storageDir + ": " + e.getMessage(), e);
    }
  }

  private static Optional<FileTime> modifiedAt(Path file) {
    try {
      return Files.isRegularFile(file) ? Optional.of(Files.getLastModifiedTime(file)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
