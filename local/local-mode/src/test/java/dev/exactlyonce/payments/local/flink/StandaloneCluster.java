package dev.exactlyonce.payments.local.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A standalone Flink session cluster in processes of its own, run through {@code
 * runners/flink-cluster/cluster.sh} as a user runs it: a JobManager and two TaskManagers on free
 * ports, with its config, logs, pids and checkpoints under one directory. Stopped on close.
 */
final class StandaloneCluster implements AutoCloseable {
  private static final Path SCRIPT = Path.of(System.getProperty("payments.cluster.script", "missing"));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SCRIPT_PATIENCE = Duration.ofMinutes(4);

  private final Path dir;
  private final Map<String, String> environment;
  private final int restPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private StandaloneCluster(Path dir, int restPort, int rpcPort, int firstPrometheusPort) {
    this.dir = dir;
    this.restPort = restPort;
    this.environment =
        Map.of(
            "FLINK_CLUSTER_DIR", dir.toString(),
            "FLINK_REST_PORT", Integer.toString(restPort),
            "FLINK_RPC_PORT", Integer.toString(rpcPort),
            "FLINK_PROMETHEUS_PORTS", firstPrometheusPort + "-" + (firstPrometheusPort + 20),
            "TASKMANAGERS", "2");
  }

  /** Starts a cluster under {@code dir}; returns once both TaskManagers registered. */
  static StandaloneCluster start(Path dir) throws IOException, InterruptedException {
    StandaloneCluster cluster = new StandaloneCluster(dir, FlinkLocalRuns.freePort(), FlinkLocalRuns.freePort(), FlinkLocalRuns.freePort());
    cluster.run("start");
    return cluster;
  }

  /** Starts the stopped cluster again, on the same ports and directory. */
  void restart() throws IOException, InterruptedException {
    run("start");
  }

  void stop() throws IOException, InterruptedException {
    run("stop");
  }

  void killTaskManager(int n) throws IOException, InterruptedException {
    run("kill-taskmanager", Integer.toString(n));
  }

  /** The process id cluster.sh recorded for a TaskManager. */
  long taskManagerPid(int n) throws IOException {
    return Long.parseLong(Files.readString(dir.resolve("pids").resolve("taskmanager-" + n + ".pid")).strip());
  }

  Path checkpoints() {
    return dir.resolve("checkpoints");
  }

  /**
   * Submits the pipeline with {@code cluster.sh submit}, into the stand-in under {@code tables}: the
   * bundled jar and the harness go in through the REST API, at parallelism 2.
   */
  Process submit(List<String> pipelineOptions, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "submit", "--parallelism=2"));
    command.addAll(pipelineOptions);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    return builder.start();
  }

  /** The one job this cluster ran or runs, once the JobManager knows it. */
  Optional<String> jobId() {
    return get("/jobs/overview")
        .flatMap(overview -> overview.path("jobs").findValuesAsText("jid").stream().reduce((first, later) -> later));
  }

  /** Checkpoints the job completed, by the JobManager's count. */
  long completedCheckpoints(String jobId) {
    return get("/jobs/" + jobId + "/checkpoints").map(stats -> stats.path("counts").path("completed").asLong()).orElse(0L);
  }

  /** The checkpoint the job last restored its state from, by the JobManager's statistics; empty if none. */
  Optional<JsonNode> restoredCheckpoint(String jobId) {
    return get("/jobs/" + jobId + "/checkpoints")
        .map(stats -> stats.path("latest").path("restored"))
        .filter(restored -> restored.isObject());
  }

  /** The job's state as the JobManager reports it (RUNNING, FINISHED, ...). */
  Optional<String> jobState(String jobId) {
    return get("/jobs/" + jobId).map(job -> job.path("state").asText());
  }

  private Optional<JsonNode> get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(JSON.readTree(response.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The cluster processes' logs, for a failure message. */
  String logs() {
    StringBuilder text = new StringBuilder();
    try (var logs = Files.list(dir.resolve("log"))) {
      for (Path log : logs.sorted().toList()) {
        text.append("==> ").append(log.getFileName()).append('\n');
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        lines.stream()
            .filter(line -> line.contains("ERROR") || line.contains("Exception") || line.contains("switched from"))
            .skip(Math.max(0, lines.size() - 40))
            .forEach(line -> text.append(line, 0, Math.min(line.length(), 400)).append('\n'));
      }
    } catch (IOException e) {
      text.append("(cannot read the cluster's logs: ").append(e.getMessage()).append(")\n");
    }
    return text.toString();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    stop();
  }

  private void run(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process script = builder.start();
    String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!script.waitFor(SCRIPT_PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
      script.destroyForcibly();
      throw new IOException("cluster.sh " + String.join(" ", arguments) + " did not finish:\n" + output);
    }
    if (script.exitValue() != 0) {
      throw new IOException("cluster.sh " + String.join(" ", arguments) + " failed:\n" + output + logs());
    }
  }
}
