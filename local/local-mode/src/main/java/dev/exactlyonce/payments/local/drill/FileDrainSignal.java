package dev.exactlyonce.payments.local.drill;

import dev.exactlyonce.payments.transforms.kafka.DrainSignal;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A drain signal raised by creating a file: for runners whose workers see this machine's disk
 * (the DirectRunner, Flink's embedded cluster, a cluster on one host). Looked for at most every
 * 200 ms, since the Kafka reader asks on every watermark.
 */
public final class FileDrainSignal implements DrainSignal {
  private static final long serialVersionUID = 1L;
  private static final long CHECK_EVERY_MILLIS = 200;

  private final String file;
  private transient boolean raised;
  private transient long lastCheck;

  private FileDrainSignal(String file) {
    this.file = file;
  }

  public static FileDrainSignal whenExists(Path file) {
    return new FileDrainSignal(file.toAbsolutePath().toString());
  }

  @Override
  public boolean isRaised() {
    if (raised) {
      return true;
    }
    long now = System.currentTimeMillis();
    if (now - lastCheck >= CHECK_EVERY_MILLIS) {
      lastCheck = now;
      raised = Files.exists(Path.of(file));
    }
    return raised;
  }
}
