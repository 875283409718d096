package dev.exactlyonce.payments.local.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import dev.exactlyonce.payments.pipeline.PaymentsPipeline;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pipeline against a real broker that demands SASL_SSL (SCRAM-SHA-512) or mutual TLS, and
 * every way a secured launch can be set up wrong: each stops with one line naming the cause and
 * exit status 2, before any offset is committed.
 */
class SecuredKafkaIntegrationTest {
  private static final String TOPIC = "secured-payments";

  @TempDir static Path dir;
  private static LocalKafka kafka;
  private static LocalKafka.Secured secured;

  @BeforeAll
  static void startSecuredKafka() throws Exception {
    kafka = LocalKafka.startSecured(dir.resolve("kafka"));
    secured = kafka.secured();
    kafka.createTopic(TOPIC, 4);
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  private static LocalModeOptions options(LocalKafka.Security security, String topic, Path tables) {
    List<String> args = new ArrayList<>(secured.pipelineOptions(security));
    args.addAll(List.of("--topic=" + topic, "--consumerGroup=" + topic + "-group", "--tablesDir=" + tables,
        "--writeStreams=2", "--writeTriggeringFrequencySeconds=1", "--stopWhenIdleSeconds=5"));
    return LocalPipeline.parseOptions(args.toArray(new String[0]));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(LocalKafka.Security.class)
  void simulatedPaymentsReadOverASecuredListenerReconcile(LocalKafka.Security security) throws Exception {
    String topic = TOPIC + "-" + security.name().toLowerCase();
    kafka.createTopic(topic, 4);
    Ledger ledger =
        KafkaSink.simulate(kafka.bootstrapServers(), topic,
            SimulatorSettings.defaults(Instant.now()).withPayments(600).withRate(5_000).withSeed(3).withFrequentTrouble(),
            sent -> { });
    Path tables = dir.resolve("tables-" + security);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    LocalModeOptions options = options(security, topic, tables);

    // The libraries' log lines go to standard error (slf4j-simple, Kafka's and Beam's loggers):
    // caught here too, so a secret in any of them fails the test.
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    PrintStream standardError = System.err;
    LocalPipeline.Outcome outcome;
    System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
    try {
      outcome = LocalPipeline.run(options, new PrintStream(log, true, StandardCharsets.UTF_8));
    } finally {
      System.setErr(standardError);
    }

    String output = log.toString(StandardCharsets.UTF_8) + logged.toString(StandardCharsets.UTF_8);
    assertEquals(ledger.recordsSent(), outcome.recordsRead(), output);
    Reconciliation.Report report = Reconciliation.check(ledger, TableFiles.read(tables));
    assertTrue(report.passed(), report.text());
    assertTrue(logged.toString(StandardCharsets.UTF_8).contains("password = [hidden]"),
        "the Kafka clients' configuration, passwords masked, was logged and searched");
    assertNoSecretIn(output, "the run's output and log");
  }

  /**
   * What Beam logs and the Flink and Dataflow UIs show: the options, their JSON, and the serialized
   * Kafka read (the job graph holds it). None may hold a password.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(LocalKafka.Security.class)
  void noSecretInTheOptionsOrTheSerializedKafkaRead(LocalKafka.Security security) throws Exception {
    LocalModeOptions options = options(security, TOPIC, dir.resolve("unused"));
    PipelineConfig config = PipelineConfig.from(options);

    assertNoSecretIn(options.toString(), "the options' toString");
    assertNoSecretIn(
        new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(options.as(PipelineOptions.class)),
        "the options as JSON");
    // Uncompressed Java serialization, as the job graph holds the read (Beam's own helper compresses,
    // which would hide a secret from this check).
    java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(read)) {
      out.writeObject(config.read().kafkaIo());
    }
    String serialized = read.toString(StandardCharsets.ISO_8859_1);
    assertTrue(serialized.contains(secured.passwordFile().getFileName().toString())
        || serialized.contains(secured.tls().truststorePassword().getFileName().toString()), "the references are in it");
    assertNoSecretIn(serialized, "the serialized Kafka read");
    assertNoSecretIn(config.read().security().toString(), "the security settings' toString");
  }

  @Test
  void wrongPasswordStopsTheLaunch() throws Exception {
    Path wrong = secretFile("wrong-password", "not-the-password");
    Launch launch = launch(LocalKafka.Security.SASL_SSL, "--kafkaPasswordSecret=file:" + wrong);
    launch.assertRefused("refused user " + LocalKafka.USER);
  }

  @Test
  void unknownUserStopsTheLaunch() throws Exception {
    Launch launch = launch(LocalKafka.Security.SASL_SSL, "--kafkaUsername=nobody");
    launch.assertRefused("refused user nobody");
  }

  @Test
  void certificateTheTrustStoreDoesNotTrustStopsTheLaunch() throws Exception {
    Path untrusted = LocalTls.untrustedTruststore(dir.resolve("other-ca"));
    Launch launch = launch(LocalKafka.Security.SASL_SSL, "--kafkaTruststoreLocation=" + untrusted,
        "--kafkaTruststorePasswordSecret=file:" + dir.resolve("other-ca").resolve("truststore.password"));
    launch.assertRefused("TLS handshake");
  }

  @Test
  void clientWithoutACertificateStopsAMutualTlsLaunch() throws Exception {
    List<String> withoutKeystore = new ArrayList<>(secured.pipelineOptions(LocalKafka.Security.MTLS));
    withoutKeystore.removeIf(option -> option.startsWith("--kafkaKeystore"));
    Launch launch = Launch.of(withoutKeystore.toArray(new String[0]));
    launch.assertRefused("TLS handshake");
  }

  @Test
  void missingStoreFileStopsTheLaunch() throws Exception {
    Launch launch = launch(LocalKafka.Security.SASL_SSL, "--kafkaTruststoreLocation=" + dir.resolve("no-such.p12"));
    launch.assertRefused("--kafkaTruststoreLocation: cannot read " + dir.resolve("no-such.p12"));
  }

  @Test
  void wrongStorePasswordStopsTheLaunch() throws Exception {
    Path wrong = secretFile("wrong-store-password", "not-the-store-password");
    Launch launch = launch(LocalKafka.Security.SASL_SSL, "--kafkaTruststorePasswordSecret=file:" + wrong);
    launch.assertRefused("trust store does not open with its password");
  }

  @Test
  void unsupportedMechanismStopsTheLaunch() throws Exception {
    Launch launch = launch(LocalKafka.Security.SASL_SSL, "--kafkaSaslMechanism=GSSAPI");
    launch.assertRefused("--kafkaSaslMechanism must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER, was GSSAPI");
  }

  @Test
  void propertiesFileThatDoesNotParseStopsTheLaunch() throws Exception {
    Path file = dir.resolve("broken-client.properties");
    Files.writeString(file, "# from a colleague\nsasl.mechanism\n");
    Launch launch = launch(LocalKafka.Security.SASL_SSL, "--kafkaPropertiesFile=" + file);
    launch.assertRefused("line 2 is not key=value");
  }

  @Test
  void aClientPropertiesFileAloneIsEnough() throws Exception {
    Path file = dir.resolve("client.properties");
    Files.writeString(file, secured.clientProperties(LocalKafka.Security.SASL_SSL));
    Path tables = dir.resolve("tables-properties-file");
    LocalModeOptions options =
        LocalPipeline.parseOptions(
            "--bootstrapServers=" + secured.saslSsl(), "--kafkaPropertiesFile=" + file, "--topic=" + TOPIC,
            "--consumerGroup=properties-file-group", "--tablesDir=" + tables, "--stopWhenIdleSeconds=3");
    PipelineConfig config = PipelineConfig.from(options);
    assertEquals(4, dev.exactlyonce.payments.pipeline.KafkaPreflight.check(secured.saslSsl(), TOPIC, config.read().security()));
  }

  private static Path secretFile(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  private static Launch launch(LocalKafka.Security security, String... overrides) {
    List<String> args = new ArrayList<>(secured.pipelineOptions(security));
    for (String override : overrides) {
      String name = override.substring(0, override.indexOf('=') + 1);
      args.removeIf(arg -> arg.startsWith(name));
      args.add(override);
    }
    return Launch.of(args.toArray(new String[0]));
  }

  /** The production launcher, as runners/direct.sh starts it. */
  private record Launch(int status, String err, Duration took) {
    static Launch of(String... pipelineArgs) {
      List<String> args = new ArrayList<>(List.of(pipelineArgs));
      args.addAll(List.of("--topic=" + TOPIC, "--consumerGroup=launch-group", "--runner=DirectRunner", "--project=my-project"));
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      long started = System.nanoTime();
      int status = PaymentsPipeline.launcher().launch(args.toArray(new String[0]), new PrintStream(err, true, StandardCharsets.UTF_8));
      return new Launch(status, err.toString(StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - started));
    }

    void assertRefused(String cause) throws Exception {
      assertEquals(2, status, err);
      List<String> lines = err.lines().filter(line -> !line.startsWith("Run with --help")).toList();
      assertEquals(1, lines.size(), "one line: " + err);
      assertTrue(lines.get(0).startsWith("error: "), err);
      assertTrue(lines.get(0).contains(cause), "names the cause (" + cause + "): " + err);
      assertFalse(err.contains("\tat "), "no stack trace: " + err);
      assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "within 30 s: " + took);
      assertNoSecretIn(err, "the error");
    }
  }

  /** Every password the secured broker and its clients use. */
  private static void assertNoSecretIn(String text, String where) throws Exception {
    List<String> secrets = new ArrayList<>(List.of(Files.readString(secured.passwordFile()).strip()));
    for (String name : List.of("truststore.password", "client.password", "broker.password", "ca.password")) {
      secrets.add(secured.tls().password(name));
    }
    Stream.of("not-the-password", "not-the-store-password").forEach(secrets::add);
    for (String secret : secrets) {
      assertFalse(text.contains(secret), "a secret in " + where);
    }
  }
}
