package dev.exactlyonce.payments.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.local.LocalPipeline;
import dev.exactlyonce.payments.pipeline.PipelineConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.reflect.DoFnSignature;
import org.apache.beam.sdk.transforms.reflect.DoFnSignatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graphs that are not the product are what they claim beside the product's: the floors keep the
 * same fixed parts and none of the product's own keyed stages, {@code floor_keyed} puts an empty
 * one wherever the product has one, and {@code no_velocity} lacks the velocity stage alone.
 */
class StagesTest {
  @TempDir Path dir;

  /** The full names of the graph's steps that keep per-key state or timers: where Flink keys a stream. */
  private List<String> keyedSteps(Stages stages) throws Exception {
    LocalModeOptions options = LocalPipeline.parseOptions(
        "--bootstrapServers=localhost:9092", "--topic=payments", "--consumerGroup=benchmark",
        "--writeMode=UPSERT", "--tablesDir=" + dir.resolve("tables"));
    PipelineConfig config = PipelineConfig.from(options);
    Pipeline pipeline = Pipeline.create(options);
    stages.build(pipeline, config, config.read(), CountingTables.open(config.tables(), 1));
    List<String> keyed = new ArrayList<>();
    pipeline.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        PTransform<?, ?> transform = node.getTransform();
        if (transform instanceof ParDo.MultiOutput<?, ?> parDo) {
          DoFn<?, ?> fn = parDo.getFn();
          DoFnSignature signature = DoFnSignatures.getSignature(fn.getClass());
          if (signature.usesState() || signature.usesTimers()) {
            keyed.add(node.getFullName());
          }
        }
      }
    });
    return keyed;
  }

  /** A keyed step by the stage it belongs to, without the composites the product groups it in. */
  private static String stage(String step) {
    return Arrays.stream(step.split("/"))
        .filter(part -> !List.of("Payments", "DeduplicatePayments", "FraudScoring").contains(part))
        .findFirst()
        .orElseThrow();
  }

  private List<String> keyedStages(Stages stages) throws Exception {
    return keyedSteps(stages).stream().map(StagesTest::stage).toList();
  }

  @Test
  void floorKeepsTheFixedDeduplicationAndNoneOfTheProductsKeyedStages() throws Exception {
    assertEquals(List.of("JudgeCopiesByShard", "DeduplicateByTransactionId", "ScoreInEventTimeOrder"),
        keyedStages(Stages.all));
    assertEquals(List.of("DeduplicateByTransactionId"), keyedStages(Stages.floor));
  }

  @Test
  void noVelocityDropsTheVelocityStageAlone() throws Exception {
    assertEquals(List.of("JudgeCopiesByShard", "DeduplicateByTransactionId"), keyedStages(Stages.no_velocity));
  }

  @Test
  void floorKeyedPutsAKeyedStageWhereverTheProductHasOneOfItsOwn() throws Exception {
    assertEquals(List.of("ByShardOfTransactionId", "DeduplicateByTransactionId", "BySender"),
        keyedStages(Stages.floor_keyed));
  }
}
