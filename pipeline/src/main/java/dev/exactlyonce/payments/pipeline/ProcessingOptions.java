package dev.exactlyonce.payments.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Deduplication, fraud rules and metrics windows. */
public interface ProcessingOptions extends PipelineOptions {
  @Description(
      "Deduplication horizon in minutes: copies of a payment whose Kafka record timestamp is up to "
          + "this long after the first copy's event time are dropped as duplicates, whatever their "
          + "own event time; later ones, and new payments that reach Kafka this long after their "
          + "event time, go to dead_letter as LATE.")
  @Default.Long(60)
  Long getDedupHorizonMinutes();

  void setDedupHorizonMinutes(Long value);

  @Description(
      "How far in seconds a payment's event_time may be ahead of its Kafka record's timestamp: "
          + "further, and it goes to dead_letter as BAD_TIMESTAMP instead of holding its fraud "
          + "score and metrics back until the clock catches up, and pushing the watermark past "
          + "older payments.")
  @Default.Long(300)
  Long getMaxClockSkewSeconds();

  void setMaxClockSkewSeconds(Long value);

  @Description(
      "Size in seconds of the event-time windows Deduplicate keeps its state in: its "
          + "granularity, not a limit on which copies are compared.")
  @Default.Long(10)
  Long getDedupWindowSeconds();

  void setDedupWindowSeconds(Long value);

  @Description("Size in seconds of the event-time windows of payment_metrics.")
  @Default.Long(60)
  Long getMetricsWindowSeconds();

  void setMetricsWindowSeconds(Long value);

  @Description("Amounts above this are HIGH risk (decimal, in the payment's currency).")
  @Default.String("5000")
  String getFraudHighAmount();

  void setFraudHighAmount(String value);

  @Description("Amounts above this are MEDIUM risk (decimal, in the payment's currency).")
  @Default.String("1000")
  String getFraudMediumAmount();

  void setFraudMediumAmount(String value);

  @Description("A sender with more than this many payments in the velocity window trips VELOCITY.")
  @Default.Integer(5)
  Integer getVelocityMaxPayments();

  void setVelocityMaxPayments(Integer value);

  @Description("Length in minutes of the sliding event-time velocity window.")
  @Default.Long(10)
  Long getVelocityWindowMinutes();

  void setVelocityWindowMinutes(Long value);
}
