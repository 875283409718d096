package dev.exactlyonce.payments.benchmarks;

import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
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
 * The JVM's heap while the pipeline runs: peak is the most ever in use; steady is what was in use
 * right after the latest collection (young ones included, so it follows the live set closely), as
 * a median over the sustained part of the run.
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
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        used += pool.getUsage().getUsed();
      }
    }
    long live = usedAfterLatestCollection(used);
    synchronized (samples) {
      samples.add(new Sample(System.currentTimeMillis(), used, live));
    }
  }

  private static long usedAfterLatestCollection(long usedNow) {
    GcInfo latest = null;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector instanceof com.sun.management.GarbageCollectorMXBean withInfo) {
        GcInfo info = withInfo.getLastGcInfo();
        if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
          latest = info;
        }
      }
    }
    if (latest == null) {
      return usedNow;
    }
    java.util.Set<String> heapPools = new java.util.HashSet<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPools.add(pool.getName());
      }
    }
    return latest.getMemoryUsageAfterGc().entrySet().stream()
        .filter(pool -> heapPools.contains(pool.getKey()))
        .mapToLong(pool -> pool.getValue().getUsed())
        .sum();
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
