package dev.exactlyonce.payments.model;

/** Coarse risk band derived from a 0-100 score. */
public enum RiskLevel {
  LOW,
  MEDIUM,
  HIGH
}
