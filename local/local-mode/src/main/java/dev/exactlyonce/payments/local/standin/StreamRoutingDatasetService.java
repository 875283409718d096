package dev.exactlyonce.payments.local.standin;

import com.google.cloud.bigquery.storage.v1.AppendRowsRequest;
import com.google.protobuf.DescriptorProtos;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices.StreamAppendClient;
import org.apache.beam.sdk.io.gcp.testing.FakeDatasetService;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Beam's in-memory BigQuery engine, with each stream's appends handed to a client chosen by the
 * table the stream writes to: what the stand-in and the benchmark's counting tables change about it.
 */
public abstract class StreamRoutingDatasetService extends FakeDatasetService {
  private static final long serialVersionUID = 1L;

  /**
   * The client that takes the appends of one stream.
   *
   * @param engine the engine's own client for the stream
   * @param defaultStreamTable the table, for a table's default stream, whose appends show at once;
   *     null for a buffered or pending stream, whose rows show at flush or commit
   */
  protected abstract StreamAppendClient appendClient(
      StreamAppendClient engine, @Nullable String defaultStreamTable, DescriptorProtos.DescriptorProto descriptor)
      throws Exception;

  @Override
  public final StreamAppendClient getStreamAppendClient(
      String streamName,
      DescriptorProtos.DescriptorProto descriptor,
      boolean useConnectionPool,
      AppendRowsRequest.MissingValueInterpretation missingValueInterpretation)
      throws Exception {
    return appendClient(
        super.getStreamAppendClient(streamName, descriptor, useConnectionPool, missingValueInterpretation),
        ForwardingAppendClient.tableOfDefaultStream(streamName),
        descriptor);
  }
}
