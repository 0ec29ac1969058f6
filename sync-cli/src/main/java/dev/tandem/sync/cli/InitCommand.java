package dev.tandem.sync.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Writes the config and checks the server's /health.")
final class InitCommand extends NotAvailable {
  @Option(names = "--server", required = true, paramLabel = "URL") String server;
  @Option(names = "--team", required = true, paramLabel = "T") String team;
  @Option(names = "--device", required = true, paramLabel = "D") String device;
  @Option(names = "--token", required = true, paramLabel = "TOKEN") String token;
}
