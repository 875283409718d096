package dev.exactlyonce.payments.transforms.bigquery;

import java.io.Serializable;
import java.util.regex.Pattern;

/** Where the five tables live: one project and dataset, a name per table. Immutable. */
public final class BigQueryTables implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String DEFAULT_TRANSACTIONS = "payment_transactions";
  public static final String DEFAULT_FRAUD = "payment_transactions_fraud";
  public static final String DEFAULT_METRICS = "payment_metrics";
  public static final String DEFAULT_AUDIT = "deduplication_audit";
  public static final String DEFAULT_DEAD_LETTER = "dead_letter";

  /** BigQuery's rules, so a bad name fails at launch and not at the first write. */
  private static final Pattern PROJECT = Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]");

  private static final Pattern DATASET = Pattern.compile("[A-Za-z0-9_]{1,1024}");
  private static final Pattern TABLE = Pattern.compile("[\\p{L}\\p{M}\\p{N}\\p{Pc}\\p{Pd} ]{1,1024}");

  private final String project;
  private final String dataset;
  private final String transactions;
  private final String fraud;
  private final String metrics;
  private final String audit;
  private final String deadLetter;

  private BigQueryTables(
      String project,
      String dataset,
      String transactions,
      String fraud,
      String metrics,
      String audit,
      String deadLetter) {
    this.project = check(PROJECT, "project", project);
    this.dataset = check(DATASET, "dataset", dataset);
    this.transactions = check(TABLE, "transactions table", transactions);
    this.fraud = check(TABLE, "fraud table", fraud);
    this.metrics = check(TABLE, "metrics table", metrics);
    this.audit = check(TABLE, "audit table", audit);
    this.deadLetter = check(TABLE, "dead-letter table", deadLetter);
  }

  /** The default table names in {@code project:dataset}. */
  public static BigQueryTables in(String project, String dataset) {
    return new BigQueryTables(
        project,
        dataset,
        DEFAULT_TRANSACTIONS,
        DEFAULT_FRAUD,
        DEFAULT_METRICS,
        DEFAULT_AUDIT,
        DEFAULT_DEAD_LETTER);
  }

  public BigQueryTables withTableNames(
      String transactions, String fraud, String metrics, String audit, String deadLetter) {
    return new BigQueryTables(project, dataset, transactions, fraud, metrics, audit, deadLetter);
  }

  public String project() {
    return project;
  }

  public String dataset() {
    return dataset;
  }

  public String transactions() {
    return transactions;
  }

  public String fraud() {
    return fraud;
  }

  public String metrics() {
    return metrics;
  }

  public String audit() {
    return audit;
  }

  public String deadLetter() {
    return deadLetter;
  }

  /** {@code project:dataset.table} of a further table, its name checked as the five are. */
  public String checkedSpec(String table) {
    return spec(check(TABLE, "table", table));
  }

  /** {@code project:dataset.table}, the spec BigQueryIO takes. */
  public String spec(String table) {
    return project + ":" + dataset + "." + table;
  }

  private static String check(Pattern rule, String what, String value) {
    if (value == null || !rule.matcher(value).matches()) {
      throw new IllegalArgumentException("invalid BigQuery " + what + " name: '" + value + "'");
    }
    return value;
  }
}
