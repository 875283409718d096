package dev.exactlyonce.payments.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.exactlyonce.payments.transforms.cdc.ChangeEvent;
import dev.exactlyonce.payments.transforms.metrics.Totals;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.sdk.schemas.SchemaRegistry;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.apache.beam.sdk.schemas.utils.ReflectUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Flink checkpoints and savepoints hold our values encoded by their schema coders, field by field.
 * Without pinned numbers a schema takes its field order from reflection, which differs from one
 * JVM start to the next: a job restored in a new process then read state written in another order
 * ("reached end of stream after reading 39 bytes; 67 bytes expected", seen in the crash drill).
 */
class SchemaFieldOrderTest {
  @ParameterizedTest
  @ValueSource(classes = {KafkaCoordinates.class, DeadLetter.class,
      DuplicateAudit.class, WindowMetrics.class, ChangeEvent.class, Totals.class})
  void everySchemaFieldHasAPinnedNumberAndTheSchemaFollowsThem(Class<?> type) throws Exception {
    List<Method> getters =
        Arrays.stream(type.getDeclaredMethods())
            .filter(method -> Modifier.isAbstract(method.getModifiers()) && ReflectUtils.isGetter(method))
            .toList();
    List<Method> unpinned = getters.stream().filter(getter -> !getter.isAnnotationPresent(SchemaFieldNumber.class)).toList();
    assertEquals(List.of(), unpinned, "getters without @SchemaFieldNumber");

    List<Integer> numbers =
        getters.stream().map(getter -> Integer.parseInt(getter.getAnnotation(SchemaFieldNumber.class).value())).sorted().toList();
    assertEquals(IntStream.range(0, getters.size()).boxed().toList(), numbers, "numbers 0..n-1, each once");

    List<String> pinnedOrder =
        getters.stream()
            .sorted(Comparator.comparingInt(getter -> Integer.parseInt(getter.getAnnotation(SchemaFieldNumber.class).value())))
            .map(getter -> ReflectUtils.stripGetterPrefix(getter.getName()))
            .toList();
    assertEquals(pinnedOrder, SchemaRegistry.createDefault().getSchema(type).getFieldNames());
  }
}
