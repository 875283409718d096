package dev.exactlyonce.payments.local.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.grpc.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BigQueryAppendAnswersTest {
  private static final String STREAM = "projects/p/datasets/d/tables/t/streams/s-1";

  @ParameterizedTest(name = "append at {0}, stream holds {1}: {2}")
  @CsvSource({"118, 371, ALREADY_EXISTS", "0, 1, ALREADY_EXISTS", "372, 371, OUT_OF_RANGE"})
  void anAppendAtTheWrongOffsetIsAnsweredAsBigQueryDoes(long offset, long expected, Status.Code code) {
    RuntimeException refusal = new RuntimeException("Bad append: " + offset + " + for stream " + STREAM + " expected " + expected);

    assertEquals(code, Status.fromThrowable(BigQueryAppendAnswers.asBigQueryAnswers(refusal)).getCode());
  }

  @Test
  void anAppendToAFinalizedStreamIsAnInvalidArgument() {
    Throwable answer = BigQueryAppendAnswers.asBigQueryAnswers(new RuntimeException("Stream already finalized."));

    assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(answer).getCode());
  }

  @Test
  void anyOtherFailureStaysAsItIs() {
    RuntimeException other = new RuntimeException("disk full");

    assertSame(other, BigQueryAppendAnswers.asBigQueryAnswers(other));
  }
}
