package dev.exactlyonce.payments.transforms.kafka.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How the pipeline's Kafka clients authenticate and encrypt: TLS, mutual TLS, SASL (PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER), a Kafka {@code client.properties} file and any other
 * client property.
 *
 * <p><b>Secrets stay out of the job.</b> Passwords are {@link SecretReference}s. What KafkaIO
 * keeps in its configuration, and so in the serialized job that Flink's and Dataflow's UIs show,
 * is only {@link #plainProperties()}; the {@link #consumerFactory() consumer factory} reads the
 * secrets, the properties file and the key and trust stores when a consumer is created, on the
 * worker.
 *
 * <p><b>Which setting wins</b>, lowest first: the properties file; {@link #withConsumerConfig
 * --kafkaConsumerConfig}; the dedicated options (protocol, mechanism, user, stores); and last what
 * the pipeline decides itself ({@link #PIPELINE_KEYS}: servers, group, starting offsets,
 * read_committed, deserializers), which comes from its own options.
 *
 * <p><b>Stores elsewhere than the local disk</b> ({@code gs://...} on Dataflow, any scheme Beam's
 * file systems read) are copied once per JVM into a local temporary file, since Kafka's client
 * reads stores from local paths only.
 */
public final class KafkaClientSecurity implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Decided by the pipeline's own options; a properties file or extra config never changes them. */
  public static final Set<String> PIPELINE_KEYS =
      Set.of(
          CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
          ConsumerConfig.GROUP_ID_CONFIG,
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG,
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);

  /** Client properties that hold secrets: never taken as plain option values. */
  private static final Pattern SECRET_KEY = Pattern.compile(".*(password|jaas|secret|ssl\\.keystore\\.key$|credentials).*");

  /** Google Managed Kafka's login handler, from com.google.cloud.hosted.kafka:managed-kafka-auth-login-handler. */
  static final String GOOGLE_LOGIN_HANDLER = "com.google.cloud.hosted.kafka.auth.GcpLoginCallbackHandler";

  private static final Map<String, Path> LOCAL_COPIES = new ConcurrentHashMap<>();

  /** Kafka's security protocols. */
  public enum Protocol {
    PLAINTEXT,
    SSL,
    SASL_PLAINTEXT,
    SASL_SSL;

    boolean usesSasl() {
      return this == SASL_PLAINTEXT || this == SASL_SSL;
    }

    boolean usesTls() {
      return this == SSL || this == SASL_SSL;
    }
  }

  /** The SASL mechanisms supported, with the login module each needs. */
  public enum Mechanism {
    PLAIN("PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule"),
    SCRAM_SHA_256("SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule"),
    SCRAM_SHA_512("SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule"),
    OAUTHBEARER("OAUTHBEARER", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule");

    private final String kafkaName;
    private final String loginModule;

    Mechanism(String kafkaName, String loginModule) {
      this.kafkaName = kafkaName;
      this.loginModule = loginModule;
    }

    public String kafkaName() {
      return kafkaName;
    }

    /** By Kafka's name, any case; null if unsupported. */
    public static @Nullable Mechanism named(String name) {
      for (Mechanism mechanism : values()) {
        if (mechanism.kafkaName.equalsIgnoreCase(name.strip())) {
          return mechanism;
        }
      }
      return null;
    }
  }

  /** A key or trust store: where, its type (JKS, PKCS12, PEM) and its password. */
  public record Store(String location, @Nullable String type, @Nullable SecretReference password)
      implements Serializable {}

  private final @Nullable Protocol protocol;
  private final @Nullable Mechanism mechanism;
  private final @Nullable String username;
  private final @Nullable SecretReference password;
  private final @Nullable Store truststore;
  private final @Nullable Store keystore;
  private final @Nullable SecretReference keyPassword;
  private final @Nullable String propertiesFile;
  private final TreeMap<String, String> consumerConfig;
  private final SecretVersionReader secretManager;

  private KafkaClientSecurity(
      @Nullable Protocol protocol,
      @Nullable Mechanism mechanism,
      @Nullable String username,
      @Nullable SecretReference password,
      @Nullable Store truststore,
      @Nullable Store keystore,
      @Nullable SecretReference keyPassword,
      @Nullable String propertiesFile,
      Map<String, String> consumerConfig,
      SecretVersionReader secretManager) {
    this.protocol = protocol;
    this.mechanism = mechanism;
    this.username = username;
    this.password = password;
    this.truststore = truststore;
    this.keystore = keystore;
    this.keyPassword = keyPassword;
    this.propertiesFile = propertiesFile;
    this.consumerConfig = new TreeMap<>(consumerConfig);
    this.secretManager = secretManager;
  }

  /** Nothing set: an unsecured broker, unless a properties file or extra config says otherwise. */
  public static KafkaClientSecurity none() {
    return new KafkaClientSecurity(
        null, null, null, null, null, null, null, null, Map.of(), SecretManagerReader.withDefaultCredentials());
  }

  public KafkaClientSecurity withProtocol(@Nullable Protocol protocol) {
    return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, keystore, keyPassword, propertiesFile, consumerConfig, secretManager);
  }

  /**
   * SASL with a user and password (PLAIN, SCRAM), or OAUTHBEARER without them, which logs in with
   * Google's application-default credentials (Google Managed Kafka).
   */
  public KafkaClientSecurity withSasl(Mechanism mechanism, @Nullable String username, @Nullable SecretReference password) {
    return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, keystore, keyPassword, propertiesFile, consumerConfig, secretManager);
  }

  public KafkaClientSecurity withTruststore(@Nullable Store truststore) {
    return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, keystore, keyPassword, propertiesFile, consumerConfig, secretManager);
  }

  /** The client's own key and certificate, for mutual TLS. */
  public KafkaClientSecurity withKeystore(@Nullable Store keystore, @Nullable SecretReference keyPassword) {
    return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, keystore, keyPassword, propertiesFile, consumerConfig, secretManager);
  }

  /** A Kafka {@code client.properties}, as Kafka's own tools take it (read where the client runs). */
  public KafkaClientSecurity withPropertiesFile(@Nullable String propertiesFile) {
    return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, keystore, keyPassword, propertiesFile, consumerConfig, secretManager);
  }

  /**
   * Any other client property. Secrets are refused here (they would show in the job): use a
   * properties file or the secret options.
   */
  public KafkaClientSecurity withConsumerConfig(Map<String, String> config) {
    for (String key : config.keySet()) {
      if (isSecretKey(key)) {
        throw new IllegalArgumentException(
            key + " holds a secret: give it in the properties file or through the *Secret options, not as a plain value");
      }
    }
    return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, keystore, keyPassword, propertiesFile, config, secretManager);
  }

  public KafkaClientSecurity withSecretManager(SecretVersionReader reader) {
    return new KafkaClientSecurity(protocol, mechanism, username, password, truststore, keystore, keyPassword, propertiesFile, consumerConfig, reader);
  }

  static boolean isSecretKey(String key) {
    return SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).matches();
  }

  public @Nullable String propertiesFile() {
    return propertiesFile;
  }

  public @Nullable Store truststore() {
    return truststore;
  }

  public @Nullable Store keystore() {
    return keystore;
  }

  public @Nullable String username() {
    return username;
  }

  public @Nullable Mechanism mechanism() {
    return mechanism;
  }

  /**
   * What may travel in KafkaIO's configuration and be shown: protocol, mechanism, store types and
   * the extra config. Never a secret, never a path to one.
   */
  public Map<String, Object> plainProperties() {
    Map<String, Object> plain = new LinkedHashMap<>(consumerConfig);
    if (protocol != null) {
      plain.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol.name());
    }
    if (mechanism != null) {
      plain.put(SaslConfigs.SASL_MECHANISM, mechanism.kafkaName());
    }
    if (truststore != null && truststore.type() != null) {
      plain.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, truststore.type());
    }
    if (keystore != null && keystore.type() != null) {
      plain.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, keystore.type());
    }
    return plain;
  }

  /**
   * The whole client configuration over {@code base} (KafkaIO's, or an admin client's), secrets
   * read and stores local, in the order of precedence above.
   *
   * @throws IOException naming what could not be read: a secret, a store, the properties file
   */
  public Map<String, Object> clientProperties(Map<String, Object> base) throws IOException {
    Map<String, Object> properties = new HashMap<>(base);
    Map<String, Object> plain = plainProperties();
    if (propertiesFile != null) {
      for (Map.Entry<String, String> entry : PropertiesFiles.read(localCopy(propertiesFile)).entrySet()) {
        if (!PIPELINE_KEYS.contains(entry.getKey()) && !plain.containsKey(entry.getKey())) {
          properties.put(entry.getKey(), entry.getValue());
        }
      }
    }
    properties.putAll(plain);
    if (mechanism != null) {
      String jaas = jaasConfig();
      if (jaas != null) {
        properties.put(SaslConfigs.SASL_JAAS_CONFIG, jaas);
      }
      if (mechanism == Mechanism.OAUTHBEARER && username == null) {
        properties.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS, GOOGLE_LOGIN_HANDLER);
      }
    }
    if (truststore != null) {
      properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, localCopy(truststore.location()).toString());
      if (truststore.password() != null) {
        properties.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, read(truststore.password(), "trust store password"));
      }
    }
    if (keystore != null) {
      properties.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, localCopy(keystore.location()).toString());
      if (keystore.password() != null) {
        properties.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, read(keystore.password(), "key store password"));
      }
    }
    if (keyPassword != null) {
      properties.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, read(keyPassword, "key password"));
    }
    return properties;
  }

  private @Nullable String jaasConfig() throws IOException {
    if (mechanism == Mechanism.OAUTHBEARER) {
      return mechanism.loginModule + " required;";
    }
    if (username == null || password == null) {
      return null;
    }
    return mechanism.loginModule + " required username=" + quoted(username)
        + " password=" + quoted(read(password, "password")) + ";";
  }

  /** A JAAS option value: in double quotes, with backslashes and quotes escaped. */
  static String quoted(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private String read(SecretReference secret, String what) throws IOException {
    try {
      return secret.resolve(secretManager);
    } catch (IOException e) {
      throw new IOException("cannot read the Kafka " + what + " from " + secret + ": " + e.getMessage(), e);
    }
  }

  /**
   * A creator of consumers for KafkaIO's {@code withConsumerFactoryFn}: it reads the secrets and
   * stores when KafkaIO opens a consumer, on the worker.
   */
  public SerializableFunction<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory() {
    KafkaClientSecurity security = this;
    return config -> {
      try {
        return new KafkaConsumer<>(security.clientProperties(config));
      } catch (IOException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    };
  }

  /**
   * A local path for a file named by a local path or by any URI Beam's file systems read; a remote
   * one is copied once per JVM.
   */
  static Path localCopy(String location) throws IOException {
    if (!location.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*") || location.startsWith("file://")) {
      return location.startsWith("file://") ? Path.of(java.net.URI.create(location)) : Path.of(location);
    }
    Path cached = LOCAL_COPIES.get(location);
    if (cached != null && Files.isReadable(cached)) {
      return cached;
    }
    String name = location.substring(location.lastIndexOf('/') + 1);
    Path copy = Files.createTempFile("kafka-", "-" + name);
    copy.toFile().deleteOnExit();
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(FileSystems.matchSingleFileSpec(location).resourceId()))) {
      Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
    }
    LOCAL_COPIES.put(location, copy);
    return copy;
  }

  /** For messages: the settings, secrets named by their references only. */
  @Override
  public String toString() {
    List<String> parts = new java.util.ArrayList<>();
    parts.add("protocol=" + (protocol == null ? "(from properties or PLAINTEXT)" : protocol));
    if (mechanism != null) {
      parts.add("mechanism=" + mechanism.kafkaName() + (username == null ? "" : ", user=" + username)
          + (password == null ? "" : ", password from " + password));
    }
    if (truststore != null) {
      parts.add("truststore=" + truststore.location());
    }
    if (keystore != null) {
      parts.add("keystore=" + keystore.location());
    }
    if (propertiesFile != null) {
      parts.add("properties=" + propertiesFile);
    }
    if (!consumerConfig.isEmpty()) {
      parts.add("config=" + Collections.unmodifiableMap(consumerConfig));
    }
    return String.join(", ", parts);
  }

  /** Kafka client.properties files, read as Kafka's tools read them, and checked. */
  public static final class PropertiesFiles {
    private PropertiesFiles() {}

    /**
     * The file's properties. A line that is neither blank, a comment nor {@code key=value} (or
     * {@code key: value}, {@code key value}) is refused with its number, where Java's parser would
     * take it as a key with an empty value.
     */
    public static Map<String, String> read(Path file) throws IOException {
      if (!Files.isReadable(file)) {
        throw new IOException("cannot read the Kafka properties file " + file);
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      boolean continued = false;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        boolean continuation = continued;
        continued = line.endsWith("\\") && !line.endsWith("\\\\");
        if (continuation || line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
          continue;
        }
        if (!line.matches("[^=:\\s]+\\s*[=:\\s].*")) {
          throw new IOException("the Kafka properties file " + file + " does not parse: line " + (i + 1) + " is not key=value");
        }
      }
      java.util.Properties properties = new java.util.Properties();
      try (InputStream in = Files.newInputStream(file)) {
        properties.load(in);
      } catch (IllegalArgumentException e) {
        throw new IOException("the Kafka properties file " + file + " does not parse: " + e.getMessage(), e);
      }
      Map<String, String> values = new TreeMap<>();
      properties.stringPropertyNames().forEach(key -> values.put(key, properties.getProperty(key).strip()));
      return values;
    }
  }
}
