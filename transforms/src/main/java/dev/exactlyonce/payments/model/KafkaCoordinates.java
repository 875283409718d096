package dev.exactlyonce.payments.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;

/** Where a record sat in Kafka: the one identity every input record has, valid or not. */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class KafkaCoordinates {
  @SchemaFieldNumber("0")
  public abstract String getTopic();

  @SchemaFieldNumber("1")
  public abstract int getPartition();

  @SchemaFieldNumber("2")
  public abstract long getOffset();

  public static KafkaCoordinates of(String topic, int partition, long offset) {
    return new AutoValue_KafkaCoordinates(topic, partition, offset);
  }

  @Override
  public final String toString() {
    return getTopic() + "/" + getPartition() + "@" + getOffset();
  }
}
