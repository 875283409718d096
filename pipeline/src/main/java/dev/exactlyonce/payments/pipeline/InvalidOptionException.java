package dev.exactlyonce.payments.pipeline;

/** An option value the pipeline cannot run with; the message names the option. */
public final class InvalidOptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidOptionException(String option, String problem) {
    super("--" + option + " " + problem);
  }
}
