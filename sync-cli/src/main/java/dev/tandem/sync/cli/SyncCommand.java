package dev.tandem.sync.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sync", mixinStandardHelpOptions = true, description = "Syncs with the server.",
    subcommands = {SyncCommand.Now.class, SyncCommand.Status.class, SyncCommand.Retry.class,
        SyncCommand.Watch.class})
final class SyncCommand extends BaseCommand {
  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return 2;
  }

  @Command(name = "now", mixinStandardHelpOptions = true,
      description = "Pushes then pulls once; prints what moved.")
  static final class Now extends NotAvailable {
    @Option(names = "--json", description = "Machine-readable output.") boolean json;
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Pending, failed, last sync, last error, online/offline.")
  static final class Status extends NotAvailable {
    @Option(names = "--json", description = "Machine-readable output.") boolean json;
  }

  @Command(name = "retry", mixinStandardHelpOptions = true,
      description = "Moves failed entries back to pending, then syncs.")
  static final class Retry extends NotAvailable {
    @Option(names = "--json", description = "Machine-readable output.") boolean json;
  }

  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = "Stays connected and prints one line per arriving change, until Ctrl-C.")
  static final class Watch extends NotAvailable {
    @Option(names = "--json", description = "One JSON object per line.") boolean json;
  }
}
