package dev.tandem.sync.cli;

import dev.tandem.sync.server.Main;
import dev.tandem.sync.server.ResponseCompression;
import dev.tandem.sync.server.TandemServer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Runs the reference sync server (SQLite in DIR by default) until Ctrl-C.",
        "The admin endpoints (tandem token create) are on only if the server has an admin "
            + "token: from the file --admin-token-file (or $TANDEM_ADMIN_TOKEN_FILE), else from "
            + "the environment variable named by --admin-token-env. Never from the command line,"
            + " where other users of the machine could read it."})
final class ServerCommand extends BaseCommand {
  @Option(names = "--port", paramLabel = "P", defaultValue = "8080",
      description = "Port to listen on (default ${DEFAULT-VALUE}; 0 = any free port).") int port;

  @Option(names = "--host", paramLabel = "H", defaultValue = "127.0.0.1",
      description = "Address to bind (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
  String host;

  @ArgGroup(exclusive = true) Storage storage;

  static final class Storage {
    @Option(names = "--data", paramLabel = "DIR",
        description = "Directory of the server's SQLite store (default: server/ in the "
            + "platform's data directory, e.g. ~/.local/share/tandem/server).")
    Path data;
    @Option(names = "--postgres", paramLabel = "JDBC_URL",
        description = "PostgreSQL store: not supported by this server version yet (exit 1).")
    String postgres;
  }

  @Option(names = "--admin-token-env", paramLabel = "VAR", defaultValue = "TANDEM_ADMIN_TOKEN",
      description = "Environment variable holding the admin token (default ${DEFAULT-VALUE}).")
  String adminTokenEnv;

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "File holding the admin token (its first line); wins over the variable.")
  Path adminTokenFile;

  @Option(names = "--compression", paramLabel = "MODE", defaultValue = "auto",
      description = "How answers are compressed: auto (zstd or gzip, whichever the client "
          + "accepts; the default), gzip (never zstd) or none. Request bodies are always taken "
          + "as zstd or gzip.")
  String compression;

  /** server/ in the data directory, or ~/.tandem/server where an earlier version put it. */
  private Path defaultData() {
    Path current = root().dataDir().resolve("server");
    Path legacy = root().home().resolve(TandemCli.LEGACY_DIR).resolve("server");
    return !java.nio.file.Files.exists(current) && java.nio.file.Files.isDirectory(legacy)
        ? legacy : current;
  }

  @Override
  public Integer call() {
    if (port < 0 || port > 65535) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--port must be between 0 and 65535");
    }
    if (storage != null && storage.postgres != null) {
      err().println("tandem: --postgres is not supported by this server version yet; "
          + "use --data DIR (SQLite)");
      err().flush();
      return 1;
    }
    ResponseCompression responseCompression;
    try {
      responseCompression = ResponseCompression.parse(compression);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Path data = storage != null && storage.data != null ? storage.data : defaultData();
    Main.Options options = new Main.Options(port, host, data.toAbsolutePath(), adminTokenEnv,
        adminTokenFile, null, responseCompression);
    TandemServer server;
    String admin;
    try {
      admin = Main.adminToken(options, root().env);
      server = Main.start(options, root().env);
    } catch (RuntimeException e) {
      err().println("tandem: cannot start the server: " + e.getMessage());
      err().flush();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // Ctrl-C: close gracefully (in-flight requests finish, live sockets get a close frame).
    Thread hook = new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "tandem-server-shutdown");
    boolean hooked = SyncCommand.addHook(hook);
    boolean interrupted = false;
    try {
      out().println("tandem server " + TandemServer.VERSION + " listening on " + server.uri()
          + " (data in " + options.dataDir() + ")");
      if (admin == null) {
        out().println("admin endpoints disabled: neither $" + adminTokenEnv
            + " nor an admin token file is set");
      }
      out().flush();
      stopped.await();
    } catch (InterruptedException e) {
      // In-process callers (tests, embedding) stop the command by interrupting it. The flag is
      // restored only after the close below: Jetty's graceful stop waits, and would give up.
      interrupted = true;
    } finally {
      server.close();
      if (hooked) {
        SyncCommand.removeHook(hook);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return 0;
  }
}
