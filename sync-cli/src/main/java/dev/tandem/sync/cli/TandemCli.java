package dev.tandem.sync.cli;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.cli.history.DefaultLocations;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code tandem} command. Exit codes: 0 ok, 1 a failure the user must act on, 2 bad usage.
 *
 * <p>Tests run it in-process: {@code TandemCli.commandLine(new TandemCli()).execute(args)}; the
 * environment, home directory and OS name are fields so default paths are testable.
 */
@Command(name = "tandem", mixinStandardHelpOptions = true, version = "tandem 0.1.0-SNAPSHOT",
    description = "Local-first sync of AI coding agent history.",
    subcommands = {
        ImportCommand.class, ExportCommand.class, ListCommand.class, ShowCommand.class,
        SearchCommand.class, PrivacyCommand.class, DbCommand.class, InitCommand.class,
        SyncCommand.class, ServerCommand.class, TokenCommand.class,
        CommandLine.HelpCommand.class})
public final class TandemCli implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Local database (default: $TANDEM_DB or ~/.tandem/tandem.db).")
  Path db;

  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Config file (default: ~/.tandem/config.json).")
  Path config;

  Map<String, String> env = System.getenv();
  Path home = Paths.get(System.getProperty("user.home"));
  String osName = System.getProperty("os.name");

  public static void main(String[] args) {
    // Library logs are for developers; the command's own output says what happened.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.exit(commandLine(new TandemCli()).execute(args));
  }

  /** Returns the configured command line: failures print one line and exit 1. */
  public static CommandLine commandLine(TandemCli cli) {
    CommandLine cl = new CommandLine(cli);
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
      if (ex instanceof UncheckedIOException || ex instanceof IOException) {
        msg = "I/O error: " + msg;
      }
      cmd.getErr().println("tandem: " + msg);
      cmd.getErr().flush();
      return 1;
    });
    return cl;
  }

  /** Test hook: sets the environment, home and OS name used for default paths. */
  public TandemCli withEnvironment(Map<String, String> env, Path home, String osName) {
    this.env = env;
    this.home = home;
    this.osName = osName;
    return this;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  Path dbPath() {
    if (db != null) {
      return db;
    }
    String e = env.get("TANDEM_DB");
    if (e != null && !e.isEmpty()) {
      return Paths.get(e);
    }
    return home.resolve(".tandem").resolve("tandem.db");
  }

  Path configPath() {
    return config != null ? config : home.resolve(".tandem").resolve("config.json");
  }

  DefaultLocations locations() {
    return new DefaultLocations(osName, home, env);
  }

  /** Opens the local store without a background worker: the command line syncs explicitly. */
  Tandem open() {
    Path p = dbPath().toAbsolutePath();
    try {
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + p.getParent(), e);
    }
    return Tandem.builder().database(p).autoSync(false).build();
  }

  static PrintWriter out(CommandSpec spec) {
    return spec.commandLine().getOut();
  }

  static PrintWriter err(CommandSpec spec) {
    return spec.commandLine().getErr();
  }
}
