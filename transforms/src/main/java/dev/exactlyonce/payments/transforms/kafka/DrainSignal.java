package dev.exactlyonce.payments.transforms.kafka;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A request to drain a streaming run: once the signal file exists, the Kafka watermark jumps to
 * the end of time, every window closes, every table is flushed and the pipeline finishes as a
 * streaming pipeline would on drain. Works for any runner whose workers see the file (local runs,
 * a cluster on one host). Raised by creating the file; checked at most every 200 ms.
 */
public final class DrainSignal implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final long CHECK_EVERY_MILLIS = 200;

  private final @Nullable String file;
  private transient boolean raised;
  private transient long lastCheck;

  private DrainSignal(@Nullable String file) {
    this.file = file;
  }

  /** A signal that is never raised. */
  public static DrainSignal never() {
    return new DrainSignal(null);
  }

  public static DrainSignal whenFileExists(Path file) {
    return new DrainSignal(file.toAbsolutePath().toString());
  }

  public boolean isRaised() {
    if (raised || file == null) {
      return raised;
    }
    long now = System.currentTimeMillis();
    if (now - lastCheck >= CHECK_EVERY_MILLIS) {
      lastCheck = now;
      raised = Files.exists(Path.of(file));
    }
    return raised;
  }
}
