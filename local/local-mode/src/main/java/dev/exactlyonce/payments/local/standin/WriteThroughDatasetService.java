package dev.exactlyonce.payments.local.standin;

import com.google.api.core.ApiFuture;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BatchCommitWriteStreamsResponse;
import com.google.cloud.bigquery.storage.v1.FlushRowsResponse;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.google.protobuf.DescriptorProtos;
import dev.exactlyonce.payments.transforms.bigquery.BigQueryTables;
import dev.exactlyonce.payments.transforms.bigquery.WriteMode;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryHelpers;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices.StreamAppendClient;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Beam's in-memory BigQuery engine, told to keep a table durable before it acknowledges a write
 * that changed what the table shows: an append to a committed (default) stream, a flush of a
 * buffered stream, a commit of pending streams.
 *
 * <p>BigQuery never loses a write it acknowledged, and the crash drills rely on it: Kafka offsets
 * are committed once the writes are acknowledged, so a stand-in that acknowledged rows it had not
 * yet kept would lose them on a {@code kill -9}, where BigQuery would not.
 *
 * <p>CDC writes to change tables are ordered as BigQuery orders them first ({@link ChangeOrdering}).
 *
 * <p>The pipeline holds serialized copies of this service, so the hook is per JVM, like the
 * engine's tables. A copy that arrives in a JVM where no stand-in is open (a TaskManager of a Flink
 * cluster) opens one there, on its own shard of the tables ({@link ShardHome}).
 */
final class WriteThroughDatasetService extends StreamRoutingDatasetService {
  private static final long serialVersionUID = 1L;
  private static final Map<String, String> TABLE_OF_STREAM = new ConcurrentHashMap<>();
  private static volatile @Nullable Consumer<String> keepTable;
  private final @Nullable ShardHome shardHome;

  WriteThroughDatasetService() {
    this(null);
  }

  WriteThroughDatasetService(@Nullable ShardHome shardHome) {
    this.shardHome = shardHome;
  }

  /**
   * Where processes other than the launching one keep the tables they write: {@code
   * <dir>/shards/<process>/}, one directory per JVM, merged by {@link LocalBigQuery#absorbShards}.
   */
  record ShardHome(String dir, BigQueryTables tables) implements Serializable {
    static final String SHARDS = "shards";

    Path shardsDirectory() {
      return Path.of(dir).resolve(SHARDS);
    }
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (shardHome != null) {
      openShardIfNoneIsOpen(shardHome);
    }
  }

  private static synchronized void openShardIfNoneIsOpen(ShardHome home) {
    if (keepTable != null) {
      // The launching JVM (Beam clones the pipeline's functions there) or one already opened.
      return;
    }
    Path own = home.shardsDirectory().resolve("process-" + ProcessHandle.current().pid());
    try {
      // Kept open, for as long as the process lives, by the hook it registers.
      LocalBigQuery.open(own, home.tables(), WriteMode.UPSERT);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the stand-in's shard " + own + ": " + e.getMessage(), e);
    }
  }

  /** Called with a table id, before the write that changed it is acknowledged. */
  static void onTableChanged(@Nullable Consumer<String> keep) {
    keepTable = keep;
    if (keep == null) {
      TABLE_OF_STREAM.clear();
      ChangeOrdering.clear();
    }
  }

  @Override
  public WriteStream createWriteStream(String tableUrn, WriteStream.Type type) throws InterruptedException {
    WriteStream stream = super.createWriteStream(tableUrn, type);
    TABLE_OF_STREAM.put(stream.getName(), tableIdOf(tableUrn));
    return stream;
  }

  @Override
  protected StreamAppendClient appendClient(
      StreamAppendClient engine, @Nullable String table, DescriptorProtos.DescriptorProto descriptor) {
    if (table == null) {
      // Rows of buffered and pending streams show at flush or commit, not at append.
      return new BigQueryAppendAnswers(engine);
    }
    return new ForwardingAppendClient(engine) {
      @Override
      public ApiFuture<AppendRowsResponse> appendRows(long offset, ProtoRows rows) throws Exception {
        return keptIfDone(engine().appendRows(offset, ChangeOrdering.admit(table, descriptor, rows)), table);
      }
    };
  }

  @Override
  public ApiFuture<FlushRowsResponse> flush(String streamName, long offset) {
    return keptIfDone(super.flush(streamName, offset), TABLE_OF_STREAM.get(streamName));
  }

  @Override
  public ApiFuture<BatchCommitWriteStreamsResponse> commitWriteStreams(
      String tableUrn, Iterable<String> writeStreamNames) {
    return keptIfDone(super.commitWriteStreams(tableUrn, writeStreamNames), tableIdOf(tableUrn));
  }

  /** The engine answers at once; a failed write changed nothing and is not kept. */
  private static <T> ApiFuture<T> keptIfDone(ApiFuture<T> response, @Nullable String table) {
    Consumer<String> keep = keepTable;
    if (keep == null || table == null || !response.isDone()) {
      return response;
    }
    try {
      response.get();
    } catch (ExecutionException e) {
      return response;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return response;
    }
    keep.accept(table);
    return response;
  }

  private static String tableIdOf(String tableUrn) {
    return BigQueryHelpers.parseTableUrn(BigQueryHelpers.stripPartitionDecorator(tableUrn)).getTableId();
  }
}
