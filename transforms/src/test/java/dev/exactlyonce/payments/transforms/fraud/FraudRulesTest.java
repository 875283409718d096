package dev.exactlyonce.payments.transforms.fraud;

import static dev.exactlyonce.payments.model.RiskLevel.HIGH;
import static dev.exactlyonce.payments.model.RiskLevel.LOW;
import static dev.exactlyonce.payments.model.RiskLevel.MEDIUM;
import static dev.exactlyonce.payments.transforms.fraud.FraudRules.AMOUNT_HIGH;
import static dev.exactlyonce.payments.transforms.fraud.FraudRules.AMOUNT_MEDIUM;
import static dev.exactlyonce.payments.transforms.fraud.FraudRules.SELF_TRANSFER;
import static dev.exactlyonce.payments.transforms.fraud.FraudRules.VELOCITY;
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
import java.util.stream.Stream;
import org.joda.time.Duration;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Scores, levels and reasons of the default and customised {@link FraudRules}. */
class FraudRulesTest {
  private static final FraudRules DEFAULTS = FraudRules.defaults();
  /** One payment in the window: below the default velocity limit of 5. */
  private static final int ALONE = 1;
  private static final int AT_THE_LIMIT = 5;
  private static final int ONE_TOO_MANY = 6;

  private static final FraudRules HUNDRED_AND_FIVE_HUNDRED =
      DEFAULTS.withAmountThresholds(new BigDecimal("100"), new BigDecimal("500"));

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

  /** What the rules should make of one payment; shown by its description. */
  private record Scoring(
      String description, FraudRules rules, Payment payment, int paymentsInWindow,
      int score, RiskLevel level, List<String> reasons) {
    @Override
    public String toString() {
      return description;
    }
  }

  private static Scoring scores(String description, FraudRules rules, Payment payment,
      int paymentsInWindow, int score, RiskLevel level, String... reasons) {
    return new Scoring(description, rules, payment, paymentsInWindow, score, level, List.of(reasons));
  }

  static Stream<Scoring> scoredPayments() {
    return Stream.of(
        scores("above 5000 is HIGH", DEFAULTS, payment("5000.01"), ALONE, 70, HIGH, AMOUNT_HIGH),
        scores("exactly 5000 is MEDIUM, not HIGH", DEFAULTS, payment("5000.00"), ALONE, 40, MEDIUM, AMOUNT_MEDIUM),
        scores("above 1000 is MEDIUM", DEFAULTS, payment("1000.01"), ALONE, 40, MEDIUM, AMOUNT_MEDIUM),
        scores("exactly 1000 is LOW with no reasons", DEFAULTS, payment("1000.00"), ALONE, 0, LOW),
        scores("a small amount is LOW with no reasons", DEFAULTS, payment("12.50"), ALONE, 0, LOW),
        scores("velocity above the limit adds VELOCITY", DEFAULTS, payment("12.50"), ONE_TOO_MANY, 30, LOW, VELOCITY),
        scores("velocity at exactly the limit adds nothing", DEFAULTS, payment("12.50"), AT_THE_LIMIT, 0, LOW),
        scores("velocity with a medium amount is HIGH", DEFAULTS, payment("2000.00"), ONE_TOO_MANY, 70, HIGH, AMOUNT_MEDIUM, VELOCITY),
        scores("a self-transfer adds SELF_TRANSFER", DEFAULTS, selfTransfer("12.50"), ALONE, 40, MEDIUM, SELF_TRANSFER),
        scores("all rules together are capped at 100", DEFAULTS, selfTransfer("9000.00"), ONE_TOO_MANY, 100, HIGH, AMOUNT_HIGH, VELOCITY, SELF_TRANSFER),
        scores("a high amount and a self-transfer are capped at 100", DEFAULTS, selfTransfer("6000.00"), ALONE, 100, HIGH, AMOUNT_HIGH, SELF_TRANSFER),
        scores("velocity and a self-transfer below the cap add up", DEFAULTS, selfTransfer("10.00"), ONE_TOO_MANY, 70, HIGH, VELOCITY, SELF_TRANSFER),
        // Custom thresholds move the bands: the same edges as the defaults', at 100 and 500.
        scores("thresholds 100/500: exactly 100 is LOW", HUNDRED_AND_FIVE_HUNDRED, payment("100.00"), ALONE, 0, LOW),
        scores("thresholds 100/500: above 100 is MEDIUM", HUNDRED_AND_FIVE_HUNDRED, payment("100.01"), ALONE, 40, MEDIUM, AMOUNT_MEDIUM),
        scores("thresholds 100/500: exactly 500 is MEDIUM", HUNDRED_AND_FIVE_HUNDRED, payment("500.00"), ALONE, 40, MEDIUM, AMOUNT_MEDIUM),
        scores("thresholds 100/500: above 500 is HIGH", HUNDRED_AND_FIVE_HUNDRED, payment("500.01"), ALONE, 70, HIGH, AMOUNT_HIGH));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scoredPayments")
  void testScore(Scoring expected) {
    assertScored(
        expected.rules().score(expected.payment(), expected.paymentsInWindow()),
        expected.score(),
        expected.level(),
        expected.reasons());
  }

  @Test
  void testScoredPaymentCarriesThePayment() {
    Payment payment = payment("12.50");

    assertSame(payment, DEFAULTS.score(payment, ALONE).getPayment());
  }

  @Test
  void testDefaultVelocityWindowIsTenMinutes() {
    assertEquals(Duration.standardMinutes(10), DEFAULTS.velocityWindow());
  }

  @Test
  void testCustomAmountThresholdsKeepVelocitySettings() {
    FraudRules rules =
        DEFAULTS
            .withVelocity(2, Duration.standardMinutes(3))
            .withAmountThresholds(new BigDecimal("100"), new BigDecimal("500"));

    assertEquals(Duration.standardMinutes(3), rules.velocityWindow());
    assertEquals(List.of(VELOCITY), rules.score(payment("1.00"), 3).getRiskReasons());
  }

  @Test
  void testCustomVelocityLimitMovesTheThreshold() {
    FraudRules rules = DEFAULTS.withVelocity(2, Duration.standardMinutes(1));

    assertEquals(List.of(), rules.score(payment("1.00"), 2).getRiskReasons());
    assertEquals(List.of(VELOCITY), rules.score(payment("1.00"), 3).getRiskReasons());
    assertEquals(Duration.standardMinutes(1), rules.velocityWindow());
  }

  @Test
  void testCustomVelocityKeepsAmountThresholds() {
    FraudRules rules = HUNDRED_AND_FIVE_HUNDRED.withVelocity(10, Duration.standardMinutes(30));

    assertEquals(List.of(AMOUNT_HIGH), rules.score(payment("600.00"), ALONE).getRiskReasons());
  }

  @Test
  void testDefaultsAreUnchangedByCustomisation() {
    DEFAULTS.withAmountThresholds(new BigDecimal("1"), new BigDecimal("2")).withVelocity(1, Duration.millis(1));

    assertScored(DEFAULTS.score(payment("12.50"), AT_THE_LIMIT), 0, LOW, List.of());
  }

  /** A customisation the rules must refuse, and what the refusal's message must name. */
  private static Arguments refused(String description, Executable customisation, String... named) {
    return Arguments.of(Named.of(description, customisation), List.of(named));
  }

  static Stream<Arguments> refusedCustomisations() {
    return Stream.of(
        refused(
            "medium amount equal to high",
            () -> DEFAULTS.withAmountThresholds(new BigDecimal("500"), new BigDecimal("500")),
            "medium amount < high amount"),
        refused(
            "medium amount above high",
            () -> DEFAULTS.withAmountThresholds(new BigDecimal("600"), new BigDecimal("500")),
            "600",
            "500"),
        refused(
            "zero medium amount",
            () -> DEFAULTS.withAmountThresholds(BigDecimal.ZERO, new BigDecimal("500")),
            "0 < medium amount"),
        refused(
            "negative medium amount",
            () -> DEFAULTS.withAmountThresholds(new BigDecimal("-1"), new BigDecimal("500"))),
        refused(
            "velocity limit below one",
            () -> DEFAULTS.withVelocity(0, Duration.standardMinutes(10)),
            "velocity limit"),
        refused(
            "zero velocity window",
            () -> DEFAULTS.withVelocity(5, Duration.ZERO),
            "velocity window"),
        refused(
            "negative velocity window",
            () -> DEFAULTS.withVelocity(5, Duration.standardMinutes(-1)),
            "velocity window"));
  }

  @ParameterizedTest(name = "{0} is rejected")
  @MethodSource("refusedCustomisations")
  void testInvalidCustomisationIsRejected(Executable customisation, List<String> named) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, customisation);
    for (String expected : named) {
      assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
  }
}
