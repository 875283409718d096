package dev.exactlyonce.payments.templates;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers BigQuery's REST dataset lookups on a loopback port: BigQueryIO checks at launch that
 * the output dataset exists, and offline there is no BigQuery to ask. Every dataset exists; any
 * other request is a 404, so a launch that needs more than the lookup shows up in {@link
 * #requests()}. Use with {@code --bigQueryEndpoint=}{@link #endpoint()}.
 */
final class BigQueryDatasetStub implements AutoCloseable {
  private static final Pattern DATASET =
      Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/?]+)");

  private final HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private BigQueryDatasetStub(HttpServer server) {
    this.server = server;
  }

  static BigQueryDatasetStub start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    BigQueryDatasetStub stub = new BigQueryDatasetStub(server);
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          stub.requests.add(exchange.getRequestMethod() + " " + path);
          Matcher dataset = DATASET.matcher(path);
          boolean found = exchange.getRequestMethod().equals("GET") && dataset.matches();
          String body =
              found
                  ? String.format(
                      "{\"kind\":\"bigquery#dataset\",\"datasetReference\":"
                          + "{\"projectId\":\"%s\",\"datasetId\":\"%s\"}}",
                      dataset.group(1), dataset.group(2))
                  : "{\"error\":{\"code\":404,\"message\":\"not in the stub\"}}";
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(found ? 200 : 404, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    return stub;
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  /** "METHOD path" of every request so far. */
  List<String> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
