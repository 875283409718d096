package dev.exactlyonce.payments.local.cdc;

import dev.exactlyonce.payments.local.LocalMode;
import dev.exactlyonce.payments.pipeline.KafkaPreflight;
import dev.exactlyonce.payments.pipeline.cdc.CdcPipeline;
import dev.exactlyonce.payments.local.reconcile.Reconciliation;
import dev.exactlyonce.payments.local.simulator.KafkaSink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Local mode's CDC commands: simulate a change stream, run the CDC pipeline, reconcile. */
public final class CdcCommands {
  static final String TOPIC = CdcPipeline.DEFAULT_TOPIC;

  private CdcCommands() {}

  @Command(name = "simulate-cdc", mixinStandardHelpOptions = true,
      description = "Send a simulated Debezium change stream of an articles table; write the ledger with its true final state.")
  public static final class Simulate implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", required = true, description = "Kafka to send to.")
    String bootstrapServers;

    @Option(names = "--topic", defaultValue = TOPIC, description = "Topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--changes", defaultValue = "2000", description = "True changes to send (default ${DEFAULT-VALUE}).")
    long changes;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ledger", defaultValue = "local-run/cdc-ledger.json", description = "Ledger file (default ${DEFAULT-VALUE}).")
    Path ledger;

    @Override
    public Integer call() throws Exception {
      KafkaPreflight.check(bootstrapServers, topic);
      CdcLedger sent = simulate(bootstrapServers, topic, CdcSimulator.Settings.defaults(System.currentTimeMillis())
          .withChanges(changes).withSeed(seed));
      ledger.toAbsolutePath().getParent().toFile().mkdirs();
      sent.write(ledger);
      System.out.printf("sent %,d records; %d rows in the final table; ledger %s%n", sent.recordsSent(), sent.finalRows().size(), ledger);
      return LocalMode.PASS;
    }
  }

  /** Sends a simulated change stream to a topic; returns its ledger once Kafka acknowledged all. */
  static CdcLedger simulate(String bootstrapServers, String topic, CdcSimulator.Settings settings) throws IOException {
    try (KafkaSink sink = new KafkaSink(bootstrapServers, topic)) {
      return CdcSimulator.run(settings, topic, sink::send);
    }
  }

  @Command(name = "cdc-pipeline", mixinStandardHelpOptions = true,
      description = {
        "Run the CDC pipeline against a Kafka, writing the change table into --tablesDir.",
        "Options are the CDC pipeline's: --bootstrapServers=... --topic=" + TOPIC + " --tablesDir=... --stopWhenIdleSeconds=..."
      })
  public static final class Pipeline implements Callable<Integer> {
    @CommandLine.Unmatched
    String[] args = new String[0];

    @Override
    public Integer call() throws Exception {
      CdcLocalRun.run(CdcLocalRun.parseOptions(args), () -> true, System.out);
      return LocalMode.PASS;
    }
  }

  @Command(name = "reconcile-cdc", mixinStandardHelpOptions = true,
      description = "Check the change table against the ledger's true final state, row by row; exit 1 on FAIL.")
  public static final class Reconcile implements Callable<Integer> {
    @Option(names = "--ledger", required = true, description = "Ledger written by simulate-cdc.")
    Path ledger;

    @Option(names = "--tables", required = true, description = "Directory with <table>.ndjson files.")
    Path tables;

    @Option(names = "--dead-letter-table", defaultValue = "dead_letter", description = "(default ${DEFAULT-VALUE})")
    String deadLetterTable;

    @Override
    public Integer call() throws IOException {
      CdcLedger sent;
      try {
        sent = CdcLedger.read(ledger);
      } catch (IOException e) {
        throw new IOException("cannot read the ledger " + ledger + ": " + e.getMessage(), e);
      }
      Reconciliation.Report report = CdcReconciliation.check(sent, tables, deadLetterTable);
      System.out.println(report.text());
      return report.passed() ? LocalMode.PASS : LocalMode.FAIL;
    }
  }
}
