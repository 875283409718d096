package dev.exactlyonce.payments.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The Dockerfile, the pom and the scripts agree on the main class, the jar and the parameters. */
class TemplateFilesTest {
  @TempDir Path dir;

  @Test
  void dockerfileMainClassIsALauncherWithAMainAndTheBundlesMainClass() throws Exception {
    String mainClass = TemplateFiles.dockerfileEnv("FLEX_TEMPLATE_JAVA_MAIN_CLASS");
    Method main = Class.forName(mainClass).getMethod("main", String[].class);
    assertTrue(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers()), main::toString);
    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(TemplateFiles.path("pom.xml").toFile());
    assertEquals(mainClass, pom.getElementsByTagName("mainClass").item(0).getTextContent().strip(), "the bundle's Main-Class");
  }

  @Test
  void dockerfileCopiesTheBundleTheBuildNamesToTheLaunchClasspath() {
    String bundle = TemplateFiles.bundleFileName();
    assertEquals(bundle, TemplateFiles.dockerfileCopySource(), "the Dockerfile copies another file");
    assertEquals(TemplateFiles.dockerfileCopyTarget(), TemplateFiles.dockerfileEnv("FLEX_TEMPLATE_JAVA_CLASSPATH"),
        "the launcher's classpath is not where the jar was copied");
    for (String script : List.of("build-jar.sh", "build-template.sh")) {
      assertTrue(TemplateFiles.read(script).contains("target/" + bundle), () -> script + " names another jar");
    }
  }

  @Test
  void runTemplatePassesTemplateParametersWithASeparatorThatKeepsServerLists() throws Exception {
    FakeGcloud gcloud = new FakeGcloud(dir);
    FakeGcloud.Run run =
        gcloud.run(
            "run-template.sh",
            Map.of("PROJECT", "my-project", "REGION", "europe-west1", "BUCKET", "my-bucket",
                "BOOTSTRAP_SERVERS", "b-1:9092,b-2:9092", "TOPIC", "payments-eu", "DATASET", "payments_eu"),
            "dedupHorizonMinutes=30");
    assertEquals(0, run.status(), run.err());
    List<List<String>> calls = gcloud.calls();
    assertEquals(1, calls.size());
    List<String> call = calls.get(0);
    assertEquals(List.of("dataflow", "flex-template", "run"), call.subList(0, 3));
    assertEquals("gs://my-bucket/templates/payments.json", after(call, "--template-file-gcs-location"));
    assertEquals("europe-west1", after(call, "--region"));
    String parameters = after(call, "--parameters");
    assertTrue(parameters.startsWith("^~^"), parameters);
    List<String> given = Arrays.asList(parameters.substring(3).split("~"));
    assertEquals(
        List.of("bootstrapServers=b-1:9092,b-2:9092", "topic=payments-eu", "dataset=payments_eu", "dedupHorizonMinutes=30"),
        given);
    Set<String> known = parameterNames();
    for (String parameter : given) {
      String name = parameter.substring(0, parameter.indexOf('='));
      assertTrue(known.contains(name), () -> name + " is not a template parameter");
    }
  }

  @Test
  void scriptsRefuseToRunWithoutTheirEnvironment() throws Exception {
    FakeGcloud gcloud = new FakeGcloud(dir);
    FakeGcloud.Run run = gcloud.run("run-template.sh", Map.of("PROJECT", "my-project"));
    assertEquals(2, run.status());
    assertTrue(run.err().contains("REGION BUCKET BOOTSTRAP_SERVERS"), run.err());
    FakeGcloud.Run build = gcloud.run("build-template.sh", Map.of("PROJECT", "my-project", "REGION", "europe-west1"));
    assertEquals(2, build.status());
    assertTrue(build.err().contains("BUCKET IMAGE"), build.err());
    assertEquals(List.of(), gcloud.calls(), "gcloud ran anyway");
  }

  private static String after(List<String> call, String flag) {
    int at = call.indexOf(flag);
    assertTrue(at >= 0 && at + 1 < call.size(), () -> flag + " missing in " + call);
    return call.get(at + 1);
  }

  private static Set<String> parameterNames() throws Exception {
    Set<String> names = new HashSet<>();
    JsonNode metadata = new ObjectMapper().readTree(TemplateFiles.path("metadata.json").toFile());
    metadata.path("parameters").forEach(parameter -> names.add(parameter.path("name").asText()));
    return names;
  }
}
