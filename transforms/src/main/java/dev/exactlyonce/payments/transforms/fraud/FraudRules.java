package dev.exactlyonce.payments.transforms.fraud;

import dev.exactlyonce.payments.model.Payment;
import dev.exactlyonce.payments.model.RiskLevel;
import dev.exactlyonce.payments.model.ScoredPayment;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.joda.time.Duration;

/**
 * The deterministic fraud rules and their thresholds. Each rule that fires adds its weight to the
 * score (capped at 100) and its name to the reasons; the level follows from the score. With the
 * default weights a high amount alone makes a payment HIGH risk and a medium amount alone MEDIUM,
 * as in the rules this product grew from.
 */
public final class FraudRules implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String AMOUNT_HIGH = "AMOUNT_HIGH";
  public static final String AMOUNT_MEDIUM = "AMOUNT_MEDIUM";
  public static final String VELOCITY = "VELOCITY";
  public static final String SELF_TRANSFER = "SELF_TRANSFER";

  static final int AMOUNT_HIGH_WEIGHT = 70;
  static final int AMOUNT_MEDIUM_WEIGHT = 40;
  static final int VELOCITY_WEIGHT = 30;
  static final int SELF_TRANSFER_WEIGHT = 40;
  static final int HIGH_LEVEL_FROM = 70;
  static final int MEDIUM_LEVEL_FROM = 40;
  private static final int MAX_SCORE = 100;

  private final BigDecimal highAmount;
  private final BigDecimal mediumAmount;
  private final int velocityMaxPayments;
  private final Duration velocityWindow;

  private FraudRules(
      BigDecimal highAmount,
      BigDecimal mediumAmount,
      int velocityMaxPayments,
      Duration velocityWindow) {
    if (mediumAmount.signum() <= 0 || highAmount.compareTo(mediumAmount) <= 0) {
      throw new IllegalArgumentException(
          "fraud thresholds need 0 < medium amount < high amount, were "
              + mediumAmount.toPlainString()
              + " and "
              + highAmount.toPlainString());
    }
    if (velocityMaxPayments < 1) {
      throw new IllegalArgumentException(
          "velocity limit must be at least 1 payment, was " + velocityMaxPayments);
    }
    if (!velocityWindow.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("velocity window must be positive, was " + velocityWindow);
    }
    this.highAmount = highAmount;
    this.mediumAmount = mediumAmount;
    this.velocityMaxPayments = velocityMaxPayments;
    this.velocityWindow = velocityWindow;
  }

  /** More than 5000 is HIGH, more than 1000 MEDIUM, more than 5 payments in 10 minutes VELOCITY. */
  public static FraudRules defaults() {
    return new FraudRules(
        new BigDecimal("5000"), new BigDecimal("1000"), 5, Duration.standardMinutes(10));
  }

  public FraudRules withAmountThresholds(BigDecimal medium, BigDecimal high) {
    return new FraudRules(high, medium, velocityMaxPayments, velocityWindow);
  }

  /** A sender with more than {@code maxPayments} payments within {@code window} trips VELOCITY. */
  public FraudRules withVelocity(int maxPayments, Duration window) {
    return new FraudRules(highAmount, mediumAmount, maxPayments, window);
  }

  public Duration velocityWindow() {
    return velocityWindow;
  }

  /**
   * Scores one payment, given how many payments its sender made in the velocity window ending at
   * its event time, itself included.
   */
  public ScoredPayment score(Payment payment, int senderPaymentsInWindow) {
    List<String> reasons = new ArrayList<>();
    int score = 0;
    if (payment.getAmount().compareTo(highAmount) > 0) {
      score += AMOUNT_HIGH_WEIGHT;
      reasons.add(AMOUNT_HIGH);
    } else if (payment.getAmount().compareTo(mediumAmount) > 0) {
      score += AMOUNT_MEDIUM_WEIGHT;
      reasons.add(AMOUNT_MEDIUM);
    }
    if (senderPaymentsInWindow > velocityMaxPayments) {
      score += VELOCITY_WEIGHT;
      reasons.add(VELOCITY);
    }
    if (payment.getSenderAccount().equals(payment.getReceiverAccount())) {
      score += SELF_TRANSFER_WEIGHT;
      reasons.add(SELF_TRANSFER);
    }
    score = Math.min(score, MAX_SCORE);
    return ScoredPayment.of(payment, score, levelOf(score), reasons);
  }

  static RiskLevel levelOf(int score) {
    if (score >= HIGH_LEVEL_FROM) {
      return RiskLevel.HIGH;
    }
    return score >= MEDIUM_LEVEL_FROM ? RiskLevel.MEDIUM : RiskLevel.LOW;
  }
}
