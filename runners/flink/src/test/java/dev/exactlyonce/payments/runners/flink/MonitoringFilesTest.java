package dev.exactlyonce.payments.runners.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.exactlyonce.payments.transforms.counters.PipelineCounters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and alert rules in {@code monitoring/} parse, and query only series the
 * pipeline exports: its counters by {@link PrometheusNames#of}, and the Flink metrics {@link
 * PrometheusNames} lists (which FlinkMetricsScrapeIT finds in a live scrape).
 */
class MonitoringFilesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DASHBOARD = Path.of("monitoring", "grafana-dashboard.json");
  private static final Path ALERT_RULES = Path.of("monitoring", "grafana-alert-rules.json");
  /** A series name in PromQL: every one this project queries is Flink's. */
  private static final Pattern SERIES = Pattern.compile("flink_[A-Za-z0-9_]+");
  /** A {@code __name__} regex, for series that differ only by a kind, a table or a reader. */
  private static final Pattern NAME_PATTERN = Pattern.compile("__name__=~\"([^\"]+)\"");

  private static Set<String> exported() {
    Set<String> names = PipelineCounters.all().stream().map(PrometheusNames::of).collect(Collectors.toCollection(TreeSet::new));
    names.addAll(PrometheusNames.FLINK_METRICS);
    return names;
  }

  private static List<String> expressions(JsonNode file) {
    return file.findValues("expr").stream().map(JsonNode::asText).toList();
  }

  /** Every series an expression names, or a pattern of names that must match some exported series. */
  private static List<String> unknownSeries(String expression) {
    List<String> unknown = new ArrayList<>();
    Set<String> exported = exported();
    Matcher pattern = NAME_PATTERN.matcher(expression);
    while (pattern.find()) {
      String regex = pattern.group(1);
      boolean perReaderOrPartition =
          regex.equals(PrometheusNames.CONSUMER_LAG_PATTERN) || regex.equals(PrometheusNames.PARTITION_WATERMARK_LAG_PATTERN);
      if (!perReaderOrPartition && exported.stream().noneMatch(name -> name.matches(regex))) {
        unknown.add(regex);
      }
    }
    Matcher series = SERIES.matcher(NAME_PATTERN.matcher(expression).replaceAll(""));
    while (series.find()) {
      if (!exported.contains(series.group())) {
        unknown.add(series.group());
      }
    }
    return unknown;
  }

  @Test
  void theDashboardQueriesOnlySeriesThePipelineExports() throws IOException {
    JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());

    List<String> expressions = expressions(dashboard);
    assertTrue(expressions.size() >= 10, "the dashboard has its panels: " + expressions.size());
    for (String expression : expressions) {
      assertEquals(List.of(), unknownSeries(expression), expression);
    }
    Set<String> titles = new TreeSet<>(dashboard.path("panels").findValuesAsText("title"));
    assertTrue(titles.containsAll(Set.of("Throughput", "Duplicates dropped", "Dead letters by kind", "LATE rate",
        "Watermark lag", "Kafka consumer lag", "Checkpoints")), titles.toString());
  }

  @Test
  void theDashboardShowsEveryKindOfDeadLetterAndEveryTable() throws IOException {
    String dashboard = JSON.readTree(DASHBOARD.toFile()).toString();

    for (String counter : PipelineCounters.all().stream().map(PrometheusNames::of).toList()) {
      boolean perKindOrTable = counter.contains("_dead_letters_") || counter.contains("_rows_");
      // CDC's change table is not on the payments dashboard.
      if (perKindOrTable && !counter.endsWith("_changes")) {
        assertTrue(dashboard.contains(counter), counter + " is on the dashboard");
      }
    }
  }

  @Test
  void theAlertRulesCoverDeadLettersMissedCheckpointsAndWatermarkLag() throws IOException {
    JsonNode rules = JSON.readTree(ALERT_RULES.toFile()).path("groups").get(0).path("rules");

    List<String> titles = rules.findValuesAsText("title");
    assertEquals(List.of("Dead letters above 1 per second", "No checkpoint completed for 3 intervals",
        "Watermark lag above the deduplication horizon"), titles);
    for (JsonNode rule : rules) {
      List<String> expressions = expressions(rule);
      assertEquals(1, expressions.size(), rule.path("title").asText());
      assertEquals(List.of(), unknownSeries(expressions.get(0)), expressions.get(0));
      assertFalse(rule.path("annotations").path("summary").asText().isBlank(), rule.path("title").asText());
      assertEquals("C", rule.path("condition").asText(), "the threshold decides: " + rule.path("title").asText());
    }
  }
}
