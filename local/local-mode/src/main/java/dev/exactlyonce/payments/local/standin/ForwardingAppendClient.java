package dev.exactlyonce.payments.local.standin;

import com.google.cloud.bigquery.storage.v1.TableSchema;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices.StreamAppendClient;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryHelpers;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An append client that changes what an append does and leaves the rest to the engine's own
 * client: the way stand-ins hook into the Storage Write API's default streams.
 */
public abstract class ForwardingAppendClient implements StreamAppendClient {
  private static final String DEFAULT_STREAM_SUFFIX = "/streams/_default";

  private final StreamAppendClient engine;

  protected ForwardingAppendClient(StreamAppendClient engine) {
    this.engine = engine;
  }

  protected StreamAppendClient engine() {
    return engine;
  }

  /** The table a default stream writes to, or null for any other stream. */
  public static @Nullable String tableOfDefaultStream(String streamName) {
    if (!streamName.endsWith(DEFAULT_STREAM_SUFFIX)) {
      return null;
    }
    String tableUrn = streamName.substring(0, streamName.length() - DEFAULT_STREAM_SUFFIX.length());
    return BigQueryHelpers.parseTableUrn(BigQueryHelpers.stripPartitionDecorator(tableUrn)).getTableId();
  }

  @Override
  public @Nullable TableSchema getUpdatedSchema() {
    return engine.getUpdatedSchema();
  }

  @Override
  public void pin() {
    engine.pin();
  }

  @Override
  public void unpin() throws Exception {
    engine.unpin();
  }

  @Override
  public void close() throws Exception {
    engine.close();
  }
}
