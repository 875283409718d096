package dev.exactlyonce.payments.transforms.cdc;

import dev.exactlyonce.payments.model.ModelCoders;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Within each window of {@link #withWindowSize window size}, the changes to one row collapse to the
 * newest by {@link ChangeSequence}: a burst of updates becomes one write. Ordering across windows is
 * not this step's job: BigQuery (and the stand-in) ignore a change whose sequence is not newer than
 * the row's, so a window holding only older changes cannot overwrite a newer row.
 *
 * <p>Among changes with equal sequences (copies of one change) a delete wins over an upsert, then the
 * larger row JSON: the choice is the same on every run. Elements are not late here as long as the
 * Kafka timestamp policy never stamps a record behind its watermark (see {@code
 * EventTimePolicy}).
 */
public final class CollapseToNewest extends PTransform<PCollection<ChangeEvent>, PCollection<ChangeEvent>> {
  public static final Duration DEFAULT_WINDOW = Duration.standardSeconds(10);

  private final Duration windowSize;

  private CollapseToNewest(Duration windowSize) {
    if (!windowSize.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("window size must be positive, was " + windowSize);
    }
    this.windowSize = windowSize;
  }

  public static CollapseToNewest create() {
    return new CollapseToNewest(DEFAULT_WINDOW);
  }

  public CollapseToNewest withWindowSize(Duration size) {
    return new CollapseToNewest(size);
  }

  public Duration windowSize() {
    return windowSize;
  }

  /** The newer of two changes to one row; see the class comment for ties. */
  public static ChangeEvent newer(ChangeEvent a, ChangeEvent b) {
    int order = ChangeSequence.compare(a.getSequence(), b.getSequence());
    if (order == 0) {
      order = Boolean.compare(a.getOp().removesRow(), b.getOp().removesRow());
    }
    if (order == 0) {
      order = a.getRowJson().compareTo(b.getRowJson());
    }
    return order >= 0 ? a : b;
  }

  @Override
  public PCollection<ChangeEvent> expand(PCollection<ChangeEvent> changes) {
    SerializableFunction<ChangeEvent, String> key = ChangeEvent::getKeyJson;
    return changes
        .apply("CollapseWindows", Window.into(FixedWindows.of(windowSize)))
        .apply("KeyByPrimaryKey", WithKeys.of(key).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ModelCoders.of(changes.getPipeline(), ChangeEvent.class)))
        .apply("NewestPerKey", Combine.perKey(CollapseToNewest::newer))
        .apply("Changes", Values.create());
  }
}
