package dev.exactlyonce.payments.transforms.kafka.security;

import java.io.IOException;
import java.io.Serializable;

/** Reads one secret version's payload; Secret Manager in production, a fake in tests. */
@FunctionalInterface
public interface SecretVersionReader extends Serializable {
  String read(String versionName) throws IOException;
}
