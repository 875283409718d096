package dev.exactlyonce.payments.local.cdc;

import static dev.exactlyonce.payments.transforms.cdc.ChangeEvents.T0;
import static dev.exactlyonce.payments.transforms.cdc.ChangeEvents.envelope;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.exactlyonce.payments.local.standin.LocalBigQuery;
import dev.exactlyonce.payments.pipeline.cdc.CdcConfig;
import dev.exactlyonce.payments.pipeline.cdc.CdcGraph;
import dev.exactlyonce.payments.pipeline.cdc.CdcOptions;
import dev.exactlyonce.payments.pipeline.cdc.CdcPipeline;
import dev.exactlyonce.payments.transforms.cdc.ChangeEvents;
import dev.exactlyonce.payments.transforms.cdc.ChangeSequence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CDC pipeline on the DirectRunner, from a stream of Debezium records through the real
 * BigQueryIO Storage Write CDC path into the stand-in, which applies upserts and deletes by key and
 * sequence as BigQuery does. Late changes arrive in a later collapse window than the changes they
 * are older than, so the ordering under test is the table's, not the collapse step's.
 */
class CdcDirectRunnerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant START = new Instant(T0);

  @TempDir Path dir;

  /** Records in batches; the watermark passes each batch's collapse window before the next. */
  private static final class Delivery {
    final List<List<KafkaRecord<byte[], byte[]>>> batches = new ArrayList<>();
    private long offset;

    Delivery batch(String... idsAndValues) {
      List<KafkaRecord<byte[], byte[]>> batch = new ArrayList<>();
      for (int i = 0; i < idsAndValues.length; i += 2) {
        long id = Long.parseLong(idsAndValues[i]);
        batch.add(ChangeEvents.record(offset++, ChangeEvents.key(id), idsAndValues[i + 1], T0 + offset));
      }
      batches.add(batch);
      return this;
    }

    TestStream<KafkaRecord<byte[], byte[]>> stream() {
      TestStream.Builder<KafkaRecord<byte[], byte[]>> stream =
          TestStream.create(KafkaRecordCoder.of(NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of())))
              .advanceWatermarkTo(START);
      Instant now = START;
      for (List<KafkaRecord<byte[], byte[]>> batch : batches) {
        for (KafkaRecord<byte[], byte[]> record : batch) {
          stream = stream.addElements(TimestampedValue.of(record, now));
        }
        now = now.plus(Duration.standardMinutes(1));
        stream = stream.advanceWatermarkTo(now).advanceProcessingTime(Duration.standardSeconds(5));
      }
      return stream.advanceWatermarkToInfinity();
    }
  }

  /** One run of the pipeline on the table directory, as a fresh process would run it. */
  private Map<String, Map<String, Object>> run(Delivery delivery) throws IOException {
    CdcOptions options =
        CdcPipeline.parseOptions(
            "--bootstrapServers=unused:9092", "--topic=" + ChangeEvents.TOPIC, "--outputProject=" + LocalBigQuery.PROJECT,
            "--dataset=cdc", "--columns=article_id:INT64,title:STRING,price:NUMERIC", "--collapseWindowSeconds=10");
    CdcConfig config = CdcConfig.from(options);
    try (LocalBigQuery standIn = LocalBigQuery.openChanges(dir, config.tables(), config.table())) {
      Pipeline pipeline = Pipeline.create(options);
      pipeline.apply(delivery.stream()).apply(CdcGraph.of(config).withServices(standIn.services()));
      pipeline.run().waitUntilFinish();
    }
    return articles();
  }

  private Map<String, Map<String, Object>> articles() throws IOException {
    Map<String, Map<String, Object>> rows = new TreeMap<>();
    for (String line : Files.readAllLines(dir.resolve("articles.ndjson"), StandardCharsets.UTF_8)) {
      Map<String, Object> row = JSON.readValue(line, new TypeReference<Map<String, Object>>() {});
      rows.put(String.valueOf(row.get("article_id")), row);
    }
    return rows;
  }

  @Test
  void anUpdateDeliveredAfterANewerUpdateOfTheSameKeyLeavesTheNewerRow() throws IOException {
    Map<String, Map<String, Object>> rows =
        run(new Delivery()
            .batch("1", envelope("c", 1, "v1", T0, 10), "1", envelope("u", 1, "v3", T0 + 3_000, 30))
            .batch("1", envelope("u", 1, "v2", T0 + 2_000, 20)));
    assertEquals("v3", rows.get("1").get("title"), rows.toString());
    assertEquals(ChangeSequence.of(T0 + 3_000, 30), rows.get("1").get("_change_sequence"));
  }

  @Test
  void sameMillisecondChangesAreOrderedByTheirLogPosition() throws IOException {
    Map<String, Map<String, Object>> rows =
        run(new Delivery()
            .batch("1", envelope("u", 1, "second", T0, 21))
            .batch("1", envelope("u", 1, "first", T0, 20)));
    assertEquals("second", rows.get("1").get("title"));
  }

  @Test
  void aDeleteFollowedByALateOlderUpdateLeavesTheRowDeleted() throws IOException {
    Map<String, Map<String, Object>> rows =
        run(new Delivery()
            .batch("1", envelope("c", 1, "v1", T0, 10), "2", envelope("c", 2, "kept", T0, 11))
            .batch("1", envelope("d", 1, "v1", T0 + 5_000, 50))
            .batch("1", envelope("u", 1, "late", T0 + 3_000, 30)));
    assertEquals(List.of("2"), List.copyOf(rows.keySet()));
  }

  /** The deleted key's sequence outlives the run: a restarted run does not resurrect the row. */
  @Test
  void aDeletedKeyStaysDeletedWhenTheLateUpdateArrivesInTheNextRun() throws IOException {
    run(new Delivery().batch("1", envelope("c", 1, "v1", T0, 10)).batch("1", envelope("d", 1, "v1", T0 + 5_000, 50)));
    Map<String, Map<String, Object>> rows = run(new Delivery().batch("1", envelope("u", 1, "late", T0 + 3_000, 30)));
    assertEquals(Map.of(), rows);
    Map<String, Map<String, Object>> reinserted =
        run(new Delivery().batch("1", envelope("c", 1, "again", T0 + 9_000, 90)));
    assertEquals("again", reinserted.get("1").get("title"), "a newer insert brings the key back");
  }

  @Test
  void aTombstoneDeletesByTheKafkaKey() throws IOException {
    Map<String, Map<String, Object>> rows =
        run(new Delivery().batch("1", envelope("c", 1, "v1", T0 - 60_000, 10)).batch("1", null));
    assertEquals(Map.of(), rows);
  }

  @Test
  void aFullReplayFromTheEarliestOffsetLeavesAnIdenticalTable() throws IOException {
    Delivery everything =
        new Delivery()
            .batch("1", envelope("c", 1, "a1", T0, 10), "2", envelope("c", 2, "b1", T0 + 1, 11),
                "3", envelope("c", 3, "c1", T0 + 2, 12), "1", envelope("u", 1, "a2", T0 + 1_000, 13))
            .batch("2", envelope("u", 2, "b3", T0 + 4_000, 16), "3", envelope("d", 3, "c1", T0 + 3_000, 15),
                "2", envelope("u", 2, "b3", T0 + 4_000, 16))
            .batch("2", envelope("u", 2, "b2", T0 + 2_000, 14), "4", "{\"op\":\"x\"}",
                "1", "{\"before\":null,\"after\":{\"article_id\":1,\"title\":\"a3\",\"tags\":[\"new\"]},\"op\":\"u\",\"ts_ms\":" + (T0 + 5_000) + "}");
    Map<String, Map<String, Object>> first = run(everything);
    String firstFile = Files.readString(dir.resolve("articles.ndjson"));
    assertEquals(List.of("1", "2"), List.copyOf(first.keySet()));
    assertEquals("b3", first.get("2").get("title"));
    assertEquals("{\"tags\":[\"new\"]}", first.get("1").get("_extra"), "a field the columns lack is kept");
    assertTrue(Files.readString(dir.resolve("dead_letter.ndjson")).contains("\"error_kind\":\"UNKNOWN_OP\""));

    run(everything);
    assertEquals(firstFile, Files.readString(dir.resolve("articles.ndjson")));
    assertEquals(1, Files.readAllLines(dir.resolve("dead_letter.ndjson")).size(), "the replayed dead letter collapses too");
  }
}
