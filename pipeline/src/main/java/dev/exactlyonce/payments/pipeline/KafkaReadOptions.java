package dev.exactlyonce.payments.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Where the payment events come from. */
public interface KafkaReadOptions extends PipelineOptions {
  @Description("Kafka bootstrap servers, host:port[,host:port...].")
  @Validation.Required
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("Kafka topic with the payment events (JSON, one per record, key = transaction_id).")
  @Default.String("payments")
  String getTopic();

  void setTopic(String value);

  @Description(
      "Kafka consumer group. Offsets are committed to it when the runner finalizes a checkpoint, "
          + "so a restarted job continues where the last one finished.")
  @Default.String("payments-pipeline")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "Where a consumer group with no committed offsets starts: earliest or latest. "
          + "Committed offsets always win.")
  @Default.String("earliest")
  String getStartingOffsets();

  void setStartingOffsets(String value);

  @Description(
      "Bound on out-of-orderness in seconds: the watermark trails the newest event time by this "
          + "much. Payments older than the watermark still count, up to the deduplication horizon.")
  @Default.Long(30)
  Long getMaxOutOfOrdernessSeconds();

  void setMaxOutOfOrdernessSeconds(Long value);

  @Description(
      "Drain the run once this file exists: the watermark jumps to the end of time, every window "
          + "closes, every table is flushed and the pipeline finishes. For runners whose workers "
          + "see the file (local runs).")
  String getDrainSignalFile();

  void setDrainSignalFile(String value);
}
