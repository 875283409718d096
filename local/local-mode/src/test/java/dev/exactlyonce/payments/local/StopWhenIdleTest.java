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
  private static final long JUST_STARTED = 5_000;

  @Test
  void aReaderThatHasReadNothingWhileTheGroupLagsIsStillConnecting() throws Exception {
    assertFalse(RunUntilIdle.readerCaughtUp(LIVE_METRICS, 0, JUST_STARTED, () -> 796));
  }

  @Test
  void aReaderThatHasReadNothingMayDrainAnInputWithNothingLeftToRead() throws Exception {
    assertTrue(RunUntilIdle.readerCaughtUp(LIVE_METRICS, 0, JUST_STARTED, () -> 0));
  }

  @Test
  void aReaderThatHasReadIsJudgedByItsOwnCountWithoutAskingKafka() throws Exception {
    assertTrue(RunUntilIdle.readerCaughtUp(LIVE_METRICS, 5, JUST_STARTED, () -> {
      throw new AssertionError("the lag is not needed once records are read");
    }));
  }

  /** A new group at the latest offsets of a quiet topic reads nothing and commits nothing. */
  @Test
  void aReaderThatStillHasReadNothingAfterTheGraceIsIdle() throws Exception {
    assertTrue(RunUntilIdle.readerCaughtUp(LIVE_METRICS, 0, RunUntilIdle.CONNECT_GRACE_MILLIS, () -> 796));
    assertFalse(RunUntilIdle.readerCaughtUp(ATTACHED, 0, RunUntilIdle.CONNECT_GRACE_MILLIS, () -> 796),
        "an attached job may take longer to start; it waits for its commits");
  }

  @Test
  void kafkaNotAnsweringIsNoProofOfIdleInput() throws Exception {
    assertFalse(RunUntilIdle.readerCaughtUp(LIVE_METRICS, 0, JUST_STARTED, () -> -1));
    assertFalse(RunUntilIdle.readerCaughtUp(ATTACHED, 5, JUST_STARTED, () -> -1));
  }

  @Test
  void anAttachedJobDrainsOnlyOnceTheGroupCommittedTheTopic() throws Exception {
    assertFalse(RunUntilIdle.readerCaughtUp(ATTACHED, 796, JUST_STARTED, () -> 3));
    assertTrue(RunUntilIdle.readerCaughtUp(ATTACHED, 796, JUST_STARTED, () -> 0));
  }
}
