package dev.exactlyonce.payments.model;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;

/**
 * The schema coder Beam infers for one of the model's value types, for the places Beam does not
 * infer it by itself: state cells and combine accumulators.
 */
public final class SchemaCoders {
  private SchemaCoders() {}

  public static <T> Coder<T> of(Pipeline pipeline, Class<T> type) {
    try {
      return pipeline.getSchemaRegistry().getSchemaCoder(type);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(type.getName() + " has no schema; is it @DefaultSchema?", e);
    }
  }
}
