package dev.exactlyonce.payments.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit status and what is printed, for the commands that need no broker. */
class LocalModeCommandTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;

  @BeforeEach
  void captureOutput() {
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreOutput() {
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  private String out() {
    System.out.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    System.err.flush();
    return err.toString(StandardCharsets.UTF_8);
  }

  /** One payment sent once, and the tables that account for it. */
  private Path ledger() throws IOException {
    Path file = dir.resolve("ledger.json");
    new Ledger(
            "payments",
            42,
            1,
            List.of(new Ledger.Entry("tx-1", "USD", new BigDecimal("12.50"), "2026-03-01T10:00:00.000Z", 1, List.of(), false, false)),
            Map.of(),
            Map.of())
        .write(file);
    return file;
  }

  private Path tables(String amountWritten) throws IOException {
    Path tables = Files.createDirectories(dir.resolve("tables"));
    String payment = "{\"transaction_id\":\"tx-1\",\"amount\":\"" + amountWritten + "\",\"currency\":\"USD\"}\n";
    Files.writeString(tables.resolve(BigQueryTables.DEFAULT_TRANSACTIONS + ".ndjson"), payment);
    Files.writeString(tables.resolve(BigQueryTables.DEFAULT_FRAUD + ".ndjson"), payment);
    Files.writeString(
        tables.resolve(BigQueryTables.DEFAULT_METRICS + ".ndjson"),
        "{\"window_start\":\"2026-03-01 10:00:00.000000 UTC\",\"currency\":\"USD\",\"total_amount\":\"" + amountWritten
            + "\",\"pane_index\":\"0\",\"payment_count\":\"1\"}\n");
    Files.writeString(tables.resolve(BigQueryTables.DEFAULT_AUDIT + ".ndjson"), "");
    Files.writeString(tables.resolve(BigQueryTables.DEFAULT_DEAD_LETTER + ".ndjson"), "");
    return tables;
  }

  private static List<String> lines(String text) {
    return text.lines().filter(line -> !line.isBlank()).toList();
  }

  @Test
  void reconcileWithMissingLedgerExitsTwoWithOneErrorLine() throws IOException {
    Path missing = dir.resolve("no-such-ledger.json");

    int status = LocalMode.execute("reconcile", "--ledger=" + missing, "--tables=" + tables("12.50"));

    assertEquals(2, status);
    List<String> errors = lines(err());
    assertEquals(1, errors.size(), err());
    assertTrue(errors.get(0).startsWith("error: cannot read the ledger " + missing), errors.get(0));
    assertFalse(out().contains("RECONCILIATION"), out());
  }

  @Test
  void reconcileWithCorruptLedgerExitsTwoWithOneErrorLine() throws IOException {
    Path corrupt = Files.writeString(dir.resolve("ledger.json"), "{\"topic\": \"payments\",\n  \"seed\": oops\n}");

    int status = LocalMode.execute("reconcile", "--ledger=" + corrupt, "--tables=" + tables("12.50"));

    assertEquals(2, status);
    List<String> errors = lines(err());
    assertEquals(1, errors.size(), err());
    assertTrue(errors.get(0).startsWith("error: cannot read the ledger " + corrupt + ": "), errors.get(0));
  }

  @Test
  void reconcileWithMissingTableFileExitsTwoNamingTheFile() throws IOException {
    Path tables = tables("12.50");
    Files.delete(tables.resolve(BigQueryTables.DEFAULT_AUDIT + ".ndjson"));

    int status = LocalMode.execute("reconcile", "--ledger=" + ledger(), "--tables=" + tables);

    assertEquals(2, status);
    List<String> errors = lines(err());
    assertEquals(1, errors.size(), err());
    assertTrue(errors.get(0).startsWith("error: "), errors.get(0));
    assertTrue(errors.get(0).contains(BigQueryTables.DEFAULT_AUDIT + ".ndjson"), errors.get(0));
  }

  @Test
  void reconcileOfTablesThatDoNotMatchTheLedgerExitsOneAndPrintsFail() throws IOException {
    int status = LocalMode.execute("reconcile", "--ledger=" + ledger(), "--tables=" + tables("12.51"));

    assertEquals(1, status, err());
    assertTrue(out().contains("tx-1: sent 12.50 USD, written 12.51 USD"), out());
    assertTrue(out().strip().endsWith("RECONCILIATION: FAIL"), out());
  }

  @Test
  void reconcileOfMatchingTablesExitsZeroAndPrintsPass() throws IOException {
    int status = LocalMode.execute("reconcile", "--ledger=" + ledger(), "--tables=" + tables("12.50"));

    assertEquals(0, status, err());
    assertTrue(out().strip().endsWith("RECONCILIATION: PASS"), out());
    assertEquals("", err());
  }

  @Test
  void reconcileWithAnUnknownOptionExitsTwo() throws IOException {
    int status = LocalMode.execute("reconcile", "--ledger=" + ledger(), "--tables=" + tables("12.50"), "--bogus");

    assertEquals(2, status);
    assertTrue(err().startsWith("error: Unknown option: '--bogus'"), err());
    assertFalse(out().contains("RECONCILIATION"), out());
  }

  @Test
  void reconcileWithoutItsRequiredOptionsExitsTwo() {
    int status = LocalMode.execute("reconcile");

    assertEquals(2, status);
    assertTrue(err().startsWith("error: Missing required options"), err());
  }

  @Test
  void demoThatWouldNeverDrainIsRefused() {
    int status = LocalMode.execute("demo", "--idle-seconds=0", "--dir=" + dir.resolve("run"));

    assertEquals(2, status);
    assertTrue(err().startsWith("error: --idle-seconds must be at least 1, not 0"), err());
    assertFalse(Files.exists(dir.resolve("run")), "nothing started");
  }

  @Test
  void demoIntoAnEarlierRunsDirectoryIsRefused() throws IOException {
    Path earlier = Files.createDirectories(dir.resolve("earlier-run"));
    Files.writeString(earlier.resolve("ledger.json"), "{}");

    int status = LocalMode.execute("demo", "--dir=" + earlier);

    assertEquals(2, status);
    assertTrue(err().startsWith("error: --dir " + earlier + " is not empty"), err());
    assertEquals(List.of(earlier.resolve("ledger.json")), Files.list(earlier).toList());
  }

  @Test
  void unknownCommandExitsTwo() {
    assertEquals(2, LocalMode.execute("reconcil"));
  }

  @Test
  void pipelineWithoutBootstrapServersExitsTwoWithOneErrorLine() {
    int status = LocalMode.execute("pipeline", "--tablesDir=" + dir.resolve("tables"));

    assertEquals(2, status);
    List<String> errors = lines(err()).stream().filter(line -> line.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), err());
    assertTrue(errors.get(0).contains("bootstrapServers"), errors.get(0));
    assertFalse(Files.exists(dir.resolve("tables")), "no tables directory");
  }

  @Test
  void pipelineWithAValueOfTheWrongTypeNamesTheOption() {
    int status = LocalMode.execute("pipeline", "--bootstrapServers=127.0.0.1:1", "--dedupHorizonMinutes=abc");

    assertEquals(2, status);
    assertTrue(err().startsWith("error: --dedupHorizonMinutes: "), err());
  }

  @Test
  void aNegativeFailureDrillIsRefusedNamingTheOption() {
    int status = LocalMode.execute("pipeline", "--bootstrapServers=127.0.0.1:1", "--failOnceAfterPayments=-1");

    assertEquals(2, status);
    assertTrue(err().startsWith("error: --failOnceAfterPayments must be at least 0, was -1"), err());
  }

  @Test
  void pipelineWithAnUnknownOptionExitsTwo() {
    int status = LocalMode.execute("pipeline", "--bootstrapServers=127.0.0.1:1", "--noSuchOption=1");

    assertEquals(2, status);
    List<String> errors = lines(err()).stream().filter(line -> line.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), err());
    assertTrue(errors.get(0).contains("noSuchOption"), errors.get(0));
  }

  @Test
  void pipelineThatCannotReachKafkaExitsTwoBeforeWritingTables() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Path tables = dir.resolve("tables");

    int status = LocalMode.execute("pipeline", "--bootstrapServers=127.0.0.1:" + closedPort, "--tablesDir=" + tables);

    assertEquals(2, status);
    List<String> errors = lines(err()).stream().filter(line -> line.startsWith("error: ")).toList();
    assertEquals(1, errors.size(), err());
    assertTrue(errors.get(0).startsWith("error: cannot reach Kafka at 127.0.0.1:" + closedPort), errors.get(0));
    if (Files.exists(tables)) {
      try (Stream<Path> files = Files.list(tables)) {
        assertEquals(List.of(), files.toList(), "no tables written");
      }
    }
  }
}
