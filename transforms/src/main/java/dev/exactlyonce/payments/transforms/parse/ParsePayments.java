package dev.exactlyonce.payments.transforms.parse;

import dev.exactlyonce.payments.transforms.time.TimeBounds;
import dev.exactlyonce.payments.model.DeadLetter;
import dev.exactlyonce.payments.model.KafkaCoordinates;
import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser.Rejected;
import dev.exactlyonce.payments.transforms.parse.PaymentJsonParser.Valid;
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
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Kafka records to payments. Every record comes out exactly once: as a {@link Payment} on {@link
 * #PAYMENTS}, or as a {@link DeadLetter} on {@link #DEAD_LETTERS} that keeps the bytes as received,
 * the Kafka coordinates and the reason. Element timestamps pass through unchanged.
 */
public final class ParsePayments
    extends PTransform<PCollection<KafkaRecord<byte[], byte[]>>, PCollectionTuple> {

  public static final TupleTag<Payment> PAYMENTS = new TupleTag<Payment>() {};
  public static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<DeadLetter>() {};

  private final @Nullable Duration maxClockSkew;

  private ParsePayments(@Nullable Duration maxClockSkew) {
    this.maxClockSkew = maxClockSkew;
  }

  public static ParsePayments create() {
    return new ParsePayments(TimeBounds.DEFAULT_MAX_CLOCK_SKEW);
  }

  /**
   * Payments whose event time is more than this ahead of their Kafka record's timestamp go to the
   * dead letters as BAD_TIMESTAMP (see {@link PaymentJsonParser#isAheadOfItsRecord}); give the
   * Kafka timestamp policy the same bound, so that none of them moves the watermark.
   */
  public ParsePayments withMaxClockSkew(Duration maxClockSkew) {
    return new ParsePayments(maxClockSkew);
  }

  @Override
  public PCollectionTuple expand(PCollection<KafkaRecord<byte[], byte[]>> records) {
    return records.apply(
        "ParseJson", ParDo.of(new ParseFn(maxClockSkew)).withOutputTags(PAYMENTS, TupleTagList.of(DEAD_LETTERS)));
  }

  private static final class ParseFn extends DoFn<KafkaRecord<byte[], byte[]>, Payment> {
    private final Counter read = PipelineCounters.counter(PipelineCounters.RECORDS_READ);
    private final Counter parsed = PipelineCounters.counter(PipelineCounters.RECORDS_PARSED);
    private final Counter rejected = PipelineCounters.counter(PipelineCounters.RECORDS_REJECTED);
    private final @Nullable Duration maxClockSkew;

    ParseFn(@Nullable Duration maxClockSkew) {
      this.maxClockSkew = maxClockSkew;
    }

    @ProcessElement
    public void process(@Element KafkaRecord<byte[], byte[]> record, MultiOutputReceiver out) {
      read.inc();
      KafkaCoordinates source =
          KafkaCoordinates.of(record.getTopic(), record.getPartition(), record.getOffset());
      Instant receivedAt = new Instant(record.getTimestamp());
      byte[] value = record.getKV().getValue();
      PaymentJsonParser.Outcome outcome = PaymentJsonParser.parse(value, source, receivedAt, maxClockSkew);
      if (outcome instanceof Valid valid) {
        parsed.inc();
        out.get(PAYMENTS).output(valid.payment());
      } else {
        Rejected why = (Rejected) outcome;
        rejected.inc();
        out.get(DEAD_LETTERS)
            .output(
                DeadLetter.ofRecord(why.kind(), why.message(), source, record.getKV().getKey(), value, receivedAt)
                    .setTransactionId(why.transactionId())
                    .setEventTime(why.eventTime())
                    .build());
      }
    }
  }
}
