package dev.exactlyonce.payments.transforms.bigquery;

import java.lang.reflect.Method;
import org.apache.beam.sdk.io.gcp.bigquery.BigQueryIO;

/**
 * BigQueryIO remembers which tables it created, and their schemas, in static caches. A JVM that
 * resets an in-memory BigQuery (the local stand-in, a test fake) and writes the same table names
 * again must clear them, or the tables are never created again. BigQueryIO only offers this to its
 * own package, hence the reflection.
 */
public final class BigQueryIoCaches {
  private BigQueryIoCaches() {}

  public static void clear() {
    try {
      Method clear = BigQueryIO.class.getDeclaredMethod("clearStaticCaches");
      clear.setAccessible(true);
      clear.invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot clear BigQueryIO's static caches", e);
    }
  }
}
