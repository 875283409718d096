package dev.exactlyonce.payments.transforms.fraud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.RiskLevel;
import dev.exactlyonce.payments.model.ScoredPayment;
import dev.exactlyonce.payments.transforms.TestEvents;
import java.math.BigDecimal;
import java.util.List;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/** Scores, levels and reasons of the default and customised {@link FraudRules}. */
class FraudRulesTest {
  private static final FraudRules DEFAULTS = FraudRules.defaults();
  /** One payment in the window: below the default velocity limit of 5. */
  private static final int ALONE = 1;

  private static Payment payment(String amount) {
    return TestEvents.payment(1, "tx-1", amount, "USD", TestEvents.T0);
  }

  private static Payment selfTransfer(String amount) {
    return TestEvents.payment(
        1, TestEvents.json("tx-1", "ACC-1", "ACC-1", amount, "USD", TestEvents.T0));
  }

  private static void assertScored(
      ScoredPayment scored, int score, RiskLevel level, List<String> reasons) {
    assertEquals(score, scored.getRiskScore(), "score");
    assertEquals(level, scored.getRiskLevel(), "level");
    assertEquals(reasons, scored.getRiskReasons(), "reasons");
  }

  @Test
  void testAmountAboveFiveThousandIsHighWithAmountHigh() {
    assertScored(
        DEFAULTS.score(payment("5000.01"), ALONE), 70, RiskLevel.HIGH, List.of(FraudRules.AMOUNT_HIGH));
  }

  @Test
  void testAmountOfExactlyFiveThousandIsMediumNotHigh() {
    assertScored(
        DEFAULTS.score(payment("5000.00"), ALONE),
        40,
        RiskLevel.MEDIUM,
        List.of(FraudRules.AMOUNT_MEDIUM));
  }

  @Test
  void testAmountAboveOneThousandIsMediumWithAmountMedium() {
    assertScored(
        DEFAULTS.score(payment("1000.01"), ALONE),
        40,
        RiskLevel.MEDIUM,
        List.of(FraudRules.AMOUNT_MEDIUM));
  }

  @Test
  void testAmountOfExactlyOneThousandIsLowWithNoReasons() {
    assertScored(DEFAULTS.score(payment("1000.00"), ALONE), 0, RiskLevel.LOW, List.of());
  }

  @Test
  void testSmallAmountIsLowWithNoReasons() {
    assertScored(DEFAULTS.score(payment("12.50"), ALONE), 0, RiskLevel.LOW, List.of());
  }

  @Test
  void testScoredPaymentCarriesThePayment() {
    Payment payment = payment("12.50");

    assertSame(payment, DEFAULTS.score(payment, ALONE).getPayment());
  }

  @Test
  void testVelocityAboveLimitAddsVelocity() {
    assertScored(DEFAULTS.score(payment("12.50"), 6), 30, RiskLevel.LOW, List.of(FraudRules.VELOCITY));
  }

  @Test
  void testVelocityAtExactlyTheLimitDoesNotAddVelocity() {
    assertScored(DEFAULTS.score(payment("12.50"), 5), 0, RiskLevel.LOW, List.of());
  }

  @Test
  void testVelocityWithMediumAmountIsHigh() {
    assertScored(
        DEFAULTS.score(payment("2000.00"), 6),
        70,
        RiskLevel.HIGH,
        List.of(FraudRules.AMOUNT_MEDIUM, FraudRules.VELOCITY));
  }

  @Test
  void testSelfTransferAddsSelfTransfer() {
    assertScored(
        DEFAULTS.score(selfTransfer("12.50"), ALONE),
        40,
        RiskLevel.MEDIUM,
        List.of(FraudRules.SELF_TRANSFER));
  }

  @Test
  void testAllRulesTogetherAreCappedAtOneHundred() {
    assertScored(
        DEFAULTS.score(selfTransfer("9000.00"), 6),
        100,
        RiskLevel.HIGH,
        List.of(FraudRules.AMOUNT_HIGH, FraudRules.VELOCITY, FraudRules.SELF_TRANSFER));
  }

  @Test
  void testHighAmountAndSelfTransferAreCappedAtOneHundred() {
    assertScored(
        DEFAULTS.score(selfTransfer("6000.00"), ALONE),
        100,
        RiskLevel.HIGH,
        List.of(FraudRules.AMOUNT_HIGH, FraudRules.SELF_TRANSFER));
  }

  @Test
  void testVelocityAndSelfTransferBelowCapAddUp() {
    assertScored(
        DEFAULTS.score(selfTransfer("10.00"), 6),
        70,
        RiskLevel.HIGH,
        List.of(FraudRules.VELOCITY, FraudRules.SELF_TRANSFER));
  }

  @Test
  void testDefaultVelocityWindowIsTenMinutes() {
    assertEquals(Duration.standardMinutes(10), DEFAULTS.velocityWindow());
  }

  @Test
  void testCustomAmountThresholdsMoveTheBands() {
    FraudRules rules = DEFAULTS.withAmountThresholds(new BigDecimal("100"), new BigDecimal("500"));

    assertScored(rules.score(payment("100.00"), ALONE), 0, RiskLevel.LOW, List.of());
    assertScored(
        rules.score(payment("100.01"), ALONE), 40, RiskLevel.MEDIUM, List.of(FraudRules.AMOUNT_MEDIUM));
    assertScored(
        rules.score(payment("500.00"), ALONE), 40, RiskLevel.MEDIUM, List.of(FraudRules.AMOUNT_MEDIUM));
    assertScored(
        rules.score(payment("500.01"), ALONE), 70, RiskLevel.HIGH, List.of(FraudRules.AMOUNT_HIGH));
  }

  @Test
  void testCustomAmountThresholdsKeepVelocitySettings() {
    FraudRules rules =
        DEFAULTS
            .withVelocity(2, Duration.standardMinutes(3))
            .withAmountThresholds(new BigDecimal("100"), new BigDecimal("500"));

    assertEquals(Duration.standardMinutes(3), rules.velocityWindow());
    assertEquals(List.of(FraudRules.VELOCITY), rules.score(payment("1.00"), 3).getRiskReasons());
  }

  @Test
  void testCustomVelocityLimitMovesTheThreshold() {
    FraudRules rules = DEFAULTS.withVelocity(2, Duration.standardMinutes(1));

    assertEquals(List.of(), rules.score(payment("1.00"), 2).getRiskReasons());
    assertEquals(List.of(FraudRules.VELOCITY), rules.score(payment("1.00"), 3).getRiskReasons());
    assertEquals(Duration.standardMinutes(1), rules.velocityWindow());
  }

  @Test
  void testCustomVelocityKeepsAmountThresholds() {
    FraudRules rules =
        DEFAULTS
            .withAmountThresholds(new BigDecimal("100"), new BigDecimal("500"))
            .withVelocity(10, Duration.standardMinutes(30));

    assertEquals(List.of(FraudRules.AMOUNT_HIGH), rules.score(payment("600.00"), ALONE).getRiskReasons());
  }

  @Test
  void testDefaultsAreUnchangedByCustomisation() {
    DEFAULTS.withAmountThresholds(new BigDecimal("1"), new BigDecimal("2")).withVelocity(1, Duration.millis(1));

    assertScored(DEFAULTS.score(payment("12.50"), 5), 0, RiskLevel.LOW, List.of());
  }

  @Test
  void testMediumEqualToHighIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DEFAULTS.withAmountThresholds(new BigDecimal("500"), new BigDecimal("500")));
    assertTrue(e.getMessage().contains("medium amount < high amount"), e.getMessage());
  }

  @Test
  void testMediumAboveHighIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DEFAULTS.withAmountThresholds(new BigDecimal("600"), new BigDecimal("500")));
    assertTrue(e.getMessage().contains("600"), e.getMessage());
    assertTrue(e.getMessage().contains("500"), e.getMessage());
  }

  @Test
  void testZeroMediumAmountIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DEFAULTS.withAmountThresholds(BigDecimal.ZERO, new BigDecimal("500")));
    assertTrue(e.getMessage().contains("0 < medium amount"), e.getMessage());
  }

  @Test
  void testNegativeMediumAmountIsRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> DEFAULTS.withAmountThresholds(new BigDecimal("-1"), new BigDecimal("500")));
  }

  @Test
  void testVelocityLimitBelowOneIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DEFAULTS.withVelocity(0, Duration.standardMinutes(10)));
    assertTrue(e.getMessage().contains("velocity limit"), e.getMessage());
  }

  @Test
  void testZeroVelocityWindowIsRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withVelocity(5, Duration.ZERO));
    assertTrue(e.getMessage().contains("velocity window"), e.getMessage());
  }

  @Test
  void testNegativeVelocityWindowIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DEFAULTS.withVelocity(5, Duration.standardMinutes(-1)));
    assertTrue(e.getMessage().contains("velocity window"), e.getMessage());
  }
}
