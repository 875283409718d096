package dev.exactlyonce.payments.local.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CdcSimulatorTest {
  private static final long START = 1_767_261_600_000L;

  private record Sent(String key, String value, long timestamp) {}

  private static List<Sent> sent(CdcSimulator.Settings settings, CdcLedger[] ledger) {
    List<Sent> records = new ArrayList<>();
    ledger[0] = CdcSimulator.run(settings, "t", (key, value, timestamp) -> records.add(new Sent(
        key == null ? null : new String(key, StandardCharsets.UTF_8),
        value == null ? null : new String(value, StandardCharsets.UTF_8), timestamp)));
    return records;
  }

  @Test
  void theSameSeedSendsTheSameStreamAndTheSameTruth() {
    CdcLedger[] first = new CdcLedger[1];
    CdcLedger[] second = new CdcLedger[1];
    assertEquals(sent(CdcSimulator.Settings.defaults(START).withChanges(500), first),
        sent(CdcSimulator.Settings.defaults(START).withChanges(500), second));
    assertEquals(first[0], second[0]);
    CdcLedger[] other = new CdcLedger[1];
    sent(CdcSimulator.Settings.defaults(START).withChanges(500).withSeed(7), other);
    assertNotEquals(first[0].finalRows(), other[0].finalRows());
  }

  /** Every kind of trouble the issue lists shows up in a default-sized run, and the ledger counts it. */
  @Test
  void theStreamCarriesEveryKindOfTrouble() {
    CdcLedger[] ledger = new CdcLedger[1];
    List<Sent> records = sent(CdcSimulator.Settings.defaults(START), ledger);
    assertEquals(records.size(), ledger[0].recordsSent());
    for (String scenario : List.of("duplicate", "out_of_order", "replayed", "tombstone")) {
      assertTrue(ledger[0].injected().getOrDefault(scenario, 0L) > 0, scenario + " in " + ledger[0].injected());
    }
    assertEquals(Set.of("MISSING_KEY", "UNKNOWN_OP", "UNPARSEABLE"), ledger[0].deadLetters().keySet());
    Set<String> ops = new HashSet<>();
    records.stream().filter(r -> r.value() != null && r.value().contains("\"op\":\""))
        .forEach(r -> ops.add(r.value().replaceAll(".*\"op\":\"(.)\".*", "$1")));
    assertTrue(ops.containsAll(Set.of("r", "c", "u", "d")), ops.toString());
    assertTrue(ledger[0].finalRows().size() < 150, "some articles end deleted");
    assertTrue(ledger[0].finalRows().stream().anyMatch(row -> row.containsKey("_extra")), "schema drift is in the truth");
  }
}
