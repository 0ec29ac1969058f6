package dev.tandem.sync.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Device tokens.",
    subcommands = TokenCommand.Create.class)
final class TokenCommand extends BaseCommand {
  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return 2;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Asks a server for a device token.")
  static final class Create extends NotAvailable {
    @Option(names = "--server", required = true, paramLabel = "URL") String server;
    @Option(names = "--admin-token", required = true, paramLabel = "T") String adminToken;
    @Option(names = "--team", required = true, paramLabel = "T") String team;
    @Option(names = "--device", required = true, paramLabel = "D") String device;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;
  }
}
