package dev.exactlyonce.payments.pipeline;

import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PDone;

/**
 * Kafka to BigQuery, exactly once: {@code ReadFromKafka}, then the {@link PaymentsGraph} (parse,
 * deduplicate, score, aggregate, write). The runner comes from {@code --runner} at launch; {@code
 * runners/} and {@code templates/} launch it with their runner's defaults.
 */
public final class PaymentsPipeline {
  private PaymentsPipeline() {}

  /** Launches with the payments pipeline's options, as every launcher here does. */
  public static Launcher<PaymentsPipelineOptions> launcher() {
    return Launcher.of(PaymentsPipelineOptions.class, PipelineConfig::from);
  }

  public static void main(String[] args) {
    int status = launcher().launch(args, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** The whole pipeline: {@code read}, then {@code graph}. */
  public static PDone build(Pipeline pipeline, ReadFromKafka read, PaymentsGraph graph) {
    return pipeline.apply("ReadFromKafka", read).apply("Payments", graph);
  }

  public static PaymentsPipelineOptions parseOptions(String... args) {
    return launcher().parse(args);
  }
}
