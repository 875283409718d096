package dev.exactlyonce.payments.transforms.dedup;

import dev.exactlyonce.payments.model.DuplicateAudit;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.SchemaCoders;
import org.apache.beam.sdk.coders.Coder;
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
 * <p>Input: payments keyed by transaction id, already in their deduplication windows.
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
        .apply("CountCopies", ParDo.of(new CountCopiesFn(auditCoder)))
        .setCoder(auditCoder);
  }

  private static final class CountCopiesFn extends DoFn<KV<String, Payment>, DuplicateAudit> {
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
        @Element KV<String, Payment> element, @StateId(SO_FAR) ValueState<DuplicateAudit> soFar) {
      Payment copy = element.getValue();
      DuplicateAudit seen = soFar.read();
      if (seen == null) {
        soFar.write(
            DuplicateAudit.of(
                copy.getTransactionId(),
                copy.getEventTime(),
                copy.getReceivedAt(),
                copy.getReceivedAt(),
                0));
        return;
      }
      duplicates.inc();
      Instant received = copy.getReceivedAt();
      soFar.write(
          DuplicateAudit.of(
              seen.getTransactionId(),
              seen.getEventTime(),
              received.isBefore(seen.getFirstSeenAt()) ? received : seen.getFirstSeenAt(),
              received.isAfter(seen.getLastSeenAt()) ? received : seen.getLastSeenAt(),
              seen.getDuplicateCopies() + 1));
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
