package dev.exactlyonce.payments.templates;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script of templates/ with a {@code gcloud} on the PATH that only records how it was
 * called, and the files of any Cloud Build context it was handed.
 */
final class FakeGcloud {
  private final Path dir;

  FakeGcloud(Path dir) throws IOException {
    this.dir = dir;
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path gcloud = bin.resolve("gcloud");
    Files.writeString(
        gcloud,
        String.join(
            "\n",
            "#!/usr/bin/env bash",
            "set -euo pipefail",
            "printf '%s\\n' \"$@\" > \"" + dir + "/call-$(date +%s%N)\"",
            "if [[ \"$1 $2\" == 'builds submit' ]]; then ls \"$3\" > \"" + dir + "/context\"; fi",
            ""));
    Files.setPosixFilePermissions(gcloud, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** Exit status and standard error of a script run. */
  record Run(int status, String err) {}

  Run run(String script, Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", TemplateFiles.path(script).toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> !name.equals("HOME"));
    environment.put("PATH", dir.resolve("bin") + ":/usr/local/bin:/usr/bin:/bin");
    environment.putAll(env);
    Process process = builder.start();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(script + " did not finish");
    }
    return new Run(process.exitValue(), err);
  }

  /** The arguments of each gcloud call, in call order. */
  List<List<String>> calls() throws IOException {
    List<List<String>> calls = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path call : files.filter(f -> f.getFileName().toString().startsWith("call-")).sorted().toList()) {
        calls.add(Files.readAllLines(call));
      }
    }
    return calls;
  }

  /** The files of the Cloud Build context, if there was a build. */
  List<String> buildContext() throws IOException {
    Path context = dir.resolve("context");
    return Files.exists(context) ? Files.readAllLines(context) : List.of();
  }
}
