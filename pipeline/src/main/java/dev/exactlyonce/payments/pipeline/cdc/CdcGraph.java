package dev.exactlyonce.payments.pipeline.cdc;

import dev.exactlyonce.payments.transforms.cdc.ChangeEvent;
import dev.exactlyonce.payments.transforms.bigquery.WriteChangesToBigQuery;
import dev.exactlyonce.payments.transforms.cdc.CollapseToNewest;
import dev.exactlyonce.payments.transforms.cdc.ParseChangeEvents;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything after the Kafka read of change events:
 *
 * <pre>
 *   ParseChangeEvents -> CollapseToNewest -> WriteChangesToBigQuery
 *          '-- dead letters ------------------------^ (dead_letter)
 * </pre>
 *
 * <p>Each stage is built where it is applied, from the checked options of {@link CdcConfig}.
 * Tests feed it a {@code TestStream} of Kafka records.
 */
public final class CdcGraph extends PTransform<PCollection<KafkaRecord<byte[], byte[]>>, PDone> {
  private final CdcConfig config;
  private final @Nullable BigQueryServices services;
  private final @Nullable PTransform<PCollection<ChangeEvent>, PCollection<ChangeEvent>> afterParsing;

  private CdcGraph(
      CdcConfig config,
      @Nullable BigQueryServices services,
      @Nullable PTransform<PCollection<ChangeEvent>, PCollection<ChangeEvent>> afterParsing) {
    this.config = config;
    this.services = services;
    this.afterParsing = afterParsing;
  }

  public static CdcGraph of(CdcConfig config) {
    return new CdcGraph(config, null, null);
  }

  /** Writes through {@code services} instead of BigQuery: the local stand-in, or a fake. */
  public CdcGraph withServices(BigQueryServices services) {
    return new CdcGraph(config, services, afterParsing);
  }

  /** Adds a stage after parsing that passes every change on: where a failure drill throws once. */
  public CdcGraph withDrillAfterParsing(PTransform<PCollection<ChangeEvent>, PCollection<ChangeEvent>> drill) {
    return new CdcGraph(config, services, drill);
  }

  @Override
  public PDone expand(PCollection<KafkaRecord<byte[], byte[]>> records) {
    PCollectionTuple parsed =
        records.apply("ParseChangeEvents", ParseChangeEvents.keyedBy(config.table().primaryKey()));
    PCollection<ChangeEvent> changes = parsed.get(ParseChangeEvents.CHANGES);
    if (afterParsing != null) {
      changes = changes.apply("FailureDrill", afterParsing);
    }
    PCollection<ChangeEvent> newest =
        changes.apply("CollapseToNewest", CollapseToNewest.create().withWindowSize(config.collapseWindow()));
    WriteChangesToBigQuery write = WriteChangesToBigQuery.to(config.tables(), config.table());
    return PCollectionTuple.of(WriteChangesToBigQuery.CHANGES, newest)
        .and(WriteChangesToBigQuery.DEAD_LETTERS, parsed.get(ParseChangeEvents.DEAD_LETTERS))
        .apply("WriteChangesToBigQuery", services == null ? write : write.withServices(services));
  }
}
