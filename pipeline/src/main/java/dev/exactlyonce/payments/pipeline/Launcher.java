package dev.exactlyonce.payments.pipeline;

import dev.exactlyonce.payments.transforms.kafka.ReadFromKafka;
import dev.exactlyonce.payments.transforms.kafka.security.KafkaClientSecurity;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every entry point launches a pipeline: parse the options, let the runner fill in its
 * defaults, check them, check Kafka, build, run, and wait or not. Problems the user can fix end the
 * launch with one line naming the option or the cause, and exit status 2.
 *
 * @param <O> the pipeline's options
 */
public final class Launcher<O extends PipelineOptions> {
  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

  /** A pipeline whose options passed their checks, ready to be built. */
  public interface Job {
    PipelineOptions options();

    /** The Kafka read the job starts with; Kafka is checked with its settings before the launch. */
    ReadFromKafka read();

    /** What the launch decided where the user left it open, for the log; empty for nothing. */
    String decisions();

    void buildOn(Pipeline pipeline);
  }

  /** What a launch does once the runner accepted the job. */
  public enum Completion {
    /** Block until the job ends: the runner runs in this process, or its caller waits for it. */
    WAIT_UNTIL_FINISH,
    /**
     * Return as soon as the job is submitted: a launcher whose process must exit for the job to
     * start, such as Dataflow's flex-template launcher.
     */
    RETURN_AFTER_SUBMIT
  }

  /** Checks Kafka before a launch; see {@link KafkaPreflight}. */
  @FunctionalInterface
  public interface KafkaCheck {
    void check(String bootstrapServers, String topic, KafkaClientSecurity security)
        throws KafkaPreflight.PreflightException;
  }

  private final Class<O> optionsType;
  private final Function<? super O, ? extends Job> check;
  private final UnaryOperator<String[]> argumentDefaults;
  private final Consumer<? super O> runnerDefaults;
  private final Completion completion;
  private final KafkaCheck kafkaCheck;

  private Launcher(
      Class<O> optionsType,
      Function<? super O, ? extends Job> check,
      UnaryOperator<String[]> argumentDefaults,
      Consumer<? super O> runnerDefaults,
      Completion completion,
      KafkaCheck kafkaCheck) {
    this.optionsType = optionsType;
    this.check = check;
    this.argumentDefaults = argumentDefaults;
    this.runnerDefaults = runnerDefaults;
    this.completion = completion;
    this.kafkaCheck = kafkaCheck;
  }

  /**
   * Launches with options of {@code optionsType}, turned into a job by {@code check}, which throws
   * an {@link IllegalArgumentException} naming the option for a value it cannot run with.
   */
  public static <O extends PipelineOptions> Launcher<O> of(
      Class<O> optionsType, Function<? super O, ? extends Job> check) {
    return new Launcher<>(optionsType, check, args -> args, options -> { }, Completion.WAIT_UNTIL_FINISH,
        KafkaPreflight::check);
  }

  /** Adds arguments before parsing, where the user gave none of their own. */
  public Launcher<O> withArgumentDefaults(UnaryOperator<String[]> argumentDefaults) {
    return new Launcher<>(optionsType, check, argumentDefaults, runnerDefaults, completion, kafkaCheck);
  }

  /**
   * Fills in, after parsing and before the checks, what a runner needs where the user left it
   * unset (see {@code runners/}); throws an {@link IllegalArgumentException} for a setting the
   * runner cannot run with.
   */
  public Launcher<O> withRunnerDefaults(Consumer<? super O> runnerDefaults) {
    return new Launcher<>(optionsType, check, argumentDefaults, runnerDefaults, completion, kafkaCheck);
  }

  public Launcher<O> withCompletion(Completion completion) {
    return new Launcher<>(optionsType, check, argumentDefaults, runnerDefaults, completion, kafkaCheck);
  }

  /** Tests of a launcher without a broker pass their own. */
  public Launcher<O> withKafkaCheck(KafkaCheck kafkaCheck) {
    return new Launcher<>(optionsType, check, argumentDefaults, runnerDefaults, completion, kafkaCheck);
  }

  /** The options of {@code args}, streaming, with the argument defaults but not the runner's. */
  public O parse(String... args) {
    PipelineOptionsFactory.register(optionsType);
    O options = PipelineOptionsFactory.fromArgs(argumentDefaults.apply(args)).withValidation().as(optionsType);
    options.as(StreamingOptions.class).setStreaming(true);
    return options;
  }

  /** The options of {@code args} with the runner's defaults, checked into a job. */
  public Job configure(String... args) {
    O options = parse(args);
    runnerDefaults.accept(options);
    return check.apply(options);
  }

  /** Parses, checks, builds and runs; returns the process exit status. */
  public int launch(String[] args, PrintStream err) {
    Job job;
    try {
      job = configure(args);
    } catch (IllegalArgumentException e) {
      return rejectOptions(e, args, optionsType, err);
    }
    ReadFromKafka read = job.read();
    try {
      kafkaCheck.check(read.bootstrapServers(), read.topic(), read.security());
    } catch (KafkaPreflight.PreflightException e) {
      // KafkaIO would retry quietly for ever on a refused login or an untrusted certificate.
      err.println("error: " + e.getMessage());
      return 2;
    }
    if (!job.decisions().isEmpty()) {
      LOG.info(job.decisions());
    }
    Pipeline pipeline = Pipeline.create(job.options());
    job.buildOn(pipeline);
    PipelineResult result = pipeline.run();
    if (completion == Completion.WAIT_UNTIL_FINISH) {
      result.waitUntilFinish();
    } else {
      LOG.info("job submitted; not waiting for it to finish");
    }
    return 0;
  }

  /**
   * Reports options that do not parse or do not pass the checks, naming the option and where every
   * option is listed; returns the exit status for it.
   */
  public static int rejectOptions(
      IllegalArgumentException e, String[] args, Class<? extends PipelineOptions> optionsType, PrintStream err) {
    err.println("error: " + namingTheOption(e.getMessage(), args));
    err.println("Run with --help=" + optionsType.getName() + " for every option.");
    return 2;
  }

  /**
   * Beam reports a value of the wrong type with the value but not the option; put the option in
   * front so the user knows which one to fix.
   */
  public static String namingTheOption(String message, String[] args) {
    if (message == null || message.contains("--")) {
      return message;
    }
    for (String arg : args) {
      int equals = arg.indexOf('=');
      if (arg.startsWith("--") && equals > 2 && message.contains("\"" + arg.substring(equals + 1) + "\"")) {
        return arg.substring(0, equals) + ": " + message;
      }
    }
    return message;
  }

  /**
   * The arguments, with {@code --runner=} the simple name of {@code runner} unless they name a
   * runner: options resolve a runner while they are parsed, before any runner defaults apply, and a
   * production bundle carries no DirectRunner to fall back on.
   */
  public static String[] withRunner(String[] args, Class<?> runner) {
    if (Arrays.stream(args).anyMatch(arg -> arg.startsWith("--runner="))) {
      return args;
    }
    String[] all = Arrays.copyOf(args, args.length + 1);
    all[args.length] = "--runner=" + runner.getSimpleName();
    return all;
  }

  /** The first line of the message, or the exception itself where it has none. */
  public static String oneLine(Throwable error) {
    String message = error.getMessage() == null ? error.toString() : error.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
