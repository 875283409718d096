package dev.exactlyonce.payments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The --kafka* security options: each mistake is named by its option, no secret repeated. */
class KafkaSecuritySettingsTest {
  private static KafkaClientSecurity settings(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "--bootstrapServers=broker:9093";
    System.arraycopy(args, 0, all, 1, args.length);
    return KafkaSecuritySettings.from(PaymentsPipeline.parseOptions(all));
  }

  @Test
  void saslSslWithScramBecomesPlainPropertiesAndAReference() {
    KafkaClientSecurity security =
        settings("--kafkaSecurityProtocol=sasl_ssl", "--kafkaSaslMechanism=scram-sha-512", "--kafkaUsername=payments",
            "--kafkaPasswordSecret=env:KAFKA_PASSWORD", "--kafkaConsumerConfig=client.id=payments-1,fetch.min.bytes=1");

    assertEquals(
        Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "client.id", "payments-1", "fetch.min.bytes", "1"),
        security.plainProperties());
    assertEquals("protocol=SASL_SSL, mechanism=SCRAM-SHA-512, user=payments, password from env:KAFKA_PASSWORD, "
        + "config={client.id=payments-1, fetch.min.bytes=1}", security.toString());
  }

  @Test
  void nothingSetIsAnUnsecuredClient() {
    assertEquals(Map.of(), settings().plainProperties());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "--kafkaSecurityProtocol=TLS|--kafkaSecurityProtocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, was TLS",
    "--kafkaSaslMechanism=GSSAPI|--kafkaSaslMechanism must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER, was GSSAPI",
    "--kafkaSaslMechanism=PLAIN|--kafkaUsername is required with --kafkaSaslMechanism=PLAIN",
    "--kafkaUsername=payments|--kafkaSaslMechanism is required with --kafkaUsername or --kafkaPasswordSecret",
    "--kafkaTruststoreType=JKS|--kafkaTruststoreLocation is required with --kafkaTruststoreType or --kafkaTruststorePasswordSecret",
    "--kafkaConsumerConfig=fetch.min.bytes|--kafkaConsumerConfig must be key=value[,key=value...], has 'fetch.min.bytes'",
    "--kafkaConsumerConfig=group.id=other|--kafkaConsumerConfig group.id comes from the pipeline's own options",
  })
  void mistakesAreNamedByTheirOption(String arg, String message) {
    InvalidOptionException error = assertThrows(InvalidOptionException.class, () -> settings(arg));
    assertEquals(true, error.getMessage().startsWith(message), error.getMessage());
  }

  @Test
  void aStoreOfAnUnknownTypeIsRefused() {
    InvalidOptionException error =
        assertThrows(InvalidOptionException.class, () -> settings("--kafkaTruststoreLocation=/etc/ts.p12", "--kafkaTruststoreType=P12"));
    assertEquals("--kafkaTruststoreType must be JKS, PKCS12 or PEM, was P12", error.getMessage());
  }

  @Test
  void aPasswordGivenItselfIsRefusedWithoutRepeatingIt() {
    InvalidOptionException error =
        assertThrows(InvalidOptionException.class,
            () -> settings("--kafkaSaslMechanism=PLAIN", "--kafkaUsername=u", "--kafkaPasswordSecret=Tr0ub4dor&3"));
    assertFalse(error.getMessage().contains("Tr0ub4dor"), error.getMessage());
    assertEquals(true, error.getMessage().startsWith("--kafkaPasswordSecret must name where the secret is kept"), error.getMessage());
  }

  @Test
  void aSecretInTheExtraConfigIsRefusedWithoutRepeatingIt() {
    InvalidOptionException error =
        assertThrows(InvalidOptionException.class, () -> settings("--kafkaConsumerConfig=ssl.truststore.password=hunter2"));
    assertFalse(error.getMessage().contains("hunter2"), error.getMessage());
  }
}
