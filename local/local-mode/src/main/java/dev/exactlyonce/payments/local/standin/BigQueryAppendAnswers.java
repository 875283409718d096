package dev.exactlyonce.payments.local.standin;

import com.google.api.core.ApiFuture;
import com.google.api.core.ApiFutures;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import io.grpc.Status;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryServices.StreamAppendClient;

/**
 * Beam's in-memory engine refuses an append at the wrong offset, or to a finalized stream, with a
 * plain {@code RuntimeException}. BigQuery answers with a status: {@code ALREADY_EXISTS} for an
 * offset it already holds, {@code OUT_OF_RANGE} for one past the end, {@code INVALID_ARGUMENT}
 * for a finalized stream. BigQueryIO moves on to a new stream on those statuses, and retries the
 * same append for ever on anything else: after a Flink restore re-appends at checkpointed offsets,
 * the engine's answer used up every restart, where BigQuery's lets the job go on.
 */
final class BigQueryAppendAnswers extends ForwardingAppendClient {
  /** The engine's message for an append at the wrong offset (Beam 2.70's {@code FakeDatasetService}). */
  private static final Pattern BAD_APPEND = Pattern.compile("Bad append: (-?\\d+) \\+ for stream .* expected (\\d+)");
  private static final String FINALIZED = "Stream already finalized.";

  BigQueryAppendAnswers(StreamAppendClient engine) {
    super(engine);
  }

  @Override
  public ApiFuture<AppendRowsResponse> appendRows(long offset, ProtoRows rows) throws Exception {
    ApiFuture<AppendRowsResponse> response;
    try {
      response = engine().appendRows(offset, rows);
    } catch (RuntimeException e) {
      return ApiFutures.immediateFailedFuture(asBigQueryAnswers(e));
    }
    if (!response.isDone()) {
      return response;
    }
    try {
      response.get();
      return response;
    } catch (ExecutionException e) {
      return ApiFutures.immediateFailedFuture(asBigQueryAnswers(e.getCause()));
    }
  }

  /** The status BigQuery answers the engine's refusal with; any other failure as it is. */
  static Throwable asBigQueryAnswers(Throwable refusal) {
    String message = String.valueOf(refusal.getMessage());
    Matcher badAppend = BAD_APPEND.matcher(message);
    if (badAppend.find()) {
      long offset = Long.parseLong(badAppend.group(1));
      long expected = Long.parseLong(badAppend.group(2));
      Status status = offset < expected ? Status.ALREADY_EXISTS : Status.OUT_OF_RANGE;
      return status.withDescription(message).withCause(refusal).asRuntimeException();
    }
    if (message.contains(FINALIZED)) {
      return Status.INVALID_ARGUMENT.withDescription(message).withCause(refusal).asRuntimeException();
    }
    return refusal;
  }
}
