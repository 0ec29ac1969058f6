package dev.tandem.sync.cli;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.DefaultLocations;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
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
 * environment, home directory, OS name and standard input are fields so default paths and
 * secrets read from standard input are testable.
 *
 * <p>Default paths follow CLI.md: the database in the platform's data directory ({@code
 * $XDG_DATA_HOME/tandem} or {@code $HOME/.local/share/tandem} on Linux, {@code ~/Library/Application
 * Support/Tandem} on macOS, {@code %APPDATA%\Tandem} on Windows) unless {@code $TANDEM_DB}; the
 * config in the platform's config directory ({@code $XDG_CONFIG_HOME/tandem} or {@code
 * $HOME/.config/tandem} on Linux, the same folder as the data elsewhere) unless {@code
 * $TANDEM_CONFIG}. {@code $HOME} wins over Java's {@code user.home}. Files at the locations of
 * earlier versions ({@code ~/.tandem/}) are still used when only they exist.
 */
@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = CliVersion.class,
    description = "Local-first sync of AI coding agent history.",
    subcommands = {
        ImportCommand.class, ExportCommand.class, ListCommand.class, ShowCommand.class,
        SearchCommand.class, PrivacyCommand.class, DbCommand.class, InitCommand.class,
        SyncCommand.class, ServerCommand.class, TokenCommand.class,
        CommandsCommand.Devices.class, CommandsCommand.Send.class,
        CommandsCommand.Commands.class,
        CommandLine.HelpCommand.class})
public final class TandemCli implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Local database (default: $TANDEM_DB, else tandem.db in the platform's data "
          + "directory, e.g. ~/.local/share/tandem). Its directory must exist.")
  Path db;

  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Config file (default: $TANDEM_CONFIG, else config.json in the platform's "
          + "config directory, e.g. ~/.config/tandem).")
  Path config;

  /** The folder of earlier versions, still read when only it holds a file. */
  static final String LEGACY_DIR = ".tandem";

  Map<String, String> env = System.getenv();
  /** The home directory; null means $HOME, else Java's user.home. */
  Path home;
  String osName = System.getProperty("os.name");
  InputStream stdin = System.in;

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

  /**
   * Test hook: sets the environment, home and OS name used for default paths. A null {@code
   * home} means {@code $HOME} of {@code env}, as in a real run.
   */
  public TandemCli withEnvironment(Map<String, String> env, Path home, String osName) {
    this.env = env;
    this.home = home;
    this.osName = osName;
    return this;
  }

  /** Test hook: sets what {@code --token -} and its kind read. */
  public TandemCli withStdin(InputStream in) {
    this.stdin = in;
    return this;
  }

  /** Returns the home directory: {@code $HOME} if set (Java's user.home ignores it). */
  Path home() {
    if (home != null) {
      return home;
    }
    String h = env.get("HOME");
    if (h != null && !h.isEmpty()) {
      return Paths.get(h);
    }
    return Paths.get(System.getProperty("user.home"));
  }

  private String os() {
    return osName == null ? "" : osName.toLowerCase(Locale.ROOT);
  }

  /** An XDG base directory variable, if set to an absolute path (the spec ignores the rest). */
  private Path xdg(String variable) {
    String v = env.get(variable);
    if (v == null || v.isEmpty()) {
      return null;
    }
    Path p = Paths.get(v);
    return p.isAbsolute() ? p : null;
  }

  /** Returns the platform's data directory for Tandem. */
  Path dataDir() {
    String os = os();
    if (os.startsWith("windows")) {
      String appData = env.get("APPDATA");
      return (appData == null || appData.isEmpty()
          ? home().resolve("AppData").resolve("Roaming") : Paths.get(appData)).resolve("Tandem");
    }
    if (os.startsWith("mac")) {
      return home().resolve("Library").resolve("Application Support").resolve("Tandem");
    }
    Path x = xdg("XDG_DATA_HOME");
    return (x != null ? x : home().resolve(".local").resolve("share")).resolve("tandem");
  }

  /** Returns the platform's config directory for Tandem. */
  Path configDir() {
    String os = os();
    if (os.startsWith("windows") || os.startsWith("mac")) {
      return dataDir();
    }
    Path x = xdg("XDG_CONFIG_HOME");
    return (x != null ? x : home().resolve(".config")).resolve("tandem");
  }

  /** {@code current}, unless only the earlier versions' file {@code ~/.tandem/<name>} exists. */
  private Path orLegacy(Path current, String name) {
    Path legacy = home().resolve(LEGACY_DIR).resolve(name);
    return !Files.exists(current) && Files.exists(legacy) ? legacy : current;
  }

  /** Returns true if the database path was chosen by the user (--db or $TANDEM_DB). */
  boolean dbChosen() {
    String e = env.get("TANDEM_DB");
    return db != null || (e != null && !e.isEmpty());
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
    return orLegacy(dataDir().resolve("tandem.db"), "tandem.db");
  }

  Path configPath() {
    if (config != null) {
      return config;
    }
    String e = env.get("TANDEM_CONFIG");
    if (e != null && !e.isEmpty()) {
      return Paths.get(e);
    }
    return orLegacy(configDir().resolve("config.json"), "config.json");
  }

  DefaultLocations locations() {
    return new DefaultLocations(osName, home(), env);
  }

  /**
   * Returns the absolute database path, ready to open. Only the default location's directory is
   * created: a directory the user named (a mistyped {@code --db}, say) must exist, or the
   * database would silently land somewhere nobody looks.
   *
   * @throws IllegalStateException naming the path, if a chosen directory does not exist
   * @throws UncheckedIOException if the default directory cannot be created
   */
  Path preparedDbPath() {
    Path p = dbPath().toAbsolutePath();
    Path dir = p.getParent();
    if (dir == null || Files.isDirectory(dir)) {
      return p;
    }
    if (dbChosen()) {
      throw new IllegalStateException("the directory " + dir + " of the database " + p
          + (db != null ? " (--db)" : " ($TANDEM_DB)") + " does not exist; create it first"
          + " (only the default location is created automatically)");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    return p;
  }

  /**
   * Opens the local store without a background worker: the command line syncs explicitly. A
   * database this process cannot write opens read-only: reading commands work, writes fail.
   */
  Tandem open() {
    return Tandem.builder().database(preparedDbPath()).autoSync(false).build();
  }

  static PrintWriter out(CommandSpec spec) {
    return spec.commandLine().getOut();
  }

  static PrintWriter err(CommandSpec spec) {
    return spec.commandLine().getErr();
  }
}
