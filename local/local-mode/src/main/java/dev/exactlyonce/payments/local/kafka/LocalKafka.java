package dev.exactlyonce.payments.local.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.checkerframework.checker.nullness.qual.Nullable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Starts the embedded Kafka broker (module {@code local/embedded-kafka}) as a child JVM on free
 * loopback ports and stops it on {@link #close()}, on JVM exit, and, because the child exits when
 * its standard input closes, even when this process is killed.
 */
public final class LocalKafka implements AutoCloseable {
  /** Directory with the broker's {@code classes/} and {@code broker-classpath.txt}. */
  public static final String BROKER_HOME_PROPERTY = "payments.broker.home";

  private static final long START_TIMEOUT_SECONDS = 90;
  private static final String BROKER_MAIN = "dev.exactlyonce.payments.local.broker.EmbeddedKafkaBroker";

  /** The SASL user the secured broker knows (SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN). */
  public static final String USER = "payments";

  private final Process process;
  private final String bootstrapServers;
  private final Path log;
  private final Thread stopOnExit;
  private @Nullable Secured secured;

  /**
   * The secured listeners of a broker started with {@link #startSecured}, and what a client needs
   * for them. Passwords are in files, named here by path only.
   *
   * @param saslSsl SASL over TLS, with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN
   * @param mutualTls TLS that requires a client certificate signed by the local authority
   * @param passwordFile the SASL user's password
   */
  public record Secured(String saslSsl, String mutualTls, LocalTls tls, Path passwordFile) {
    /** The client.properties a Kafka tool or this pipeline uses for one of the listeners. */
    public String clientProperties(Security security) throws IOException {
      StringBuilder text = new StringBuilder();
      text.append("bootstrap.servers=").append(security == Security.SASL_SSL ? saslSsl : mutualTls).append('\n');
      text.append("security.protocol=").append(security == Security.SASL_SSL ? "SASL_SSL" : "SSL").append('\n');
      text.append("ssl.truststore.location=").append(tls.truststore()).append('\n');
      text.append("ssl.truststore.type=PKCS12\n");
      text.append("ssl.truststore.password=").append(tls.password("truststore.password")).append('\n');
      if (security == Security.SASL_SSL) {
        text.append("sasl.mechanism=SCRAM-SHA-512\n");
        text.append("sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"")
            .append(USER).append("\" password=\"").append(Files.readString(passwordFile).strip()).append("\";\n");
      } else {
        text.append("ssl.keystore.location=").append(tls.clientKeystore()).append('\n');
        text.append("ssl.keystore.type=PKCS12\n");
        text.append("ssl.keystore.password=").append(tls.password("client.password")).append('\n');
      }
      return text.toString();
    }

    /** The pipeline options for one of the listeners: every secret by a file: reference. */
    public List<String> pipelineOptions(Security security) {
      List<String> options = new java.util.ArrayList<>(List.of(
          "--bootstrapServers=" + (security == Security.SASL_SSL ? saslSsl : mutualTls),
          "--kafkaTruststoreLocation=" + tls.truststore(),
          "--kafkaTruststoreType=PKCS12",
          "--kafkaTruststorePasswordSecret=file:" + tls.truststorePassword()));
      if (security == Security.SASL_SSL) {
        options.addAll(List.of(
            "--kafkaSecurityProtocol=SASL_SSL",
            "--kafkaSaslMechanism=SCRAM-SHA-512",
            "--kafkaUsername=" + USER,
            "--kafkaPasswordSecret=file:" + passwordFile));
      } else {
        options.addAll(List.of(
            "--kafkaSecurityProtocol=SSL",
            "--kafkaKeystoreLocation=" + tls.clientKeystore(),
            "--kafkaKeystoreType=PKCS12",
            "--kafkaKeystorePasswordSecret=file:" + tls.clientPassword()));
      }
      return options;
    }
  }

  /** The secured listeners a local broker can have. */
  public enum Security {
    SASL_SSL,
    MTLS
  }

  private LocalKafka(Process process, String bootstrapServers, Path log) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
    this.log = log;
    this.stopOnExit = new Thread(this::stop, "stop-local-kafka");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  /** Starts a broker keeping its data in {@code dataDir} (reused if it already holds a broker). */
  public static LocalKafka start(Path dataDir) throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    return start(dataDir, freePort(), freePort(), null);
  }

  /**
   * Starts a broker that also listens with SASL_SSL (SCRAM and PLAIN users) and with mutual TLS,
   * on certificates made with the JDK alone ({@link LocalTls}); SCRAM users are created through
   * the broker's admin API. Its plain listener, {@link #bootstrapServers()}, stays for the local
   * tools (simulator, topic creation).
   */
  public static LocalKafka startSecured(Path dataDir) throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    LocalTls tls = LocalTls.in(dataDir.resolve("tls"));
    Path passwordFile = dataDir.resolve("tls").resolve(USER + ".password");
    if (!Files.isRegularFile(passwordFile)) {
      Files.writeString(passwordFile, tls.password("client.password").substring(0, 12) + "-sasl");
    }
    String userPassword = Files.readString(passwordFile).strip();
    int port = freePort();
    int controllerPort = freePort();
    int saslSslPort = freePort();
    int mutualTlsPort = freePort();
    java.util.Properties extra = new java.util.Properties();
    extra.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
        + ",SASL_SSL://127.0.0.1:" + saslSslPort + ",SSL://127.0.0.1:" + mutualTlsPort);
    extra.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port
        + ",SASL_SSL://127.0.0.1:" + saslSslPort + ",SSL://127.0.0.1:" + mutualTlsPort);
    extra.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL");
    extra.setProperty("sasl.enabled.mechanisms", "SCRAM-SHA-512,SCRAM-SHA-256,PLAIN");
    String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
    extra.setProperty("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", scram);
    extra.setProperty("listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config", scram);
    extra.setProperty("listener.name.sasl_ssl.plain.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + USER + "=\"" + userPassword + "\";");
    extra.setProperty("ssl.keystore.location", tls.brokerKeystore().toString());
    extra.setProperty("ssl.keystore.type", "PKCS12");
    extra.setProperty("ssl.keystore.password", tls.password("broker.password"));
    extra.setProperty("ssl.key.password", tls.password("broker.password"));
    extra.setProperty("ssl.truststore.location", tls.truststore().toString());
    extra.setProperty("ssl.truststore.type", "PKCS12");
    extra.setProperty("ssl.truststore.password", tls.password("truststore.password"));
    extra.setProperty("listener.name.ssl.ssl.client.auth", "required");
    Path extraFile = dataDir.resolve("tls").resolve("listeners.properties");
    try (java.io.OutputStream out = Files.newOutputStream(extraFile)) {
      extra.store(out, "secured listeners of the local broker");
    }
    LocalKafka kafka = start(dataDir, port, controllerPort, extraFile);
    try {
      kafka.createScramUser(userPassword);
    } catch (IOException | InterruptedException | RuntimeException e) {
      kafka.close();
      throw e;
    }
    kafka.secured = new Secured("127.0.0.1:" + saslSslPort, "127.0.0.1:" + mutualTlsPort, tls, passwordFile);
    return kafka;
  }

  /** The secured listeners, or null for a broker started with {@link #start}. */
  public @Nullable Secured secured() {
    return secured;
  }

  private void createScramUser(String password) throws IOException, InterruptedException {
    try (Admin admin = admin()) {
      // One mechanism per request: Kafka refuses to alter one user's credentials twice in one.
      for (ScramMechanism mechanism : List.of(ScramMechanism.SCRAM_SHA_512, ScramMechanism.SCRAM_SHA_256)) {
        admin.alterUserScramCredentials(
                List.of(new UserScramCredentialUpsertion(USER, new ScramCredentialInfo(mechanism, 8192), password)))
            .all().get(30, TimeUnit.SECONDS);
      }
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("cannot create the local broker's SCRAM user: " + e.getMessage(), e);
    }
  }

  private static LocalKafka start(Path dataDir, int port, int controllerPort, @Nullable Path extraProperties)
      throws IOException, InterruptedException {
    Path home = brokerHome();
    Path log = dataDir.resolve("broker.log");
    String classpath =
        home.resolve("classes")
            + java.io.File.pathSeparator
            + Files.readString(home.resolve("broker-classpath.txt"), StandardCharsets.UTF_8).strip();
    List<String> command = new java.util.ArrayList<>(List.of(
        javaBinary(),
        "-Xmx512m",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp",
        classpath,
        BROKER_MAIN,
        Integer.toString(port),
        Integer.toString(controllerPort),
        dataDir.resolve("kafka").toString()));
    if (extraProperties != null) {
      command.add(extraProperties.toString());
    }
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    LocalKafka kafka = new LocalKafka(process, "127.0.0.1:" + port, log);
    try {
      kafka.awaitReady();
    } catch (IOException | InterruptedException | RuntimeException e) {
      kafka.close();
      throw e;
    }
    return kafka;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Creates the topic unless it exists, and returns once every partition's leader serves requests.
   * A producer that wrote at once was answered NOT_LEADER_OR_FOLLOWER by a broker still taking
   * leadership, and its idempotent retries then failed on sequence numbers until they timed out
   * (seen on busy machines, CI among them).
   */
  public void createTopic(String topic, int partitions) throws IOException, InterruptedException {
    try (Admin admin = admin()) {
      try {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IOException("cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
        }
      }
      awaitLeaders(admin, topic);
    }
  }

  /**
   * A broker publishes a new partition's leader in its metadata before its replica manager has
   * taken leadership (KRaft's {@code BrokerMetadataPublisher} sets the metadata cache first, then
   * applies the topic delta), so a leader in {@code describeTopics} does not yet accept writes;
   * {@link TopicEnds} has every partition's leader answer for itself.
   */
  private static void awaitLeaders(Admin admin, String topic) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        TopicEnds.of(admin, topic, 10);
        return;
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        // Not known to the broker's metadata yet, or a leader is not serving yet: ask again.
      }
      Thread.sleep(100);
    }
    throw new IOException("topic " + topic + " has partitions without a serving leader after 60 s");
  }

  public Set<String> topics() throws IOException, InterruptedException {
    try (Admin admin = admin()) {
      return admin.listTopics().names().get();
    } catch (ExecutionException e) {
      throw new IOException("cannot list topics: " + e.getCause().getMessage(), e);
    }
  }

  private Admin admin() {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the Kafka broker exited at start; see " + log);
      }
      try (Admin admin = admin()) {
        admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        Thread.sleep(250);
      }
    }
    throw new IOException("the Kafka broker did not start within " + START_TIMEOUT_SECONDS + " s; see " + log);
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running or has run; nothing left to remove.
    }
  }

  private void stop() {
    if (!process.isAlive()) {
      return;
    }
    try {
      process.getOutputStream().close();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static Path brokerHome() {
    String configured = System.getProperty(BROKER_HOME_PROPERTY);
    List<Path> candidates =
        configured != null
            ? List.of(Path.of(configured))
            : List.of(Path.of("local/embedded-kafka/target"), Path.of("../embedded-kafka/target"));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate.resolve("broker-classpath.txt"))) {
        return candidate.toAbsolutePath();
      }
    }
    throw new UncheckedIOException(
        new IOException(
            "the embedded Kafka broker is not built (looked in "
                + candidates
                + "); run mvn -B -ntp install -DskipTests first"));
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
