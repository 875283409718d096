package dev.exactlyonce.payments.pipeline.cdc;

import dev.exactlyonce.payments.pipeline.InvalidOptionException;
import dev.exactlyonce.payments.pipeline.KafkaInput;
import dev.exactlyonce.payments.pipeline.Launcher;
import dev.exactlyonce.payments.pipeline.OptionChecks;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.cdc.ChangeTable;
import dev.exactlyonce.payments.transforms.cdc.DebeziumEnvelope;
import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import org.apache.beam.sdk.Pipeline;
import org.joda.time.Duration;

/**
 * The CDC pipeline's options, checked once at launch: every problem is reported as an {@link
 * InvalidOptionException} naming the option. {@link CdcGraph} builds the stages from these values.
 */
public final class CdcConfig implements Launcher.Job {
  private final CdcOptions options;
  private final ReadFromKafka read;
  private final ChangeTable table;
  private final BigQueryTables tables;
  private final Duration collapseWindow;

  private CdcConfig(CdcOptions options) {
    this.options = options;
    read = KafkaInput.from(options, DebeziumEnvelope::changeTimeOf);
    try {
      table = ChangeTable.of(options.getChangeTable(), options.getColumns(), options.getPrimaryKey());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("changeTable/--columns/--primaryKey", "has " + e.getMessage());
    }
    tables = PipelineConfig.tables(options);
    try {
      tables.checkedSpec(table.name());
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("changeTable", "has " + e.getMessage());
    }
    collapseWindow = OptionChecks.secondsAtLeast("collapseWindowSeconds", options.getCollapseWindowSeconds(), 1);
  }

  public static CdcConfig from(CdcOptions options) {
    return new CdcConfig(options);
  }

  @Override
  public CdcOptions options() {
    return options;
  }

  /** The payments pipeline's Kafka read, with timestamps from each change's {@code ts_ms}. */
  @Override
  public ReadFromKafka read() {
    return read;
  }

  @Override
  public String decisions() {
    return "";
  }

  @Override
  public void buildOn(Pipeline pipeline) {
    CdcPipeline.build(pipeline, read, CdcGraph.of(this));
  }

  public ChangeTable table() {
    return table;
  }

  /** The output dataset: the change table's, and the dead-letter table. */
  public BigQueryTables tables() {
    return tables;
  }

  public Duration collapseWindow() {
    return collapseWindow;
  }
}
