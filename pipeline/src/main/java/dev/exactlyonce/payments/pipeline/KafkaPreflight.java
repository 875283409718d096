package dev.exactlyonce.payments.pipeline;

import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.AuthenticationException;

/**
 * Checks, before a pipeline starts, that Kafka answers with the settings the pipeline will use:
 * the stores open, the broker's certificate is trusted, the credentials are accepted and the topic
 * exists. KafkaIO would otherwise retry a refused login quietly for ever, and a run would read
 * nothing. Opens an admin client only: it joins no group and commits no offset.
 */
public final class KafkaPreflight {
  /** Long enough for a slow broker, short enough that a launch stops within 30 s. */
  static final int TIMEOUT_SECONDS = 15;

  private KafkaPreflight() {}

  /** Number of partitions of the topic, on an unsecured broker. */
  public static int check(String bootstrapServers, String topic) throws PreflightException {
    return check(bootstrapServers, topic, KafkaClientSecurity.none());
  }

  /** Number of partitions of the topic, with these security settings. */
  public static int check(String bootstrapServers, String topic, KafkaClientSecurity security)
      throws PreflightException {
    Map<String, Object> config = adminConfig(bootstrapServers, security);
    Admin admin;
    try {
      admin = Admin.create(config);
    } catch (KafkaException e) {
      throw new PreflightException(cannotOpen(e, security));
    }
    try (admin) {
      try {
        admin.describeCluster().nodes().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new PreflightException(refused(e.getCause(), bootstrapServers, security));
      } catch (TimeoutException e) {
        throw new PreflightException(
            "cannot reach Kafka at " + bootstrapServers + " within " + TIMEOUT_SECONDS + " s");
      }
      try {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .get(topic).partitions().size();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          throw new PreflightException("topic " + topic + " does not exist on " + bootstrapServers);
        }
        if (e.getCause() instanceof TopicAuthorizationException) {
          throw new PreflightException("Kafka user " + security.username() + " may not read topic " + topic);
        }
        throw new PreflightException("cannot describe topic " + topic + ": " + e.getCause().getMessage());
      } catch (TimeoutException e) {
        throw new PreflightException("cannot describe topic " + topic + " within " + TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PreflightException("interrupted while checking Kafka");
    }
  }

  /**
   * The admin client's configuration: the pipeline's client settings, and fail fast: Kafka's
   * clients otherwise reconnect for ever to a broker that refuses them.
   */
  public static Map<String, Object> adminConfig(String bootstrapServers, KafkaClientSecurity security)
      throws PreflightException {
    checkStore("kafkaTruststoreLocation", security.truststore());
    checkStore("kafkaKeystoreLocation", security.keystore());
    Map<String, Object> base = new HashMap<>();
    base.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    Map<String, Object> config;
    try {
      config = security.clientProperties(base);
    } catch (IOException e) {
      throw new PreflightException(e.getMessage());
    }
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_SECONDS * 1000);
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
    return config;
  }

  private static void checkStore(String option, Store store) throws PreflightException {
    if (store == null || store.location().matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      return; // remote stores are checked when the client copies them
    }
    Path path = Path.of(store.location());
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new PreflightException("--" + option + ": cannot read " + path + (Files.exists(path) ? "" : ": no such file"));
    }
  }

  /** The client could not be created: a store that does not open, a class that is missing. */
  private static String cannotOpen(KafkaException e, KafkaClientSecurity security) {
    Throwable cause = rootCause(e);
    String text = String.valueOf(cause.getMessage());
    if (text.contains("password was incorrect") || cause instanceof java.security.UnrecoverableKeyException
        || text.contains("keystore password") || text.contains("Integrity check failed")) {
      String which = text.toLowerCase().contains("truststore") || messageNames(e, "truststore") ? "trust" : "key";
      return "the Kafka " + which + " store does not open with its password (--kafka"
          + (which.equals("trust") ? "Truststore" : "Keystore") + "PasswordSecret): " + text;
    }
    if (cause instanceof GeneralSecurityException || cause instanceof IOException) {
      return "cannot open the Kafka client's key or trust store: " + text;
    }
    return "cannot create a Kafka client with these settings (" + security + "): " + text;
  }

  private static boolean messageNames(Throwable e, String word) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).toLowerCase().contains(word)) {
        return true;
      }
    }
    return false;
  }

  /** The broker refused or could not be reached: say which, without any secret. */
  private static String refused(Throwable cause, String bootstrapServers, KafkaClientSecurity security) {
    if (cause instanceof SaslAuthenticationException) {
      return "Kafka at " + bootstrapServers + " refused user " + security.username() + " ("
          + (security.mechanism() == null ? "SASL" : security.mechanism().kafkaName()) + "): " + cause.getMessage();
    }
    if (cause instanceof SslAuthenticationException) {
      Throwable root = rootCause(cause);
      if (root instanceof SSLHandshakeException || String.valueOf(root.getMessage()).contains("PKIX")) {
        return "the TLS handshake with Kafka at " + bootstrapServers + " failed: " + root.getMessage()
            + " (is the broker's CA in --kafkaTruststoreLocation, and this client's certificate trusted by the broker?)";
      }
      return "the TLS handshake with Kafka at " + bootstrapServers + " failed: " + root.getMessage();
    }
    if (cause instanceof AuthenticationException) {
      return "Kafka at " + bootstrapServers + " refused the connection: " + cause.getMessage();
    }
    return "cannot reach Kafka at " + bootstrapServers + ": " + cause.getMessage();
  }

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /** A one-line reason the run cannot start. */
  public static final class PreflightException extends Exception {
    private static final long serialVersionUID = 1L;

    public PreflightException(String message) {
      super(message);
    }
  }
}
