package dev.exactlyonce.payments.local.drill;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * A stage that passes everything through and throws once, after a given number of elements: the
 * task failure of a failure drill (see {@link DrillOptions}). Once per launch, not per attempt: the count lives in the JVM
 * that built the pipeline (the DirectRunner's, or Flink's embedded cluster), so a restored job
 * does not fail again.
 */
public final class FailureDrill<T> extends PTransform<PCollection<T>, PCollection<T>> {
  private static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();
  private static final AtomicLong FIRED = new AtomicLong();

  private final long failAfter;
  private final String drill = UUID.randomUUID().toString();

  private FailureDrill(long failAfter) {
    this.failAfter = failAfter;
  }

  /** Failures thrown by drills in this JVM so far: how a drill's test knows it really failed. */
  public static long timesFired() {
    return FIRED.get();
  }

  public static <T> FailureDrill<T> failOnceAfter(long elements) {
    return new FailureDrill<>(elements);
  }

  @Override
  public PCollection<T> expand(PCollection<T> input) {
    SEEN.put(drill, new AtomicLong());
    return input.apply("FailOnce", ParDo.of(new FailOnceFn<>(drill, failAfter))).setCoder(input.getCoder());
  }

  private static final class FailOnceFn<T> extends DoFn<T, T> {
    private final String drill;
    private final long failAfter;

    FailOnceFn(String drill, long failAfter) {
      this.drill = drill;
      this.failAfter = failAfter;
    }

    @ProcessElement
    public void process(@Element T element, OutputReceiver<T> out) {
      if (SEEN.get(drill).incrementAndGet() == failAfter) {
        FIRED.incrementAndGet();
        throw new IllegalStateException("failure drill: this stage fails once, after " + failAfter + " elements");
      }
      out.output(element);
    }
  }
}
