package dev.tandem.sync.cli;

import dev.tandem.sync.server.Main;
import dev.tandem.sync.server.ServerStoreException;
import dev.tandem.sync.server.SqliteBackup;
import dev.tandem.sync.server.SqliteServerStore;
import dev.tandem.sync.server.TandemServer;
import dev.tandem.sync.server.logging.Logs;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
    subcommands = ServerCommand.Backup.class,
    description = {"Runs the reference sync server (SQLite in DIR by default, PostgreSQL with"
        + " --database-url or $TANDEM_DATABASE_URL) until Ctrl-C.",
        "The admin endpoints (tandem token create) are on only if the server has an admin "
            + "token: from the file --admin-token-file (or $TANDEM_ADMIN_TOKEN_FILE), else from "
            + "the environment variable named by --admin-token-env. Never from the command line,"
            + " where other users of the machine could read it.",
        "Every option may be set as an environment variable instead: --port as TANDEM_PORT, "
            + "--log-format as TANDEM_LOG_FORMAT, and so on (TANDEM_ and the name in capitals, "
            + "dashes as underscores); the option wins."})
final class ServerCommand extends BaseCommand {
  @Option(names = "--port", paramLabel = "P",
      description = "Port to listen on (default 8080; 0 = any free port).") String port;

  @Option(names = "--host", paramLabel = "H",
      description = "Address to bind (default 127.0.0.1; 0.0.0.0 for every interface).")
  String host;

  @ArgGroup(exclusive = true) Storage storage;

  static final class Storage {
    @Option(names = "--data", paramLabel = "DIR",
        description = "Directory of the server's SQLite store (default: server/ in the "
            + "platform's data directory, e.g. ~/.local/share/tandem/server).")
    Path data;
    @Option(names = "--database-url", paramLabel = "URL",
        description = "PostgreSQL store, jdbc:postgresql://host:port/db (default "
            + "$TANDEM_DATABASE_URL); any number of servers may share one database. The "
            + "password never goes here: --database-password-file or $TANDEM_DATABASE_PASSWORD.")
    String databaseUrl;
  }

  @Option(names = "--database-password-file", paramLabel = "FILE",
      description = "File holding the database password (its first line); wins over "
          + "$TANDEM_DATABASE_PASSWORD.")
  Path databasePasswordFile;

  @Option(names = "--admin-token-env", paramLabel = "VAR",
      description = "Environment variable holding the admin token (default TANDEM_ADMIN_TOKEN).")
  String adminTokenEnv;

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "File holding the admin token (its first line); wins over the variable.")
  Path adminTokenFile;

  @Option(names = "--max-clock-skew", paramLabel = "D",
      description = "How far ahead of the server's clock a change's clock may be, e.g. 300s, 5m,"
          + " 1h (default 5m).")
  String maxClockSkew;

  @Option(names = "--log-format", paramLabel = "text|json",
      description = "Log lines as text (default) or one JSON object per line.")
  String logFormat;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "trace, debug, info (default: one line per request), warn, error or off.")
  String logLevel;

  @Option(names = "--metrics-public", arity = "0..1", fallbackValue = "true",
      paramLabel = "true|false",
      description = "Serve GET /metrics without the admin token (default false).")
  String metricsPublic;

  @Option(names = "--tombstone-retention", paramLabel = "D",
      description = "Purge deletes stored longer ago than D, e.g. 90d (default 90d; off keeps "
          + "them). A device that has not synced since then pulls everything again.")
  String tombstoneRetention;

  @Option(names = "--retention-interval", paramLabel = "D",
      description = "How often retention runs (default 1h).")
  String retentionInterval;

  @Option(names = "--compression", paramLabel = "MODE",
      description = "How answers are compressed: auto (zstd or gzip, whichever the client "
          + "accepts; the default), gzip (never zstd) or none. Request bodies are always taken "
          + "as zstd or gzip.")
  String compression;

  /** The options given on the command line, by flag name, for {@link Main#resolve}. */
  private java.util.Map<String, String> given() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    put(m, "--port", port);
    put(m, "--host", host);
    put(m, "--data", storage != null && storage.data != null ? storage.data.toString() : null);
    put(m, "--database-url", storage != null ? storage.databaseUrl : null);
    put(m, "--database-password-file",
        databasePasswordFile == null ? null : databasePasswordFile.toString());
    put(m, "--admin-token-env", adminTokenEnv);
    put(m, "--admin-token-file", adminTokenFile == null ? null : adminTokenFile.toString());
    put(m, "--max-clock-skew", maxClockSkew);
    put(m, "--log-format", logFormat);
    put(m, "--log-level", logLevel);
    put(m, "--metrics-public", metricsPublic);
    put(m, "--tombstone-retention", tombstoneRetention);
    put(m, "--retention-interval", retentionInterval);
    put(m, "--compression", compression);
    return m;
  }

  private static void put(java.util.Map<String, String> m, String flag, String value) {
    if (value != null) {
      m.put(flag, value);
    }
  }

  /**
   * The server's options: each flag, else its {@code TANDEM_*} variable, else its default.
   *
   * @throws picocli.CommandLine.ParameterException for a bad value (exit 2)
   */
  Main.Options options() {
    try {
      return Main.resolve(given(), root().env, defaultData());
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** server/ in the data directory, or ~/.tandem/server where an earlier version put it. */
  Path defaultData() {
    Path current = root().dataDir().resolve("server");
    Path legacy = root().home().resolve(TandemCli.LEGACY_DIR).resolve("server");
    return !java.nio.file.Files.exists(current) && java.nio.file.Files.isDirectory(legacy)
        ? legacy : current;
  }

  @Override
  public Integer call() {
    Main.Options resolved = options();
    Main.Options options = new Main.Options(resolved.port(), resolved.host(),
        resolved.dataDir().toAbsolutePath(), resolved.adminTokenEnv(), resolved.adminTokenFile(),
        resolved.maxClockSkew(), resolved.logFormat(), resolved.logLevel(),
        resolved.metricsPublic(), resolved.tombstoneRetention(), resolved.retentionInterval(),
        resolved.databaseUrl(), resolved.databasePasswordFile(), resolved.compression());
    // Put back when the command returns: tests and embedders run it inside a longer-lived JVM.
    Logs.State logging = Logs.state();
    try {
      // The CLI keeps library logs at warn; a server writes a line per request unless told not.
      String warning = Main.configureLogging(options, "info");
      if (warning != null) {
        err().println("tandem: " + warning);
        err().flush();
      }
      return serve(options);
    } finally {
      Logs.restore(logging);
    }
  }

  private int serve(Main.Options options) {
    TandemServer server;
    String admin;
    String where;
    try {
      admin = Main.adminToken(options, root().env);
      where = Main.describeStore(options, root().env);
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
          + " (" + where + ")");
      if (admin == null) {
        out().println("admin endpoints disabled: neither $" + options.adminTokenEnv()
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

  /** {@code tandem server backup}: a consistent copy of a SQLite server's database. */
  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = {"Writes a consistent copy of the server's SQLite database to FILE, while the "
          + "server keeps running (SQLite's VACUUM INTO, checked before it gets its name).",
          "Restore: stop the server, copy FILE to DIR/" + SqliteServerStore.FILE_NAME
              + " (removing its -wal and -shm files), start it. PostgreSQL: use pg_dump "
              + "(docs/server.md)."})
  static final class Backup extends BaseCommand {
    @picocli.CommandLine.ParentCommand ServerCommand server;

    @Option(names = "--data", paramLabel = "DIR",
        description = "The server's data directory (default: $TANDEM_DATA, else the one "
            + "`tandem server` uses).")
    Path data;

    @Option(names = "--out", paramLabel = "FILE", description = "The new backup file.")
    Path out;

    @picocli.CommandLine.Parameters(arity = "0..1", paramLabel = "FILE",
        description = "The new backup file (or --out FILE); it must not exist yet.")
    Path file;

    @Override
    public Integer call() {
      if ((out == null) == (file == null)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "name the backup file once: FILE or --out FILE");
      }
      // --db (a global option) names the server's database file itself here.
      Path source;
      if (root().db != null) {
        if (data != null) {
          throw new picocli.CommandLine.ParameterException(spec.commandLine(),
              "--db and --data both name the database; give one");
        }
        source = root().db;
      } else {
        String env = root().env.get("TANDEM_DATA");
        Path dir = data != null ? data
            : env != null && !env.isEmpty() ? Path.of(env) : server.defaultData();
        source = dir.resolve(SqliteServerStore.FILE_NAME);
      }
      Path target = out != null ? out : file;
      SqliteBackup.Result r;
      try {
        r = SqliteBackup.backup(source, target);
      } catch (IllegalArgumentException | ServerStoreException e) {
        err().println("tandem: " + e.getMessage());
        err().flush();
        return 1;
      }
      out().printf("backed up %s to %s: %d records of %d teams, %.1f MB%n", source,
          r.file(), r.records(), r.teams(), r.bytes() / 1048576.0);
      out().flush();
      return 0;
    }
  }
}
