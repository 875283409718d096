package dev.exactlyonce.payments.transforms.dedup;

import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.SchemaCoders;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * Counts the copies of each transaction in its deduplication window and, when the window closes,
 * emits one {@link DuplicateAudit} per transaction that had more than one copy. Exactly one row
 * per duplicated transaction, so the audit table stays keyed by transaction id. The {@code
 * duplicates_dropped} counter rises as copies arrive.
 *
 * <p>Input: payments keyed by transaction id, already in their deduplication windows. Each is cut
 * down to a one-copy {@link DuplicateAudit} before the stage keyed by transaction id, so the
 * exchange into it and its state carry a few fields rather than whole payments with their raw
 * records.
 */
public final class DeduplicationAudit
    extends PTransform<PCollection<KV<String, Payment>>, PCollection<DuplicateAudit>> {

  private DeduplicationAudit() {}

  public static DeduplicationAudit create() {
    return new DeduplicationAudit();
  }

  @Override
  public PCollection<DuplicateAudit> expand(PCollection<KV<String, Payment>> windowedPayments) {
    Coder<DuplicateAudit> auditCoder =
        SchemaCoders.of(windowedPayments.getPipeline(), DuplicateAudit.class);
    return windowedPayments
        .apply("OneCopySeen", ParDo.of(new OneCopySeenFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), auditCoder))
        .apply("CountCopies", ParDo.of(new CountCopiesFn(auditCoder)))
        .setCoder(auditCoder);
  }

  private static final class OneCopySeenFn
      extends DoFn<KV<String, Payment>, KV<String, DuplicateAudit>> {
    @ProcessElement
    public void process(
        @Element KV<String, Payment> element, OutputReceiver<KV<String, DuplicateAudit>> out) {
      Payment copy = element.getValue();
      out.output(
          KV.of(
              element.getKey(),
              DuplicateAudit.of(
                  copy.getTransactionId(),
                  copy.getEventTime(),
                  copy.getReceivedAt(),
                  copy.getReceivedAt(),
                  0)));
    }
  }

  private static final class CountCopiesFn
      extends DoFn<KV<String, DuplicateAudit>, DuplicateAudit> {
    private static final String SO_FAR = "soFar";

    @StateId(SO_FAR)
    private final StateSpec<ValueState<DuplicateAudit>> soFarSpec;

    private final Counter duplicates =
        Metrics.counter(DeduplicatePayments.class, "duplicates_dropped");

    CountCopiesFn(Coder<DuplicateAudit> auditCoder) {
      this.soFarSpec = StateSpecs.value(auditCoder);
    }

    @ProcessElement
    public void process(
        @Element KV<String, DuplicateAudit> element,
        @StateId(SO_FAR) ValueState<DuplicateAudit> soFar) {
      DuplicateAudit copy = element.getValue();
      DuplicateAudit seen = soFar.read();
      if (seen == null) {
        soFar.write(copy);
        return;
      }
      duplicates.inc();
      soFar.write(
          DuplicateAudit.of(
              seen.getTransactionId(),
              seen.getEventTime(),
              earlier(seen.getFirstSeenAt(), copy.getFirstSeenAt()),
              later(seen.getLastSeenAt(), copy.getLastSeenAt()),
              seen.getDuplicateCopies() + copy.getDuplicateCopies() + 1));
    }

    private static Instant earlier(Instant a, Instant b) {
      return b.isBefore(a) ? b : a;
    }

    private static Instant later(Instant a, Instant b) {
      return b.isAfter(a) ? b : a;
    }

    @OnWindowExpiration
    public void onWindowClosed(
        @StateId(SO_FAR) ValueState<DuplicateAudit> soFar, OutputReceiver<DuplicateAudit> out) {
      DuplicateAudit seen = soFar.read();
      if (seen != null && seen.getDuplicateCopies() > 0) {
        out.output(seen);
      }
    }
  }
}
