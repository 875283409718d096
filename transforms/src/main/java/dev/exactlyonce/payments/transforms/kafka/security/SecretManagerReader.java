package dev.exactlyonce.payments.transforms.kafka.security;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads secret versions from Google Secret Manager with the process's application-default
 * credentials (on Dataflow, the worker service account, which needs {@code
 * roles/secretmanager.secretAccessor} on the secret). A client per read: secrets are read when a
 * Kafka connection opens, a few times per worker.
 */
public final class SecretManagerReader implements SecretVersionReader {
  private static final long serialVersionUID = 1L;

  /** Settings to reach a server other than Google's (tests); null for Google's. */
  private final transient SecretManagerServiceSettings settings;

  private SecretManagerReader(SecretManagerServiceSettings settings) {
    this.settings = settings;
  }

  public static SecretManagerReader withDefaultCredentials() {
    return new SecretManagerReader(null);
  }

  /** For a client that must reach another server; not serializable beyond this JVM. */
  public static SecretManagerReader using(SecretManagerServiceSettings settings) {
    return new SecretManagerReader(settings);
  }

  @Override
  public String read(String versionName) throws IOException {
    try (SecretManagerServiceClient client =
        settings == null ? SecretManagerServiceClient.create() : SecretManagerServiceClient.create(settings)) {
      return client.accessSecretVersion(versionName).getPayload().getData().toString(StandardCharsets.UTF_8);
    } catch (ApiException e) {
      throw new IOException(
          "Secret Manager refused " + versionName + ": " + e.getStatusCode().getCode(), e);
    }
  }
}
