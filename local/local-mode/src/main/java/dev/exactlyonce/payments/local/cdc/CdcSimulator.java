package dev.exactlyonce.payments.local.cdc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exactlyonce.payments.transforms.cdc.ChangeSequence;
import dev.exactlyonce.payments.transforms.cdc.ChangeTable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The change stream of an {@code articles} table (keyed by {@code article_id}), as Debezium would
 * write it, with the trouble CDC pipelines meet, deterministic from a seed: snapshot reads,
 * inserts, updates, deletes followed by tombstones, re-inserts, several changes in one millisecond
 * (ordered by LSN), a field the table's columns lack appearing later (schema drift), duplicate
 * copies, changes delivered after newer ones of the same row, a replay of an offset range, and
 * malformed records. Returns the {@link CdcLedger}: the table's true final state and the dead
 * letters the malformed records must produce.
 */
public final class CdcSimulator {
  public static final String TABLE = "articles";
  /** The CDC pipeline's default columns; the simulator leaves {@code body} empty (NULL). */
  public static final String COLUMNS = ChangeTable.DEFAULT_COLUMNS;
  private static final String[] AUTHORS = {"ada", "grace", "edsger", "barbara", "ken", "margaret"};
  private static final DateTimeFormatter EXPORT_TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS 'UTC'").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON =
      new ObjectMapper().setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  /** Where records go: Kafka in local runs, a list in tests. A null value is a tombstone. */
  public interface Sink {
    void send(byte[] key, byte[] value, long timestampMillis);
  }

  /**
   * @param changes true changes to the source table (copies and malformed records come on top)
   * @param articles size of the key population
   * @param startMillis {@code ts_ms} of the first change
   */
  public record Settings(
      long changes, int articles, long seed, long startMillis, double duplicateRate, double outOfOrderRate,
      double deleteRate, double driftRate, double malformedRate, int replayLength) {
    public static Settings defaults(long startMillis) {
      return new Settings(2_000, 150, 42, startMillis, 0.05, 0.05, 0.08, 0.1, 0.01, 40);
    }

    public Settings withChanges(long value) {
      return new Settings(value, articles, seed, startMillis, duplicateRate, outOfOrderRate, deleteRate, driftRate, malformedRate, replayLength);
    }

    public Settings withSeed(long value) {
      return new Settings(changes, articles, value, startMillis, duplicateRate, outOfOrderRate, deleteRate, driftRate, malformedRate, replayLength);
    }
  }

  private final Settings settings;
  private final String topic;
  private final Sink sink;
  private final Random random;
  private final Map<Long, ObjectNode> live = new TreeMap<>();
  private final Map<Long, ObjectNode> finalRows = new TreeMap<>();
  private final Map<String, Long> deadLetters = new TreeMap<>();
  private final Map<String, Long> injected = new TreeMap<>();
  private final Deque<Record> recent = new ArrayDeque<>();
  private final List<Held> held = new ArrayList<>();
  private long recordsSent;
  private long tsMs;
  private long lsn = 1_000;

  /** One Kafka record; {@code malformedKind} is the dead letter it must produce, if any. */
  private record Record(byte[] key, byte[] value, long timestamp, String malformedKind) {}

  /** A change held back, to be delivered after {@code after} more changes. */
  private static final class Held {
    final Record record;
    int after;

    Held(Record record, int after) {
      this.record = record;
      this.after = after;
    }
  }

  private CdcSimulator(Settings settings, String topic, Sink sink) {
    this.settings = settings;
    this.topic = topic;
    this.sink = sink;
    this.random = new Random(settings.seed());
    this.tsMs = settings.startMillis();
  }

  public static CdcLedger run(Settings settings, String topic, Sink sink) {
    return new CdcSimulator(settings, topic, sink).run();
  }

  private CdcLedger run() {
    long replayAt = settings.changes() * 3 / 5;
    for (long step = 0; step < settings.changes(); step++) {
      change(step);
      if (step == replayAt) {
        replay();
      }
      if (random.nextDouble() < settings.malformedRate()) {
        malformed();
      }
      releaseHeld(false);
    }
    releaseHeld(true);
    List<Map<String, Object>> rows = new ArrayList<>();
    finalRows.values().forEach(row -> rows.add(exportShape(row)));
    return new CdcLedger(topic, TABLE, settings.seed(), recordsSent, rows, deadLetters, injected);
  }

  private void change(long step) {
    long id = 1 + random.nextInt(settings.articles());
    // Some changes share a millisecond: only the LSN orders them.
    tsMs += random.nextInt(10) < 2 ? 0 : 1 + random.nextInt(50);
    lsn += 1 + random.nextInt(8);
    ObjectNode before = live.get(id);
    String op;
    ObjectNode after = null;
    if (before == null) {
      op = step < settings.changes() / 10 ? "r" : "c";
      after = article(id, null);
    } else if (random.nextDouble() < settings.deleteRate()) {
      op = "d";
    } else {
      op = "u";
      after = article(id, before);
    }
    ObjectNode envelope = JSON.createObjectNode();
    envelope.set("before", before == null ? JSON.nullNode() : before);
    envelope.set("after", after == null ? JSON.nullNode() : after);
    envelope.put("op", op).put("ts_ms", tsMs);
    envelope.putObject("source").put("lsn", lsn).put("table", TABLE).put("db", "shop");
    byte[] key = key(id);
    Record record = new Record(key, bytes(envelope), tsMs, null);
    if (after == null) {
      live.remove(id);
      finalRows.remove(id);
    } else {
      live.put(id, after);
      ObjectNode kept = after.deepCopy();
      kept.put("_op", op).put("_ts_ms", tsMs).put("_lsn", lsn).put("_change_sequence", ChangeSequence.of(tsMs, lsn));
      finalRows.put(id, kept);
    }
    if (random.nextDouble() < settings.outOfOrderRate()) {
      count(injected, "out_of_order");
      held.add(new Held(record, 1 + random.nextInt(6)));
    } else {
      send(record);
    }
    if (random.nextDouble() < settings.duplicateRate()) {
      count(injected, "duplicate");
      send(record);
    }
    if (op.equals("d")) {
      // Debezium's tombstone follows the delete, for log compaction; ordered by its Kafka time.
      count(injected, "tombstone");
      send(new Record(key, null, tsMs, null));
    }
  }

  private ObjectNode article(long id, ObjectNode before) {
    ObjectNode row = JSON.createObjectNode();
    row.put("article_id", id);
    row.put("title", "Article " + id + " rev " + random.nextInt(1_000));
    row.put("author", before != null && random.nextBoolean() ? before.get("author").asText() : AUTHORS[random.nextInt(AUTHORS.length)]);
    row.put("price", BigDecimal.valueOf(100 + random.nextInt(9_900), 2));
    row.put("published", random.nextBoolean());
    row.put("updated_at", tsMs);
    if (random.nextDouble() < settings.driftRate()) {
      // A column added to the source table after the pipeline was configured.
      row.putArray("tags").add("t" + random.nextInt(5));
    }
    return row;
  }

  /** The last few records again, as a producer replaying an offset range sends them. */
  private void replay() {
    List<Record> range = new ArrayList<>(recent);
    count(injected, "replayed", range.size());
    for (Record record : range) {
      if (record.malformedKind() != null) {
        // A malformed record sent again is a record of its own: one more dead letter.
        count(deadLetters, record.malformedKind());
      }
      send(record);
    }
  }

  private void malformed() {
    long kind = recordsSent % 3;
    Record record;
    if (kind == 0) {
      record = new Record(null, "{\"op\":\"u\",\"after\":".getBytes(StandardCharsets.UTF_8), tsMs, "UNPARSEABLE");
    } else if (kind == 1) {
      record = new Record(key(1), ("{\"op\":\"t\",\"ts_ms\":" + tsMs + "}").getBytes(StandardCharsets.UTF_8), tsMs, "UNKNOWN_OP");
    } else {
      byte[] value = ("{\"op\":\"c\",\"ts_ms\":" + tsMs + ",\"after\":{\"title\":\"no key\"}}").getBytes(StandardCharsets.UTF_8);
      record = new Record(null, value, tsMs, "MISSING_KEY");
    }
    count(deadLetters, record.malformedKind());
    send(record);
  }

  private void releaseHeld(boolean all) {
    List<Held> due = new ArrayList<>();
    for (Held waiting : held) {
      if (all || --waiting.after <= 0) {
        due.add(waiting);
      }
    }
    held.removeAll(due);
    due.forEach(waiting -> send(waiting.record));
  }

  private void send(Record record) {
    sink.send(record.key(), record.value(), record.timestamp());
    recordsSent++;
    recent.addLast(record);
    if (recent.size() > settings.replayLength()) {
      recent.removeFirst();
    }
  }

  /** The row as the stand-in exports it: columns typed, fields beyond them in {@code _extra}. */
  private static Map<String, Object> exportShape(ObjectNode row) {
    Map<String, Object> shaped = new LinkedHashMap<>();
    shaped.put("article_id", row.get("article_id").asText());
    shaped.put("title", row.get("title").asText());
    shaped.put("author", row.get("author").asText());
    shaped.put("price", row.get("price").decimalValue().toPlainString());
    shaped.put("published", row.get("published").asText());
    shaped.put("updated_at", EXPORT_TIMESTAMP.format(Instant.ofEpochMilli(row.get("updated_at").asLong())));
    if (row.has("tags")) {
      shaped.put("_extra", "{\"tags\":" + row.get("tags") + "}");
    }
    for (String meta : new String[] {"_op", "_ts_ms", "_lsn", "_change_sequence"}) {
      shaped.put(meta, row.get(meta).asText());
    }
    return shaped;
  }

  private static byte[] key(long id) {
    return ("{\"article_id\":" + id + "}").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ObjectNode node) {
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void count(Map<String, Long> counts, String what) {
    count(counts, what, 1);
  }

  private static void count(Map<String, Long> counts, String what, long howMany) {
    counts.merge(what, howMany, Long::sum);
  }
}
