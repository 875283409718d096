package dev.exactlyonce.payments.transforms.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.beam.sdk.io.gcp.bigquery.RowMutationInformation;
import org.junit.jupiter.api.Test;

class ChangeSequenceTest {
  @Test
  void laterChangeTimeWinsWhateverTheLogPosition() {
    assertTrue(ChangeSequence.compare(ChangeSequence.of(2_000, 1), ChangeSequence.of(1_999, 900)) > 0);
  }

  @Test
  void logPositionBreaksTiesWithinOneMillisecond() {
    assertTrue(ChangeSequence.compare(ChangeSequence.of(2_000, 7), ChangeSequence.of(2_000, 8)) < 0);
    assertEquals(0, ChangeSequence.compare(ChangeSequence.of(2_000, 8), ChangeSequence.of(2_000, 8)));
  }

  /** Sections compare as numbers, not text, and a missing section is lower (BigQuery's rules). */
  @Test
  void sectionsCompareNumericallyAndAMissingSectionIsLower() {
    assertTrue(ChangeSequence.compare("ABC", "B") > 0);
    assertTrue(ChangeSequence.compare("FFF/B", "FFF/ABC") < 0);
    assertTrue(ChangeSequence.compare("ABC", "BA/FFFFFFFF") > 0);
    assertTrue(ChangeSequence.compare("FFF/ABC", "ABC") > 0);
    assertTrue(ChangeSequence.compare("FFFFFFFFFFFFFFFF", "7FFFFFFFFFFFFFFF") > 0, "unsigned");
  }

  @Test
  void sequencesAreInTheFormBeamAndBigQueryAccept() {
    String sequence = ChangeSequence.of(1_767_261_600_000L, Long.MAX_VALUE);
    assertTrue(ChangeSequence.isValid(sequence));
    RowMutationInformation.of(RowMutationInformation.MutationType.UPSERT, sequence);
    assertFalse(ChangeSequence.isValid("1/2/3/4/5"));
    assertFalse(ChangeSequence.isValid("xyz"));
    assertThrows(IllegalArgumentException.class, () -> ChangeSequence.of(-1, 0));
  }
}
