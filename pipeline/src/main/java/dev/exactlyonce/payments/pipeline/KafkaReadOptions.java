package dev.exactlyonce.payments.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Where the payment events come from. */
public interface KafkaReadOptions extends PipelineOptions {
  @Description("Kafka bootstrap servers, host:port[,host:port...].")
  @Validation.Required
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("Kafka topic with the payment events (JSON, one per record, key = transaction_id).")
  @Default.String("payments")
  String getTopic();

  void setTopic(String value);

  @Description(
      "Kafka consumer group. Offsets are committed to it when the runner finalizes a checkpoint, "
          + "so a restarted job continues where the last one finished.")
  @Default.String("payments-pipeline")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "Where a consumer group with no committed offsets starts: earliest or latest. "
          + "Committed offsets always win.")
  @Default.String("earliest")
  String getStartingOffsets();

  void setStartingOffsets(String value);

  @Description(
      "Bound on out-of-orderness in seconds: the watermark trails the newest event time by this "
          + "much. Payments older than the watermark still count, up to the deduplication horizon.")
  @Default.Long(30)
  Long getMaxOutOfOrdernessSeconds();

  void setMaxOutOfOrdernessSeconds(Long value);

  @Description(
      "Kafka security protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. By default what "
          + "--kafkaPropertiesFile says, else PLAINTEXT.")
  String getKafkaSecurityProtocol();

  void setKafkaSecurityProtocol(String value);

  @Description(
      "SASL mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER. OAUTHBEARER without "
          + "--kafkaUsername logs in with Google's application-default credentials (Google Managed "
          + "Kafka). By default none: no SASL unless --kafkaPropertiesFile sets it.")
  String getKafkaSaslMechanism();

  void setKafkaSaslMechanism(String value);

  @Description(
      "SASL user name (PLAIN, SCRAM). By default none.")
  String getKafkaUsername();

  void setKafkaUsername(String value);

  @Description(
      "Where the SASL password is kept, never the password itself: env:NAME, file:PATH, or a "
          + "Secret Manager version projects/P/secrets/S/versions/V. By default none.")
  String getKafkaPasswordSecret();

  void setKafkaPasswordSecret(String value);

  @Description(
      "Trust store with the CA that signed the brokers' certificates: a local path, or a gs:// "
          + "path that each worker copies locally. By default the JVM's own CAs.")
  String getKafkaTruststoreLocation();

  void setKafkaTruststoreLocation(String value);

  @Description(
      "Trust store type: JKS, PKCS12 or PEM. By default the Kafka client's (JKS).")
  String getKafkaTruststoreType();

  void setKafkaTruststoreType(String value);

  @Description(
      "Where the trust store's password is kept: env:NAME, file:PATH or a Secret Manager "
          + "version. By default none.")
  String getKafkaTruststorePasswordSecret();

  void setKafkaTruststorePasswordSecret(String value);

  @Description(
      "Key store with this client's key and certificate, for mutual TLS: a local path, or a "
          + "gs:// path that each worker copies locally. By default none: no client certificate.")
  String getKafkaKeystoreLocation();

  void setKafkaKeystoreLocation(String value);

  @Description(
      "Key store type: JKS, PKCS12 or PEM. By default the Kafka client's (JKS).")
  String getKafkaKeystoreType();

  void setKafkaKeystoreType(String value);

  @Description(
      "Where the key store's password is kept: env:NAME, file:PATH or a Secret Manager version. "
          + "By default none.")
  String getKafkaKeystorePasswordSecret();

  void setKafkaKeystorePasswordSecret(String value);

  @Description(
      "Where the private key's password is kept, if it differs from the key store's: env:NAME, "
          + "file:PATH or a Secret Manager version. By default the key store's.")
  String getKafkaKeyPasswordSecret();

  void setKafkaKeyPasswordSecret(String value);

  @Description(
      "A Kafka client.properties file, as Kafka's own tools take it; it may hold secrets, since "
          + "it is read where each client runs and never copied into the job. A local path or a gs:// "
          + "path. The other --kafka* options win over it. By default none.")
  String getKafkaPropertiesFile();

  void setKafkaPropertiesFile(String value);

  @Description(
      "Any other Kafka consumer property, key=value[,key=value...]; wins over "
          + "--kafkaPropertiesFile and loses to the dedicated --kafka* options. Never a secret: those "
          + "are refused here. By default none.")
  String getKafkaConsumerConfig();

  void setKafkaConsumerConfig(String value);
}
