package dev.exactlyonce.payments.transforms.fraud;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** Velocity counts: (start, end], ties included, whatever order the times come in. */
class SortedTimesTest {

  @Test
  void countsTheHalfOpenWindowWithTies() {
    FraudScoring.SortedTimes times = new FraudScoring.SortedTimes(instants(30, 10, 20, 20));
    times.add(new Instant(10));
    times.add(new Instant(40));

    assertEquals(6, times.countIn(9, 40));
    assertEquals(3, times.countIn(10, 30), "start is excluded, ties at the end included");
    assertEquals(2, times.countIn(19, 20));
    assertEquals(0, times.countIn(40, 100));
  }

  @Test
  void agreesWithCountingTheWholeListForRandomTimes() {
    Random random = new Random(7);
    List<Instant> initial = instants(random.longs(50, 0, 1_000).toArray());
    FraudScoring.SortedTimes times = new FraudScoring.SortedTimes(initial);
    List<Long> all = initial.stream().map(Instant::getMillis).collect(Collectors.toList());
    for (int i = 0; i < 200; i++) {
      long added = random.nextInt(1_000);
      times.add(new Instant(added));
      all.add(added);
      long start = random.nextInt(1_000);
      long end = start + random.nextInt(300);
      long expected = all.stream().filter(t -> t > start && t <= end).count();
      assertEquals(expected, times.countIn(start, end), "window (" + start + ", " + end + "]");
    }
  }

  private static List<Instant> instants(long... millis) {
    return LongStream.of(millis).mapToObj(Instant::new).collect(Collectors.toList());
  }
}
