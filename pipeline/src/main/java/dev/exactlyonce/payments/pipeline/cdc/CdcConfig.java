package dev.exactlyonce.payments.pipeline.cdc;

import dev.exactlyonce.payments.pipeline.InvalidOptionException;
import dev.exactlyonce.payments.pipeline.KafkaSecuritySettings;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.bigquery.WriteChangesToBigQuery;
import dev.exactlyonce.payments.transforms.cdc.ChangeTable;
import dev.exactlyonce.payments.transforms.cdc.CollapseToNewest;
import dev.exactlyonce.payments.transforms.cdc.DebeziumEnvelope;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity;
import dev.exactlyonce.payments.transforms.kafka.PaymentTimestampPolicy;
import java.util.Locale;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.joda.time.Duration;

/**
 * The CDC pipeline's options, checked once at launch and turned into the transforms' own
 * configuration. Every problem is reported as an {@link InvalidOptionException} naming the option.
 */
public final class CdcConfig {
  private final CdcOptions options;
  private final ChangeTable table;
  private final CollapseToNewest collapse;
  private final WriteChangesToBigQuery write;
  private final Duration maxOutOfOrderness;
  private final KafkaClientSecurity kafkaSecurity;

  private CdcConfig(CdcOptions options) {
    this.options = options;
    PipelineConfig.required("bootstrapServers", options.getBootstrapServers());
    PipelineConfig.required("topic", options.getTopic());
    PipelineConfig.required("consumerGroup", options.getConsumerGroup());
    PipelineConfig.startingOffsets(options.getStartingOffsets());
    kafkaSecurity = KafkaSecuritySettings.from(options);
    maxOutOfOrderness =
        Duration.standardSeconds(PipelineConfig.atLeast("maxOutOfOrdernessSeconds", options.getMaxOutOfOrdernessSeconds(), 0));
    PipelineConfig.atLeast("failOnceAfterChanges", options.getFailOnceAfterChanges(), 0);
    try {
      table = ChangeTable.of(options.getChangeTable(), options.getColumns(), options.getPrimaryKey());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("changeTable/--columns/--primaryKey", "has " + e.getMessage());
    }
    BigQueryTables tables = PipelineConfig.tables(options);
    try {
      tables.checkedSpec(table.name());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("changeTable", "has " + e.getMessage());
    }
    collapse =
        CollapseToNewest.create()
            .withWindowSize(Duration.standardSeconds(
                PipelineConfig.atLeast("collapseWindowSeconds", options.getCollapseWindowSeconds(), 1)));
    write = WriteChangesToBigQuery.to(tables, table);
  }

  public static CdcConfig from(CdcOptions options) {
    return new CdcConfig(options);
  }

  /** How the Kafka clients authenticate, as for the payments pipeline. */
  public KafkaClientSecurity kafkaSecurity() {
    return kafkaSecurity;
  }

  public CdcOptions options() {
    return options;
  }

  public ChangeTable table() {
    return table;
  }

  public CollapseToNewest collapse() {
    return collapse;
  }

  public WriteChangesToBigQuery write() {
    return write;
  }

  public String startingOffsets() {
    return options.getStartingOffsets().toLowerCase(Locale.ROOT);
  }

  /** Timestamps and watermark by each change's {@code ts_ms}, never behind the watermark. */
  public TimestampPolicyFactory<byte[], byte[]> timestampPolicy() {
    return PaymentTimestampPolicy.factory(
        maxOutOfOrderness, PipelineConfig.drainSignal(options), DebeziumEnvelope::changeTimeOf);
  }
}
