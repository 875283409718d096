package dev.exactlyonce.payments.local.kafka;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker leaves nothing behind: no process, no open port. */
class LocalKafkaTest {
  @TempDir Path dir;

  @Test
  void closingStopsTheBrokerAndFreesItsPort() throws Exception {
    LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"));
    String[] hostPort = kafka.bootstrapServers().split(":");
    InetSocketAddress address = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
    kafka.createTopic("payments", 4);
    assertTrue(kafka.topics().contains("payments"));
    try (Socket open = new Socket()) {
      open.connect(address, 2_000);
    }

    kafka.close();

    assertThrows(IOException.class, () -> {
      try (Socket closed = new Socket()) {
        closed.connect(address, 2_000);
      }
    });
  }
}
