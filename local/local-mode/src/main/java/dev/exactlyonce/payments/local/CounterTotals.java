package dev.exactlyonce.payments.local;

import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** Live counter totals of a running pipeline, by the names its stages publish them under. */
public final class CounterTotals {
  private CounterTotals() {}

  /**
   * The attempted values of the named counters, summed over every step that reports them.
   *
   * @throws UnsupportedOperationException if the runner reports no metrics while running
   */
  public static long sum(PipelineResult result, List<MetricName> counters) {
    MetricsFilter.Builder filter = MetricsFilter.builder();
    counters.forEach(name -> filter.addNameFilter(MetricNameFilter.named(name.getNamespace(), name.getName())));
    long total = 0;
    for (MetricResult<Long> counter : result.metrics().queryMetrics(filter.build()).getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }
}
