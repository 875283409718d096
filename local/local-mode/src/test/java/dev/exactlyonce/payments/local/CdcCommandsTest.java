package dev.exactlyonce.payments.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.cdc.CdcLedger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reconcile-cdc}: the table against the source's true final state, row by row. */
class CdcCommandsTest {
  @TempDir Path dir;

  private static Map<String, Object> article(String id, String title, String price) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("article_id", id);
    row.put("title", title);
    row.put("price", price);
    return row;
  }

  private int reconcile(String tableLines, String deadLetterLines, PrintStream out) throws Exception {
    new CdcLedger("articles.cdc", "articles", 1, 5,
        List.of(article("1", "one", "12.50"), article("2", "two", "3.00")), Map.of("UNKNOWN_OP", 1L), Map.of())
        .write(dir.resolve("ledger.json"));
    Files.writeString(dir.resolve("articles.ndjson"), tableLines);
    Files.writeString(dir.resolve("dead_letter.ndjson"), deadLetterLines);
    PrintStream original = System.out;
    System.setOut(out);
    try {
      return LocalMode.execute("reconcile-cdc", "--ledger=" + dir.resolve("ledger.json"), "--tables=" + dir);
    } finally {
      System.setOut(original);
    }
  }

  @Test
  void aTableEqualToTheSourcePassesWithNumericValuesComparedByValue() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = reconcile(
        "{\"article_id\":\"1\",\"title\":\"one\",\"price\":\"12.5\"}\n{\"article_id\":\"2\",\"title\":\"two\",\"price\":\"3\"}\n",
        "{\"error_kind\":\"UNKNOWN_OP\"}\n", new PrintStream(out, true, StandardCharsets.UTF_8));
    assertEquals(0, status, out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aStaleRowAMissingRowAResurrectedRowAndAMissingDeadLetterFailWithEachDifferenceListed() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = reconcile(
        "{\"article_id\":\"1\",\"title\":\"older\",\"price\":\"12.50\"}\n{\"article_id\":\"3\",\"title\":\"deleted\"}\n",
        "", new PrintStream(out, true, StandardCharsets.UTF_8));
    String report = out.toString(StandardCharsets.UTF_8);
    assertEquals(1, status, report);
    assertTrue(report.contains("article_id 1: title is older, the source has one"), report);
    assertTrue(report.contains("article_id 2: the source has it, the table does not"), report);
    assertTrue(report.contains("article_id 3: in the table, but deleted or never in the source"), report);
    assertTrue(report.contains("dead letters by kind are {}"), report);
    assertTrue(report.contains("RECONCILIATION: FAIL"), report);
  }
}
