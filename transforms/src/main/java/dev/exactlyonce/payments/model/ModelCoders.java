package dev.exactlyonce.payments.model;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;

/**
 * The coder Beam infers for one of the model's value types, for the places Beam does not infer it
 * by itself: state cells, combine accumulators, empty inputs. That is the schema coder of a type
 * with a schema, and otherwise the type's own {@code @DefaultCoder} ({@link PaymentCoder}).
 */
public final class ModelCoders {
  private ModelCoders() {}

  public static <T> Coder<T> of(Pipeline pipeline, Class<T> type) {
    try {
      return pipeline.getSchemaRegistry().getSchemaCoder(type);
    } catch (NoSuchSchemaException noSchema) {
      try {
        return pipeline.getCoderRegistry().getCoder(type);
      } catch (CannotProvideCoderException e) {
        throw new IllegalStateException(type.getName() + " has neither a schema nor a default coder", e);
      }
    }
  }
}
