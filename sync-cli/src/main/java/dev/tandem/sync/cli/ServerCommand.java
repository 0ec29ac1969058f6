package dev.tandem.sync.cli;

import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Runs the reference sync server (SQLite in DIR by default).")
final class ServerCommand extends NotAvailable {
  @Option(names = "--port", paramLabel = "P", defaultValue = "8080") int port;

  @ArgGroup(exclusive = true) Storage storage;

  static final class Storage {
    @Option(names = "--data", paramLabel = "DIR") Path data;
    @Option(names = "--postgres", paramLabel = "JDBC_URL") String postgres;
  }

  @Option(names = "--admin-token-env", paramLabel = "VAR") String adminTokenEnv;
}
