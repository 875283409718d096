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

  private final Process process;
  private final String bootstrapServers;
  private final Path log;
  private final Thread stopOnExit;

  private LocalKafka(Process process, String bootstrapServers, Path log) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
    this.log = log;
    this.stopOnExit = new Thread(this::stop, "stop-local-kafka");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  /** Starts a broker keeping its data in {@code dataDir} (reused if it already holds a broker). */
  public static LocalKafka start(Path dataDir) throws IOException, InterruptedException {
    Path home = brokerHome();
    Files.createDirectories(dataDir);
    int port = freePort();
    int controllerPort = freePort();
    Path log = dataDir.resolve("broker.log");
    String classpath =
        home.resolve("classes")
            + java.io.File.pathSeparator
            + Files.readString(home.resolve("broker-classpath.txt"), StandardCharsets.UTF_8).strip();
    Process process =
        new ProcessBuilder(
                javaBinary(),
                "-Xmx512m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                classpath,
                BROKER_MAIN,
                Integer.toString(port),
                Integer.toString(controllerPort),
                dataDir.resolve("kafka").toString())
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

  /** Creates the topic unless it exists. */
  public void createTopic(String topic, int partitions) throws IOException, InterruptedException {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IOException("cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
      }
    }
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
