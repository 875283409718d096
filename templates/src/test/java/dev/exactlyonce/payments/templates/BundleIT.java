package dev.exactlyonce.payments.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle the package phase built, checked as the launcher image uses it: the file the
 * Dockerfile copies, its Main-Class, its merged service files, and a launch from it alone.
 */
class BundleIT {
  private static final String SERVICES = "META-INF/services/";
  private static final Pattern SIGNATURE = Pattern.compile("META-INF/[^/]+\\.(SF|DSA|RSA)");

  @TempDir Path dir;

  private static Path bundle() {
    Path bundle = TemplateFiles.path("target/" + TemplateFiles.dockerfileCopySource());
    assertTrue(Files.isRegularFile(bundle), () -> "the build did not produce " + bundle + ", which the Dockerfile copies");
    return bundle;
  }

  @Test
  void bundleIsTheFileTheDockerfileCopiesAndPutsOnTheLaunchClasspath() {
    Path bundle = bundle();
    String classpath = TemplateFiles.dockerfileEnv("FLEX_TEMPLATE_JAVA_CLASSPATH");
    assertEquals(bundle.getFileName().toString(), classpath.substring(classpath.lastIndexOf('/') + 1));
  }

  @Test
  void manifestMainClassIsTheDockerfileMainClassAndIsInside() throws IOException {
    String mainClass = TemplateFiles.dockerfileEnv("FLEX_TEMPLATE_JAVA_MAIN_CLASS");
    try (JarFile jar = new JarFile(bundle().toFile())) {
      Manifest manifest = jar.getManifest();
      assertEquals(mainClass, manifest.getMainAttributes().getValue("Main-Class"));
      assertTrue(jar.getEntry(mainClass.replace('.', '/') + ".class") != null, "main class not in the bundle");
    }
  }

  @Test
  void serviceFilesKeepEveryBeamRegistrarOfTheDependencies() throws IOException {
    try (JarFile bundle = new JarFile(bundle().toFile())) {
      Set<String> missing = new TreeSet<>();
      int checked = 0;
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        if (!entry.endsWith(".jar") || !new File(entry).isFile()) {
          continue;
        }
        try (JarFile dependency = new JarFile(entry)) {
          for (JarEntry service : services(dependency)) {
            Set<String> merged = lines(bundle, bundle.getJarEntry(service.getName()));
            for (String provider : lines(dependency, service)) {
              checked++;
              if (!merged.contains(provider)) {
                missing.add(service.getName().substring(SERVICES.length()) + ": " + provider);
              }
            }
          }
        }
      }
      assertTrue(checked > 20, "too few Beam service entries on the classpath: " + checked);
      assertEquals(Set.of(), missing, "service entries lost in the merge");
      // The ones the launcher cannot do without, by name.
      assertTrue(lines(bundle, bundle.getJarEntry(SERVICES + "org.apache.beam.sdk.runners.PipelineRunnerRegistrar"))
          .contains("org.apache.beam.runners.dataflow.DataflowPipelineRegistrar$Runner"));
      assertTrue(lines(bundle, bundle.getJarEntry(SERVICES + "org.apache.beam.sdk.io.FileSystemRegistrar"))
          .containsAll(List.of(
              "org.apache.beam.sdk.io.LocalFileSystemRegistrar",
              "org.apache.beam.sdk.extensions.gcp.storage.GcsFileSystemRegistrar")));
    }
  }

  @Test
  void noSignatureFilesOfTheOriginalJars() throws IOException {
    try (JarFile bundle = new JarFile(bundle().toFile())) {
      List<String> signatures =
          bundle.stream().map(JarEntry::getName).filter(name -> SIGNATURE.matcher(name).matches()).toList();
      assertEquals(List.of(), signatures);
    }
  }

  @Test
  void theBundleAloneLaunchesWithTheDataflowRunnerKnown() throws Exception {
    // No Kafka address: the launch stops at the options, after Beam resolved --runner by name
    // through the merged registrars.
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                java, "-cp", bundle().toString(), TemplateFiles.dockerfileEnv("FLEX_TEMPLATE_JAVA_MAIN_CLASS"),
                "--runner=DataflowRunner", "--project=my-project", "--region=europe-west1")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the launcher did not exit");
    assertEquals(2, process.exitValue(), err);
    assertFalse(err.contains("Unknown 'runner'"), err);
    assertTrue(err.contains("error: ") && err.contains("bootstrapServers"), err);
  }

  @Test
  void buildTemplateBuildsTheImageFromTheDockerfileAndBundleOnly() throws Exception {
    FakeGcloud gcloud = new FakeGcloud(dir);
    String image = "my-registry/my-project/templates/payments:1";
    FakeGcloud.Run run =
        gcloud.run(
            "build-template.sh",
            Map.of("PROJECT", "my-project", "REGION", "europe-west1", "BUCKET", "my-bucket", "IMAGE", image));
    assertEquals(0, run.status(), run.err());
    assertEquals(List.of("Dockerfile", bundle().getFileName().toString()), gcloud.buildContext().stream().sorted().toList());
    List<List<String>> calls = gcloud.calls();
    assertEquals(2, calls.size(), calls::toString);
    assertEquals(List.of("builds", "submit"), calls.get(0).subList(0, 2));
    assertTrue(calls.get(0).containsAll(List.of("--tag", image)), calls.get(0)::toString);
    List<String> build = calls.get(1);
    assertEquals(List.of("dataflow", "flex-template", "build", "gs://my-bucket/templates/payments.json"), build.subList(0, 4));
    assertEquals(image, build.get(build.indexOf("--image") + 1));
    assertEquals("JAVA", build.get(build.indexOf("--sdk-language") + 1));
    assertEquals(TemplateFiles.path("metadata.json").toString(), build.get(build.indexOf("--metadata-file") + 1));
  }

  private static List<JarEntry> services(JarFile jar) {
    List<JarEntry> services = new ArrayList<>();
    for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
      JarEntry entry = entries.nextElement();
      if (entry.getName().startsWith(SERVICES + "org.apache.beam.") && !entry.isDirectory()) {
        services.add(entry);
      }
    }
    return services;
  }

  /** A service file's providers, without comments and blank lines; empty when absent. */
  private static Set<String> lines(JarFile jar, JarEntry entry) throws IOException {
    Set<String> lines = new LinkedHashSet<>();
    if (entry == null) {
      return lines;
    }
    try (InputStream in = jar.getInputStream(entry)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String provider = line.replaceAll("#.*", "").strip();
        if (!provider.isEmpty()) {
          lines.add(provider);
        }
      }
    }
    return lines;
  }
}
