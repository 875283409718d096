package dev.exactlyonce.payments.pipeline;

import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity.Mechanism;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity.Protocol;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity.Store;
import dev.exactlyonce.payments.transforms.kafka.security.SecretReference;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code --kafka*} security options, checked once and turned into the Kafka clients' security
 * settings. Every problem names its option; no message repeats a value given for a secret.
 */
public final class KafkaSecuritySettings {
  private static final Set<String> STORE_TYPES = Set.of("JKS", "PKCS12", "PEM");

  private KafkaSecuritySettings() {}

  public static KafkaClientSecurity from(KafkaReadOptions options) {
    KafkaClientSecurity security = KafkaClientSecurity.none();
    String protocol = blankToNull(options.getKafkaSecurityProtocol());
    if (protocol != null) {
      try {
        security = security.withProtocol(Protocol.valueOf(protocol.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new InvalidOptionException(
            "kafkaSecurityProtocol", "must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, was " + protocol);
      }
    }
    String mechanismName = blankToNull(options.getKafkaSaslMechanism());
    String username = blankToNull(options.getKafkaUsername());
    SecretReference password = secret("kafkaPasswordSecret", options.getKafkaPasswordSecret());
    if (mechanismName != null) {
      Mechanism mechanism = Mechanism.named(mechanismName);
      if (mechanism == null) {
        throw new InvalidOptionException(
            "kafkaSaslMechanism", "must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER, was " + mechanismName);
      }
      if (mechanism != Mechanism.OAUTHBEARER && (username == null || password == null)) {
        throw new InvalidOptionException(
            username == null ? "kafkaUsername" : "kafkaPasswordSecret", "is required with --kafkaSaslMechanism=" + mechanism.kafkaName());
      }
      security = security.withSasl(mechanism, username, password);
    } else if (username != null || password != null) {
      throw new InvalidOptionException(
          "kafkaSaslMechanism", "is required with --kafkaUsername or --kafkaPasswordSecret");
    }
    security =
        security.withTruststore(
            store("kafkaTruststore", options.getKafkaTruststoreLocation(), options.getKafkaTruststoreType(),
                options.getKafkaTruststorePasswordSecret()));
    security =
        security.withKeystore(
            store("kafkaKeystore", options.getKafkaKeystoreLocation(), options.getKafkaKeystoreType(),
                options.getKafkaKeystorePasswordSecret()),
            secret("kafkaKeyPasswordSecret", options.getKafkaKeyPasswordSecret()));
    security = security.withPropertiesFile(blankToNull(options.getKafkaPropertiesFile()));
    Map<String, String> extra = consumerConfig(options.getKafkaConsumerConfig());
    try {
      return security.withConsumerConfig(extra);
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException("kafkaConsumerConfig", e.getMessage());
    }
  }

  private static @Nullable Store store(String option, String location, String type, String passwordSecret) {
    String where = blankToNull(location);
    String kind = blankToNull(type);
    SecretReference password = secret(option + "PasswordSecret", passwordSecret);
    if (where == null) {
      if (kind != null || password != null) {
        throw new InvalidOptionException(option + "Location", "is required with --" + option + "Type or --" + option + "PasswordSecret");
      }
      return null;
    }
    if (kind != null && !STORE_TYPES.contains(kind.toUpperCase(Locale.ROOT))) {
      throw new InvalidOptionException(option + "Type", "must be JKS, PKCS12 or PEM, was " + kind);
    }
    return new Store(where, kind == null ? null : kind.toUpperCase(Locale.ROOT), password);
  }

  private static @Nullable SecretReference secret(String option, String reference) {
    if (blankToNull(reference) == null) {
      return null;
    }
    try {
      return SecretReference.parse(reference);
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException(option, e.getMessage());
    }
  }

  /** {@code key=value[,key=value...]}; a value may not contain a comma. */
  static Map<String, String> consumerConfig(String text) {
    Map<String, String> config = new LinkedHashMap<>();
    if (blankToNull(text) == null) {
      return config;
    }
    for (String pair : text.split(",")) {
      int equals = pair.indexOf('=');
      if (equals <= 0) {
        throw new InvalidOptionException("kafkaConsumerConfig", "must be key=value[,key=value...], has '" + pair.strip() + "'");
      }
      String key = pair.substring(0, equals).strip();
      if (KafkaClientSecurity.PIPELINE_KEYS.contains(key)) {
        throw new InvalidOptionException(
            "kafkaConsumerConfig", key + " comes from the pipeline's own options (--bootstrapServers, --consumerGroup, --startingOffsets)");
      }
      config.put(key, pair.substring(equals + 1).strip());
    }
    return config;
  }

  private static @Nullable String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
