package dev.exactlyonce.payments.pipeline;

import org.apache.beam.sdk.options.StreamingOptions;

/** Every option of the payments pipeline. */
public interface PaymentsPipelineOptions
    extends KafkaReadOptions, ProcessingOptions, BigQueryOutputOptions, StreamingOptions {}
