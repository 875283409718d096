package dev.exactlyonce.payments.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import dev.exactlyonce.payments.transforms.parse.ParsePayments;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;

/**
 * Local runs count the records read from the parse stage's own counters, named where they are
 * published: a renamed counter would leave every local run waiting for input it already read.
 */
class RecordsReadCounterTest {
  private static KafkaRecord<byte[], byte[]> record(long offset, String value) {
    return new KafkaRecord<>("payments", 0, offset, 1_772_359_200_000L, KafkaTimestampType.LOG_APPEND_TIME, null,
        null, value.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyRecordReadIsCountedOnceWhetherParsedOrRejected() {
    String valid = "{\"transaction_id\":\"tx-1\",\"sender_account\":\"A\",\"receiver_account\":\"B\",\"amount\":1.50,"
        + "\"currency\":\"EUR\",\"event_time\":\"2026-03-01T10:00:00Z\"}";
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    pipeline
        .apply(Create.of(List.of(record(0, valid), record(1, "not json"), record(2, "{}")))
            .withCoder(KafkaRecordCoder.of(NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of()))))
        .apply(ParsePayments.create());

    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertEquals(3, PipelineCounters.attempted(result, PipelineCounters.RECORDS_READ));
    assertEquals(1, PipelineCounters.attempted(result, PipelineCounters.RECORDS_PARSED));
  }
}
