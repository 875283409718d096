package dev.exactlyonce.payments.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's heap while the pipeline runs: peak is the most ever in use; steady is what the last
 * collection left alive (garbage aside), as a median over the sustained part of the run.
 */
final class HeapSampler implements AutoCloseable {
  record Sample(long atMillis, long usedBytes, long liveAfterGcBytes) {}

  private final List<Sample> samples = new ArrayList<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "heap-sampler");
        thread.setDaemon(true);
        return thread;
      });

  HeapSampler(long everyMillis) {
    timer.scheduleAtFixedRate(this::sample, 0, everyMillis, TimeUnit.MILLISECONDS);
  }

  private void sample() {
    long used = 0;
    long live = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() != MemoryType.HEAP) {
        continue;
      }
      used += pool.getUsage().getUsed();
      MemoryUsage afterGc = pool.getCollectionUsage();
      live += afterGc == null ? pool.getUsage().getUsed() : afterGc.getUsed();
    }
    synchronized (samples) {
      samples.add(new Sample(System.currentTimeMillis(), used, live));
    }
  }

  long peakBytes() {
    synchronized (samples) {
      return samples.stream().mapToLong(Sample::usedBytes).max().orElse(0);
    }
  }

  /** Median live heap between two wall-clock instants. */
  long steadyBytes(long fromMillis, long toMillis) {
    synchronized (samples) {
      long[] live =
          samples.stream()
              .filter(s -> s.atMillis() >= fromMillis && s.atMillis() <= toMillis)
              .mapToLong(Sample::liveAfterGcBytes)
              .sorted()
              .toArray();
      return live.length == 0 ? 0 : live[live.length / 2];
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
