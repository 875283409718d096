package dev.exactlyonce.payments.templates;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.exactlyonce.payments.pipeline.BigQueryOutputOptions;
import dev.exactlyonce.payments.pipeline.KafkaReadOptions;
import dev.exactlyonce.payments.pipeline.PaymentsPipelineOptions;
import dev.exactlyonce.payments.pipeline.ProcessingOptions;
import java.beans.Introspector;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.beam.model.jobmanagement.v1.JobApi.PipelineOptionDescriptor;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code metadata.json} against the options the code declares, found by reflection: the template
 * and the pipeline cannot drift apart.
 */
class TemplateMetadataTest {
  /** The interfaces whose options users set; their parents (Beam's, BigQuery's) are not ours. */
  private static final List<Class<? extends PipelineOptions>> USER_FACING =
      List.of(KafkaReadOptions.class, ProcessingOptions.class, BigQueryOutputOptions.class);

  private static final Set<String> PARAMETER_KEYS =
      Set.of("name", "label", "helpText", "isOptional", "regexes");

  private static JsonNode metadata;
  private static Map<String, JsonNode> parameters;

  /** One option as the code declares it. */
  private record Option(String name, String description, boolean hasDefault, String defaultValue, boolean required) {}

  @BeforeAll
  static void readMetadata() throws IOException {
    metadata = new ObjectMapper().readTree(TemplateFiles.path("metadata.json").toFile());
    parameters = new LinkedHashMap<>();
    for (JsonNode parameter : metadata.path("parameters")) {
      JsonNode previous = parameters.put(parameter.path("name").asText(), parameter);
      assertEquals(null, previous, "parameter listed twice: " + parameter.path("name"));
    }
  }

  /** The options the interfaces declare themselves, with their annotations. */
  private static Map<String, Option> declaredOptions() {
    Map<String, Option> options = new LinkedHashMap<>();
    for (Class<?> iface : USER_FACING) {
      for (Method getter : iface.getDeclaredMethods()) {
        String property = propertyName(getter);
        if (property == null) {
          continue;
        }
        Description description = getter.getAnnotation(Description.class);
        assertTrue(description != null, () -> property + " has no @Description");
        Annotation defaultAnnotation =
            Stream.of(getter.getAnnotations())
                .filter(a -> a.annotationType().getEnclosingClass() == Default.class)
                .findFirst()
                .orElse(null);
        options.put(
            property,
            new Option(
                property,
                description.value(),
                defaultAnnotation != null,
                literal(defaultAnnotation),
                getter.isAnnotationPresent(Validation.Required.class)));
      }
    }
    return options;
  }

  /** The declared options that are template parameters, each with its parameter. */
  private static List<Listed> listedOptions() {
    return declaredOptions().values().stream()
        .filter(option -> parameters.containsKey(option.name()))
        .map(option -> new Listed(option, parameters.get(option.name())))
        .toList();
  }

  private record Listed(Option option, JsonNode parameter) {}

  private static String propertyName(Method method) {
    String name = method.getName();
    if (method.getParameterCount() == 0 && name.startsWith("get") && name.length() > 3) {
      return Introspector.decapitalize(name.substring(3));
    }
    if (method.getParameterCount() == 0 && name.startsWith("is") && name.length() > 2) {
      return Introspector.decapitalize(name.substring(2));
    }
    return null;
  }

  /** The default as a user would type it; null for none, or one computed by a factory. */
  private static String literal(Annotation defaultAnnotation) {
    if (defaultAnnotation == null || defaultAnnotation instanceof Default.InstanceFactory) {
      return null;
    }
    try {
      return String.valueOf(defaultAnnotation.annotationType().getMethod("value").invoke(defaultAnnotation));
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("unreadable default " + defaultAnnotation, e);
    }
  }

  @Test
  void templateIsStreamingAndExactlyOnceOnly() {
    assertTrue(metadata.path("name").asText().length() > 0);
    assertTrue(metadata.path("description").asText().length() > 0);
    assertTrue(metadata.path("streaming").asBoolean(), "streaming");
    assertTrue(metadata.path("supportsExactlyOnce").asBoolean(), "supportsExactlyOnce");
    // The launcher refuses Dataflow's at-least-once mode (DataflowLaunch.AT_LEAST_ONCE_MODE).
    assertTrue(metadata.path("supportsAtLeastOnce").isBoolean());
    assertFalse(metadata.path("supportsAtLeastOnce").asBoolean(), "supportsAtLeastOnce");
    assertEquals("EXACTLY_ONCE", metadata.path("defaultStreamingMode").asText());
  }

  @Test
  void everyParameterIsARealPipelineOption() {
    // describe() names options in lower_underscore form, as Beam's portable job service does.
    Set<String> known =
        PipelineOptionsFactory.describe(Set.of(PaymentsPipelineOptions.class, DataflowPipelineOptions.class)).stream()
            .map(PipelineOptionDescriptor::getName)
            .collect(Collectors.toSet());
    assertTrue(known.contains("bootstrap_servers") && known.contains("enable_streaming_engine"), "describe() lost options");
    Set<String> unknown =
        parameters.keySet().stream()
            .filter(name -> !known.contains(name.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT)))
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(Set.of(), unknown, "parameters that are no pipeline option");
  }

  @Test
  void everyUserFacingOptionIsAParameter() {
    // Drills and the local drain signal are local mode's options, so no production option is left out.
    Map<String, Option> declared = declaredOptions();
    assertEquals(Set.of(), new TreeSet<>(difference(declared.keySet(), parameters.keySet())), "options missing from metadata.json");
  }

  @Test
  void requiredOptionsAreRequiredParameters() {
    List<Option> required = declaredOptions().values().stream().filter(Option::required).toList();
    assertFalse(required.isEmpty(), "no required option found: the reflection is broken");
    for (Option option : required) {
      JsonNode parameter = parameters.get(option.name());
      assertTrue(parameter != null, () -> "required option " + option.name() + " is not a parameter");
      assertFalse(parameter.path("isOptional").asBoolean(true), () -> option.name() + " is required but optional in metadata.json");
    }
  }

  @Test
  void isOptionalAgreesWithTheOptionsDefaults() {
    for (Listed listed : listedOptions()) {
      Option option = listed.option();
      JsonNode parameter = listed.parameter();
      assertTrue(parameter.path("isOptional").isBoolean(), () -> option.name() + ": isOptional must be true or false");
      boolean optional = parameter.path("isOptional").asBoolean();
      if (option.required()) {
        assertFalse(optional, () -> option.name() + " is @Validation.Required");
      } else if (option.hasDefault()) {
        assertTrue(optional, () -> option.name() + " has a default, so it is optional");
      } else {
        // No default and not required: the code falls back on something; users must be told what.
        assertTrue(optional, () -> option.name() + " can be left out, so it is optional");
        assertTrue(option.description().toLowerCase().contains("default"),
            () -> option.name() + " has no @Default; its @Description must say what happens when it is left out");
      }
    }
  }

  @Test
  void defaultsMatchTheirParametersRegexes() {
    List<String> checked = new ArrayList<>();
    for (Listed listed : listedOptions()) {
      Option option = listed.option();
      if (option.defaultValue() == null) {
        continue;
      }
      for (Pattern regex : regexes(listed.parameter())) {
        assertTrue(regex.matcher(option.defaultValue()).matches(),
            () -> option.name() + ": default " + option.defaultValue() + " fails its own regex " + regex);
      }
      checked.add(option.name());
    }
    assertTrue(checked.size() > 10, "too few defaults checked: " + checked);
  }

  @Test
  void everyParameterHasLabelHelpAndRegexesThatRejectBlanks() {
    for (JsonNode parameter : parameters.values()) {
      String name = parameter.path("name").asText();
      Set<String> keys = new TreeSet<>();
      parameter.fieldNames().forEachRemaining(keys::add);
      assertEquals(PARAMETER_KEYS, keys, () -> name + ": unexpected or missing keys");
      assertFalse(parameter.path("label").asText().isBlank(), () -> name + ": label");
      List<Pattern> regexes = regexes(parameter);
      assertFalse(regexes.isEmpty(), () -> name + ": no regex");
      for (Pattern regex : regexes) {
        assertFalse(regex.matcher("").matches() || regex.matcher(" ").matches(), () -> name + ": " + regex + " accepts a blank value");
      }
    }
  }

  /**
   * A Dataflow job's parameters show in its console: a secret parameter takes a Secret Manager
   * version only, never the secret, nor a file or variable no worker has.
   */
  @Test
  void secretParametersTakeSecretManagerVersionsOnly() {
    List<String> secrets = parameters.keySet().stream().filter(name -> name.endsWith("Secret")).toList();
    assertEquals(4, secrets.size(), secrets::toString);
    for (String name : secrets) {
      for (JsonNode regex : parameters.get(name).path("regexes")) {
        Pattern pattern = Pattern.compile(regex.asText());
        assertTrue(pattern.matcher("projects/my-project/secrets/kafka-password/versions/latest").matches(), name);
        for (String refused : List.of("hunter2", "env:KAFKA_PASSWORD", "file:/run/secrets/kafka", "projects/p/secrets/s")) {
          assertFalse(pattern.matcher(refused).matches(), () -> name + " accepts " + refused);
        }
      }
    }
  }

  @Test
  void helpTextIsTheOptionsDescriptionAndStatesItsDefault() {
    for (Listed listed : listedOptions()) {
      Option option = listed.option();
      String expected =
          option.defaultValue() == null
              ? option.description()
              : option.description() + " Default: " + option.defaultValue() + ".";
      assertEquals(expected, listed.parameter().path("helpText").asText(), option.name());
    }
  }

  @Test
  void theDefaultsTogetherMakeAValidLaunch() {
    // Every default, given explicitly as the template's UI would, passes the pipeline's own checks.
    List<String> args = new ArrayList<>(List.of("--bootstrapServers=broker:9092", "--project=my-project"));
    for (Listed listed : listedOptions()) {
      if (listed.option().defaultValue() != null) {
        args.add("--" + listed.option().name() + "=" + listed.option().defaultValue());
      }
    }
    assertTrue(args.size() > 10, args::toString);
    String[] argv = args.toArray(new String[0]);
    assertDoesNotThrow(() -> DataflowLaunch.launcher(argv).configure(argv));
  }

  private static List<Pattern> regexes(JsonNode parameter) {
    return StreamSupport.stream(parameter.path("regexes").spliterator(), false)
        .map(node -> Pattern.compile(node.asText()))
        .toList();
  }

  private static Set<String> difference(Set<String> a, Set<String> b) {
    return a.stream().filter(x -> !b.contains(x)).collect(Collectors.toCollection(TreeSet::new));
  }

}
