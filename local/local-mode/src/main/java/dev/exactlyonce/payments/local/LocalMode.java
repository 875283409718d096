package dev.exactlyonce.payments.local;

import dev.exactlyonce.payments.pipeline.KafkaPreflight;
import dev.exactlyonce.payments.local.kafka.LocalKafka;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.reconcile.TableFiles;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import dev.exactlyonce.payments.local.simulator.Ledger;
import dev.exactlyonce.payments.local.simulator.SimulatorSettings;
import dev.exactlyonce.payments.pipeline.Launcher;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Instant;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Local mode from the command line: {@code demo} (the main job), and its parts {@code kafka},
 * {@code simulate}, {@code pipeline} and {@code reconcile}. Exit status: 0 success/PASS, 1 FAIL,
 * 2 a problem that stopped the command (printed as one line).
 */
@Command(
    name = "local-mode",
    mixinStandardHelpOptions = true,
    description = "Run the payments pipeline on this machine with an embedded Kafka and a BigQuery stand-in.",
    subcommands = {
      LocalMode.Demo.class,
      LocalMode.Kafka.class,
      LocalMode.Simulate.class,
      LocalMode.Pipeline.class,
      LocalMode.Reconcile.class,
      dev.exactlyonce.payments.local.cdc.CdcCommands.Simulate.class,
      dev.exactlyonce.payments.local.cdc.CdcCommands.Pipeline.class,
      dev.exactlyonce.payments.local.cdc.CdcCommands.Reconcile.class
    })
public final class LocalMode {
  public static final int PASS = 0;
  public static final int FAIL = 1;
  public static final int ERROR = 2;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String... args) {
    CommandLine commandLine = new CommandLine(new LocalMode());
    commandLine.setExecutionExceptionHandler(
        (error, command, parsed) -> {
          command.getErr().println("error: " + Launcher.oneLine(error));
          return ERROR;
        });
    commandLine.setParameterExceptionHandler(
        (error, parsed) -> {
          error.getCommandLine().getErr().println("error: " + error.getMessage());
          error.getCommandLine().usage(error.getCommandLine().getErr());
          return ERROR;
        });
    return commandLine.execute(args);
  }

  /** How a launcher runs the local pipeline: {@link LocalPipeline#run} and what its runner adds. */
  @FunctionalInterface
  public interface LocalRun {
    LocalPipeline.Outcome run(LocalModeOptions options, PrintStream out) throws LocalPipeline.LocalRunException;
  }

  /**
   * The {@code pipeline} command for launchers that add a runner's defaults and run it their way
   * (see {@code runners/}): returns the exit status, errors as one line on standard error.
   */
  public static int runPipeline(String[] args, Consumer<PipelineOptions> runnerDefaults, LocalRun run) {
    try {
      LocalModeOptions options = LocalPipeline.parseOptions(args);
      runnerDefaults.accept(options);
      run.run(options, System.out);
      return PASS;
    } catch (LocalPipeline.LocalRunException | IllegalArgumentException e) {
      System.err.println("error: " + Launcher.namingTheOption(Launcher.oneLine(e), args));
      return ERROR;
    }
  }

  /** Options shared by the commands that simulate. */
  static final class SimulationOptions {
    @Option(names = "--payments", defaultValue = "10000", description = "Unique payments to send (default ${DEFAULT-VALUE}).")
    long payments;

    @Option(names = "--rate", defaultValue = "2000", description = "Records per second (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seed", defaultValue = "42", description = "Seed; the same seed sends the same payments (default ${DEFAULT-VALUE}).")
    long seed;

    SimulatorSettings settings() {
      return SimulatorSettings.defaults(Instant.now()).withPayments(payments).withRate(rate).withSeed(seed);
    }
  }

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = {
        "The main job: Kafka, simulated payments with duplicates, the pipeline, reconciliation.",
        "Other --options are passed to the pipeline, e.g. --dedupHorizonMinutes=30."
      })
  static final class Demo implements Callable<Integer> {
    @CommandLine.Mixin SimulationOptions simulation = new SimulationOptions();

    @Option(names = "--dir", description = "Run directory (default local-run/<date-time>).")
    Path dir;

    @Option(names = "--idle-seconds", defaultValue = "15", description = "Drain after this long without input (default ${DEFAULT-VALUE}).")
    long idleSeconds;

    @Option(names = "--secure", description = "Read over SASL_SSL (SCRAM-SHA-512) from a broker with generated certificates.")
    boolean secure;

    @Option(names = "--runner", defaultValue = "flink",
        description = "flink (Flink's embedded cluster, the production launch's defaults) or direct (the DirectRunner); default ${DEFAULT-VALUE}.")
    LocalDemo.Runner runner;

    @CommandLine.Unmatched
    String[] pipelineArgs = new String[0];

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (idleSeconds < 1) {
        // Zero would reach the pipeline as "never drain": the demo would run forever.
        throw new CommandLine.ParameterException(spec.commandLine(), "--idle-seconds must be at least 1, not " + idleSeconds);
      }
      if (dir != null && Files.isDirectory(dir)) {
        try (Stream<Path> entries = Files.list(dir)) {
          if (entries.findAny().isPresent()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--dir " + dir + " is not empty: an earlier run's broker and tables would mix with this one's");
          }
        }
      }
      Path runDir = dir != null ? dir : Path.of("local-run", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
      Reconciliation.Report report =
          LocalDemo.run(new LocalDemo.Settings(runDir, simulation.settings(), idleSeconds, secure, runner, pipelineArgs), System.out);
      return report.passed() ? PASS : FAIL;
    }
  }

  @Command(name = "kafka", mixinStandardHelpOptions = true,
      description = "Start the embedded broker and keep it running until Ctrl-C.")
  static final class Kafka implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = "local-run/kafka", description = "Broker data directory (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--topic", defaultValue = LocalDemo.TOPIC, description = "Topic to create (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--security", defaultValue = "none",
        description = "none, sasl_ssl (SCRAM-SHA-512 over TLS) or mtls (mutual TLS); certificates are generated at start (default ${DEFAULT-VALUE}).")
    String security;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      LocalKafka.Security secured = switch (security.toLowerCase(java.util.Locale.ROOT)) {
        case "none" -> null;
        case "sasl_ssl" -> LocalKafka.Security.SASL_SSL;
        case "mtls" -> LocalKafka.Security.MTLS;
        default -> throw new CommandLine.ParameterException(
            spec.commandLine(), "--security must be none, sasl_ssl or mtls, not " + security);
      };
      try (LocalKafka kafka = secured == null ? LocalKafka.start(dir) : LocalKafka.startSecured(dir)) {
        kafka.createTopic(topic, LocalDemo.PARTITIONS);
        System.out.println("Kafka at " + kafka.bootstrapServers() + " (plaintext, for the simulator), topic " + topic);
        if (secured != null) {
          Path properties = dir.resolve("client-" + secured.name().toLowerCase(java.util.Locale.ROOT) + ".properties");
          Files.writeString(properties, kafka.secured().clientProperties(secured));
          System.out.println(secured + " listener at "
              + (secured == LocalKafka.Security.SASL_SSL ? kafka.secured().saslSsl() : kafka.secured().mutualTls()));
          System.out.println("client properties for Kafka's tools: " + properties);
          System.out.println("pipeline options: " + String.join(" ", kafka.secured().pipelineOptions(secured)));
        }
        System.out.println("Ctrl-C stops it");
        Thread.currentThread().join();
      }
      return PASS;
    }
  }

  @Command(name = "simulate", mixinStandardHelpOptions = true,
      description = "Send simulated payments to a topic and write the ledger of what was sent.")
  static final class Simulate implements Callable<Integer> {
    @CommandLine.Mixin SimulationOptions simulation = new SimulationOptions();

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka to send to.")
    String bootstrapServers;

    @Option(names = "--topic", defaultValue = LocalDemo.TOPIC, description = "Topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--ledger", defaultValue = "local-run/ledger.json", description = "Ledger file (default ${DEFAULT-VALUE}).")
    Path ledger;

    @Override
    public Integer call() throws Exception {
      KafkaPreflight.check(bootstrapServers, topic);
      Ledger sent = KafkaSink.simulate(bootstrapServers, topic, simulation.settings(), count -> { });
      ledger.toAbsolutePath().getParent().toFile().mkdirs();
      sent.write(ledger);
      System.out.printf("sent %,d records (%,d unique payments); ledger %s%n", sent.recordsSent(), sent.payments().size(), ledger);
      return PASS;
    }
  }

  @Command(name = "pipeline", mixinStandardHelpOptions = true,
      description = {
        "Run the pipeline against a Kafka, writing tables into --tablesDir.",
        "Options are the pipeline's: --bootstrapServers=... --tablesDir=... --stopWhenIdleSeconds=..."
      })
  static final class Pipeline implements Callable<Integer> {
    @CommandLine.Unmatched
    String[] args = new String[0];

    @Override
    public Integer call() {
      return runPipeline(args, options -> { }, LocalPipeline::run);
    }
  }

  @Command(name = "reconcile", mixinStandardHelpOptions = true,
      description = "Check the tables against the ledger; exit 1 on FAIL.")
  static final class Reconcile implements Callable<Integer> {
    @Option(names = "--ledger", required = true, description = "Ledger written by simulate or demo.")
    Path ledger;

    @Option(names = "--tables", required = true, description = "Directory with <table>.ndjson files.")
    Path tables;

    @Option(
        names = "--accounting",
        defaultValue = "EXACT",
        description = "EXACT, or REPLAYS_COLLAPSE after restarts in UPSERT mode (default ${DEFAULT-VALUE}).")
    Reconciliation.Accounting accounting;

    @Override
    public Integer call() throws IOException {
      Ledger sent;
      try {
        sent = Ledger.read(ledger);
      } catch (IOException e) {
        throw new IOException("cannot read the ledger " + ledger + ": " + Launcher.oneLine(e), e);
      }
      Reconciliation.Report report = Reconciliation.check(sent, TableFiles.read(tables), accounting);
      System.out.println(report.text());
      return report.passed() ? PASS : FAIL;
    }
  }
}
