package dev.exactlyonce.payments.transforms.cdc;

import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.transforms.cdc.DebeziumEnvelope.Change;
import dev.exactlyonce.payments.transforms.cdc.DebeziumEnvelope.Rejected;
import java.util.List;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Kafka records of Debezium change events to {@link ChangeEvent}s. Every record comes out exactly
 * once: as a change on {@link #CHANGES}, or as a {@link DeadLetter} on {@link #DEAD_LETTERS} with
 * the bytes as received, the Kafka coordinates and the reason (unparseable envelope, missing key,
 * unknown op, missing or invalid ts_ms). Element timestamps pass through unchanged.
 */
public final class ParseChangeEvents
    extends PTransform<PCollection<KafkaRecord<byte[], byte[]>>, PCollectionTuple> {

  public static final TupleTag<ChangeEvent> CHANGES = new TupleTag<ChangeEvent>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<DeadLetter>() {};

  private final List<String> primaryKey;

  private ParseChangeEvents(List<String> primaryKey) {
    this.primaryKey = List.copyOf(primaryKey);
  }

  /** Changes to rows keyed by {@code primaryKey}, the columns in key order. */
  public static ParseChangeEvents keyedBy(List<String> primaryKey) {
    if (primaryKey.isEmpty()) {
      throw new IllegalArgumentException("at least one primary key column");
    }
    return new ParseChangeEvents(primaryKey);
  }

  @Override
  public PCollectionTuple expand(PCollection<KafkaRecord<byte[], byte[]>> records) {
    return records.apply(
        "ParseEnvelopes",
        ParDo.of(new ParseFn(primaryKey)).withOutputTags(CHANGES, TupleTagList.of(DEAD_LETTERS)));
  }

  private static final class ParseFn extends DoFn<KafkaRecord<byte[], byte[]>, ChangeEvent> {
    private final Counter read = PipelineCounters.counter(PipelineCounters.RECORDS_READ);
    private final Counter parsed = PipelineCounters.counter(PipelineCounters.RECORDS_PARSED);
    private final Counter rejected = PipelineCounters.counter(PipelineCounters.RECORDS_REJECTED);
    private final List<String> primaryKey;

    ParseFn(List<String> primaryKey) {
      this.primaryKey = primaryKey;
    }

    @ProcessElement
    public void process(@Element KafkaRecord<byte[], byte[]> record, MultiOutputReceiver out) {
      read.inc();
      KafkaCoordinates source =
          KafkaCoordinates.of(record.getTopic(), record.getPartition(), record.getOffset());
      Instant receivedAt = new Instant(record.getTimestamp());
      byte[] key = record.getKV().getKey();
      byte[] value = record.getKV().getValue();
      DebeziumEnvelope.Outcome outcome = DebeziumEnvelope.parse(key, value, source, receivedAt, primaryKey);
      if (outcome instanceof Change change) {
        parsed.inc();
        out.get(CHANGES).output(change.event());
      } else {
        Rejected why = (Rejected) outcome;
        rejected.inc();
        out.get(DEAD_LETTERS)
            .output(DeadLetter.ofRecord(why.kind(), why.message(), source, key, value, receivedAt).build());
      }
    }
  }
}
