package dev.exactlyonce.payments.transforms.kafka.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity.Mechanism;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity.Protocol;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KafkaClientSecurityTest {
  private static final String PASSWORD = "pa\"ss\\word-42";

  @TempDir Path dir;

  /**
   * As Java serializes it, uncompressed, so a secret would show (Beam's SerializableUtils
   * compresses, which would hide one from this check).
   */
  static String javaSerialized(Object object) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(object);
    }
    return bytes.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private Path file(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  /** What KafkaIO hands the consumer factory: its defaults and the pipeline's own keys. */
  private static Map<String, Object> kafkaIoConfig(Map<String, Object> plain) {
    Map<String, Object> config = new HashMap<>(plain);
    config.put("bootstrap.servers", "broker:9093");
    config.put("group.id", "payments-pipeline");
    config.put("auto.offset.reset", "earliest");
    config.put("receive.buffer.bytes", 524288);
    return config;
  }

  @Test
  void dedicatedOptionsWinOverExtraConfigWhichWinsOverThePropertiesFile() throws IOException {
    Path properties = file("client.properties", String.join("\n",
        "security.protocol=SASL_PLAINTEXT",
        "sasl.mechanism=PLAIN",
        "client.id=from-file",
        "fetch.min.bytes=1",
        "receive.buffer.bytes=65536",
        "group.id=someone-elses-group",
        "bootstrap.servers=elsewhere:9092"));
    KafkaClientSecurity security =
        KafkaClientSecurity.none()
            .withPropertiesFile(properties.toString())
            .withConsumerConfig(Map.of("client.id", "from-option", "sasl.mechanism", "PLAIN"))
            .withProtocol(Protocol.SASL_SSL)
            .withSasl(Mechanism.SCRAM_SHA_512, "payments", SecretReference.parse("file:" + file("password", PASSWORD + "\n")));

    Map<String, Object> resolved = security.clientProperties(kafkaIoConfig(security.plainProperties()));

    assertEquals("SASL_SSL", resolved.get("security.protocol"), "the dedicated option wins over the file");
    assertEquals("SCRAM-SHA-512", resolved.get("sasl.mechanism"), "the dedicated option wins over the extra config");
    assertEquals("from-option", resolved.get("client.id"), "the extra config wins over the file");
    assertEquals("1", resolved.get("fetch.min.bytes"), "the file fills in what nothing else sets");
    assertEquals("65536", resolved.get("receive.buffer.bytes"), "the file wins over KafkaIO's defaults");
    assertEquals("payments-pipeline", resolved.get("group.id"), "the pipeline's own keys win over the file");
    assertEquals("broker:9093", resolved.get("bootstrap.servers"));
  }

  @Test
  void aPropertiesFileAloneConfiguresTheClient() throws IOException {
    Path properties = file("client.properties", String.join("\n",
        "security.protocol=SASL_SSL",
        "sasl.mechanism=PLAIN",
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"k\" password=\"" + "p" + "\";"));
    KafkaClientSecurity security = KafkaClientSecurity.none().withPropertiesFile(properties.toString());

    Map<String, Object> resolved = security.clientProperties(kafkaIoConfig(security.plainProperties()));

    assertEquals("SASL_SSL", resolved.get("security.protocol"));
    assertTrue(resolved.get("sasl.jaas.config").toString().contains("PlainLoginModule"));
    assertTrue(security.plainProperties().isEmpty(), "nothing from the file travels in the job");
  }

  @Test
  void thePasswordIsQuotedForJaasAndNeverInThePlainPropertiesNorTheSerializedFactory() throws IOException {
    Path password = file("password", PASSWORD);
    KafkaClientSecurity security =
        KafkaClientSecurity.none()
            .withProtocol(Protocol.SASL_SSL)
            .withSasl(Mechanism.SCRAM_SHA_256, "pay\"ments", SecretReference.parse("file:" + password));

    String jaas = security.clientProperties(Map.of()).get("sasl.jaas.config").toString();

    assertEquals(
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"pay\\\"ments\" password=\"pa\\\"ss\\\\word-42\";",
        jaas);
    assertFalse(security.plainProperties().toString().contains("word-42"));
    assertFalse(security.toString().contains("word-42"));
    String serialized = javaSerialized(security.consumerFactory());
    assertFalse(serialized.contains("word-42"), "the consumer factory carries the reference, not the secret");
    assertTrue(serialized.contains(password.toString()), "the reference travels instead");
  }

  @Test
  void oauthBearerWithoutAUserLogsInWithGooglesHandler() throws IOException {
    KafkaClientSecurity security = KafkaClientSecurity.none().withProtocol(Protocol.SASL_SSL).withSasl(Mechanism.OAUTHBEARER, null, null);

    Map<String, Object> resolved = security.clientProperties(Map.of());

    assertEquals("OAUTHBEARER", resolved.get("sasl.mechanism"));
    assertEquals(KafkaClientSecurity.GOOGLE_LOGIN_HANDLER, resolved.get("sasl.login.callback.handler.class"));
    assertEquals("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;", resolved.get("sasl.jaas.config"));
  }

  @Test
  void googlesLoginHandlerIsOnTheClasspathAsAKafkaLoginCallbackHandler() throws Exception {
    Class<?> handler = Class.forName(KafkaClientSecurity.GOOGLE_LOGIN_HANDLER);

    assertTrue(org.apache.kafka.common.security.auth.AuthenticateCallbackHandler.class.isAssignableFrom(handler));
  }

  @Test
  void storesAndTheirPasswordsAreReadWhereTheClientRuns() throws IOException {
    Path truststore = file("truststore.p12", "not really a store");
    Path keystore = file("keystore.jks", "neither");
    KafkaClientSecurity security =
        KafkaClientSecurity.none()
            .withProtocol(Protocol.SSL)
            .withTruststore(new Store(truststore.toString(), "PKCS12", SecretReference.parse("file:" + file("tp", "trust-pw"))))
            .withKeystore(new Store(keystore.toString(), "JKS", SecretReference.parse("file:" + file("kp", "key-store-pw"))),
                SecretReference.parse("file:" + file("kk", "key-pw")));

    Map<String, Object> resolved = security.clientProperties(Map.of());

    assertEquals(truststore.toString(), resolved.get("ssl.truststore.location"));
    assertEquals("PKCS12", resolved.get("ssl.truststore.type"));
    assertEquals("trust-pw", resolved.get("ssl.truststore.password"));
    assertEquals(keystore.toString(), resolved.get("ssl.keystore.location"));
    assertEquals("key-store-pw", resolved.get("ssl.keystore.password"));
    assertEquals("key-pw", resolved.get("ssl.key.password"));
    assertEquals(Map.of("security.protocol", "SSL", "ssl.truststore.type", "PKCS12", "ssl.keystore.type", "JKS"), security.plainProperties());
  }

  @Test
  void aStoreNamedByAUriIsCopiedToALocalFile() throws IOException {
    Path store = file("remote-truststore.p12", "store bytes");

    Path local = KafkaClientSecurity.localCopy(store.toUri().toString().replace("file:/", "file:///").replace("file:////", "file:///"));

    assertEquals("store bytes", Files.readString(local));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sasl.jaas.config", "ssl.truststore.password", "ssl.keystore.password", "ssl.key.password", "sasl.oauthbearer.client.credentials.client.secret"})
  void secretsAreRefusedAsPlainConfig(String key) {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> KafkaClientSecurity.none().withConsumerConfig(Map.of(key, "hunter2")));
    assertTrue(error.getMessage().startsWith(key + " holds a secret"), error.getMessage());
    assertFalse(error.getMessage().contains("hunter2"));
  }

  @Test
  void aPropertiesFileThatDoesNotParseNamesItsLine() throws IOException {
    Path broken = file("broken.properties", "# comment\nsecurity.protocol=SSL\nssl.truststore.location\n");

    IOException error = assertThrows(IOException.class, () -> KafkaClientSecurity.PropertiesFiles.read(broken));

    assertTrue(error.getMessage().endsWith("line 3 is not key=value"), error.getMessage());
  }

  @Test
  void aSecretThatCannotBeReadIsNamedByItsReferenceOnly() {
    KafkaClientSecurity security =
        KafkaClientSecurity.none().withSasl(Mechanism.PLAIN, "u", SecretReference.parse("env:PAYMENTS_TEST_UNSET_VARIABLE"));

    IOException error = assertThrows(IOException.class, () -> security.clientProperties(Map.of()));

    assertEquals(
        "cannot read the Kafka password from env:PAYMENTS_TEST_UNSET_VARIABLE: environment variable PAYMENTS_TEST_UNSET_VARIABLE is not set",
        error.getMessage());
  }
}
