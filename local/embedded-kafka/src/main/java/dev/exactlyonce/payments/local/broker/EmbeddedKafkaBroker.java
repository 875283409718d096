package dev.exactlyonce.payments.local.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one process), for local runs
 * and tests. Runs in its own JVM, started by the local-mode launcher.
 *
 * <p>Usage: {@code EmbeddedKafkaBroker <port> <controllerPort> <dataDir> [extra.properties]}. Binds
 * to 127.0.0.1 only. The extra properties, if given, are laid over the defaults: the local mode
 * adds its TLS and SASL listeners that way. Formats the data directory on first use and keeps it across restarts. Exits when its
 * standard input closes, so the broker never outlives the process that started it, even one killed
 * with SIGKILL.
 */
public final class EmbeddedKafkaBroker {
  private EmbeddedKafkaBroker() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3 && args.length != 4) {
      System.err.println("usage: EmbeddedKafkaBroker <port> <controllerPort> <dataDir> [extra.properties]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int controllerPort = Integer.parseInt(args[1]);
    Path dataDir = Path.of(args[2]).toAbsolutePath();
    Files.createDirectories(dataDir);

    Path config = writeConfig(dataDir, port, controllerPort, args.length == 4 ? Path.of(args[3]) : null);
    format(dataDir, config);
    exitWhenParentGoes(System.in);
    kafka.Kafka.main(new String[] {config.toString()});
  }

  private static Path writeConfig(Path dataDir, int port, int controllerPort, Path extra) throws IOException {
    Properties props = new Properties();
    props.setProperty("process.roles", "broker,controller");
    props.setProperty("node.id", "1");
    props.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.setProperty(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    props.setProperty("controller.listener.names", "CONTROLLER");
    props.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.setProperty("inter.broker.listener.name", "PLAINTEXT");
    props.setProperty("log.dirs", dataDir.resolve("log").toString());
    // One node: every internal topic has a single replica.
    props.setProperty("offsets.topic.replication.factor", "1");
    props.setProperty("offsets.topic.num.partitions", "4");
    props.setProperty("transaction.state.log.replication.factor", "1");
    props.setProperty("transaction.state.log.min.isr", "1");
    props.setProperty("group.initial.rebalance.delay.ms", "0");
    props.setProperty("auto.create.topics.enable", "false");
    props.setProperty("log.retention.hours", "-1");
    if (extra != null) {
      try (java.io.InputStream in = Files.newInputStream(extra)) {
        props.load(in);
      }
    }
    Path config = dataDir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(config)) {
      props.store(out, "written by EmbeddedKafkaBroker");
    }
    return config;
  }

  private static void format(Path dataDir, Path config) {
    if (Files.exists(dataDir.resolve("log").resolve("meta.properties"))) {
      return;
    }
    int status =
        StorageTool.execute(
            new String[] {
              "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(), "--ignore-formatted"
            },
            new PrintStream(OutputStream.nullOutputStream()));
    if (status != 0) {
      throw new IllegalStateException("formatting the Kafka log directory failed: " + status);
    }
  }

  private static void exitWhenParentGoes(InputStream stdin) {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (stdin.read() >= 0) {
                  // Nothing is expected on stdin; end of stream means the parent is gone.
                }
              } catch (IOException e) {
                // Treated like end of stream.
              }
              System.exit(0);
            },
            "parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }
}
