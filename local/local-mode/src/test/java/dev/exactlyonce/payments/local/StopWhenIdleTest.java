package dev.exactlyonce.payments.local;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * When quiet input lets a local run drain. A run that drained before its reader had connected
 * stopped with 646 of 796 records read (SecuredKafkaIntegrationTest on a busy machine: the TLS and
 * SCRAM handshake outlasted the five idle seconds).
 */
class StopWhenIdleTest {
  private static final boolean LIVE_METRICS = true;
  private static final boolean ATTACHED = false;

  @Test
  void aReaderThatHasReadNothingWhileTheGroupLagsIsStillConnecting() throws Exception {
    assertFalse(LocalPipeline.readerCaughtUp(LIVE_METRICS, 0, () -> 796));
  }

  @Test
  void aReaderThatHasReadNothingMayDrainAnInputWithNothingLeftToRead() throws Exception {
    assertTrue(LocalPipeline.readerCaughtUp(LIVE_METRICS, 0, () -> 0));
  }

  @Test
  void aReaderThatHasReadIsJudgedByItsOwnCountWithoutAskingKafka() throws Exception {
    assertTrue(LocalPipeline.readerCaughtUp(LIVE_METRICS, 5, () -> {
      throw new AssertionError("the lag is not needed once records are read");
    }));
  }

  @Test
  void kafkaNotAnsweringIsNoProofOfIdleInput() throws Exception {
    assertFalse(LocalPipeline.readerCaughtUp(LIVE_METRICS, 0, () -> -1));
    assertFalse(LocalPipeline.readerCaughtUp(ATTACHED, 5, () -> -1));
  }

  @Test
  void anAttachedJobDrainsOnlyOnceTheGroupCommittedTheTopic() throws Exception {
    assertFalse(LocalPipeline.readerCaughtUp(ATTACHED, 796, () -> 3));
    assertTrue(LocalPipeline.readerCaughtUp(ATTACHED, 796, () -> 0));
  }
}
