package dev.tandem.sync.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "db", mixinStandardHelpOptions = true, description = "The local schema's migrations.",
    subcommands = {DbCommand.Migrate.class, DbCommand.Status.class, DbCommand.Rollback.class})
final class DbCommand extends BaseCommand {
  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return 2;
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = "Migrates the local schema to the latest (or --to) version.")
  static final class Migrate extends NotAvailable {
    @Option(names = "--to", paramLabel = "VERSION") Integer to;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Current and latest schema version.")
  static final class Status extends NotAvailable {
    @Option(names = "--json", description = "Machine-readable output.") boolean json;
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Rolls the local schema back to VERSION.")
  static final class Rollback extends NotAvailable {
    @Option(names = "--to", required = true, paramLabel = "VERSION") int to;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;
  }
}
