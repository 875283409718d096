package dev.exactlyonce.payments.transforms;

import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** A finished test pipeline's counters. */
public final class TestCounters {
  private TestCounters() {}

  /** The attempted value of a counter, summed over the steps that report it; 0 if none did. */
  public static long total(PipelineResult result, MetricName name) {
    MetricsFilter filter =
        MetricsFilter.builder().addNameFilter(MetricNameFilter.named(name.getNamespace(), name.getName())).build();
    long total = 0;
    for (MetricResult<Long> counter : result.metrics().queryMetrics(filter).getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }
}
