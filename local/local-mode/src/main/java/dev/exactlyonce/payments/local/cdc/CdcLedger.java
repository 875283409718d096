package dev.exactlyonce.payments.local.cdc;

import dev.exactlyonce.payments.local.simulator.JsonFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the CDC simulator sent and what the table must end up as: the source table's true final
 * state, row by row in BigQuery's JSON export shape (as the stand-in keeps tables), and the dead
 * letters the malformed records must produce.
 *
 * @param topic the change topic written
 * @param table the change table's name
 * @param seed the simulator's seed
 * @param recordsSent every record produced, copies, tombstones and malformed ones included
 * @param finalRows the table the source database ends with, one row per live key
 * @param deadLetters dead letters expected, by error kind
 * @param injected counts by scenario: {@code duplicate} copies, {@code out_of_order} changes
 *     delivered after newer ones, {@code replayed} records sent again, {@code tombstone}s
 */
public record CdcLedger(
    String topic,
    String table,
    long seed,
    long recordsSent,
    List<Map<String, Object>> finalRows,
    Map<String, Long> deadLetters,
    Map<String, Long> injected) {


  /** Written to a temporary file and moved into place: never seen half-written. */
  public void write(Path file) throws IOException {
    JsonFile.write(file, this);
  }

  public static CdcLedger read(Path file) throws IOException {
    return JsonFile.read(file, CdcLedger.class);
  }
}
