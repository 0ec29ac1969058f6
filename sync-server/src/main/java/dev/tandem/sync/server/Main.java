package dev.tandem.sync.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import dev.tandem.sync.server.logging.Logs;

/**
 * {@code java -jar tandem-server.jar [--port P] [--host H] [--data DIR | --database-url URL]
 * [--database-password-file FILE] [--admin-token-env VAR] [--admin-token-file FILE]
 * [--max-clock-skew D] [--log-format text|json] [--log-level L]
 * [--metrics-public] [--tombstone-retention D] [--retention-interval D]}; every flag may also be
 * given as the environment variable in {@link #ENV} (the flag wins).
 *
 * <p>The admin token never comes from the command line, where every user of the machine can
 * read it: it is read from an environment variable or a file.
 *
 * <p>The parsing ({@link #parse}) and starting ({@link #start}) are separate small methods so that
 * {@code tandem server} can reuse them.
 */
public final class Main {
  /** The environment variable naming the admin token file when no flag does. */
  public static final String ADMIN_TOKEN_FILE_ENV = "TANDEM_ADMIN_TOKEN_FILE";
  /** The environment variable read when {@code --max-clock-skew} is not given. */
  static final String SKEW_ENV = "TANDEM_MAX_CLOCK_SKEW";
  /** The environment variable read when {@code --database-url} is not given. */
  public static final String DATABASE_URL_ENV = "TANDEM_DATABASE_URL";
  /** The environment variable holding the database password. */
  public static final String DATABASE_PASSWORD_ENV = "TANDEM_DATABASE_PASSWORD";
  /** Default of {@code --tombstone-retention}. */
  public static final Duration DEFAULT_TOMBSTONE_RETENTION = Duration.ofDays(90);
  /** Default of {@code --retention-interval}. */
  public static final Duration DEFAULT_RETENTION_INTERVAL = Duration.ofHours(1);

  /**
   * Every flag of the server and the environment variable read when the flag is not given.
   * {@code tandem server} takes the same flags and variables.
   */
  public static final Map<String, String> ENV = envNames();

  private static Map<String, String> envNames() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("--port", "TANDEM_PORT");
    m.put("--host", "TANDEM_HOST");
    m.put("--data", "TANDEM_DATA");
    m.put("--database-url", DATABASE_URL_ENV);
    m.put("--database-password-file", "TANDEM_DATABASE_PASSWORD_FILE");
    m.put("--admin-token-env", "TANDEM_ADMIN_TOKEN_ENV");
    m.put("--admin-token-file", ADMIN_TOKEN_FILE_ENV);
    m.put("--max-clock-skew", SKEW_ENV);
    m.put("--log-format", "TANDEM_LOG_FORMAT");
    m.put("--log-level", "TANDEM_LOG_LEVEL");
    m.put("--metrics-public", "TANDEM_METRICS_PUBLIC");
    m.put("--tombstone-retention", "TANDEM_TOMBSTONE_RETENTION");
    m.put("--retention-interval", "TANDEM_RETENTION_INTERVAL");
    m.put("--compression", "TANDEM_COMPRESSION");
    return java.util.Collections.unmodifiableMap(m);
  }

  static final String USAGE =
      "usage: tandem-server [--port P] [--host H] [--data DIR | --database-url URL]\n"
          + "                     [--database-password-file FILE] [--admin-token-env VAR]\n"
          + "                     [--admin-token-file FILE] [--max-clock-skew D]\n"
          + "                     [--log-format text|json] [--log-level L] [--metrics-public]\n"
          + "                     [--tombstone-retention D] [--retention-interval D]\n"
          + "                     [--compression MODE]\n"
          + "  --port P              port to listen on (default 8080; 0 = any free port)\n"
          + "  --host H              address to bind (default 127.0.0.1; 0.0.0.0 for all)\n"
          + "  --data DIR            directory of the SQLite store (default ./tandem-server-data)\n"
          + "  --database-url URL    PostgreSQL store instead, jdbc:postgresql://host:port/db;\n"
          + "                        nodes on one database share it\n"
          + "  --database-password-file F  file holding the database password (else env\n"
          + "                        " + DATABASE_PASSWORD_ENV + ")\n"
          + "  --admin-token-env VAR environment variable holding the admin token\n"
          + "                        (default TANDEM_ADMIN_TOKEN; unset = admin endpoints off)\n"
          + "  --admin-token-file F  file holding the admin token (default $"
          + ADMIN_TOKEN_FILE_ENV + ");\n"
          + "                        wins over the variable\n"
          + "  --max-clock-skew D    how far ahead of the server's clock a change's clock may be,\n"
          + "                        e.g. 300s, 5m, 1h (default 5m)\n"
          + "  --log-format F        text (default) or json: one JSON object per line\n"
          + "  --log-level L         trace, debug, info (default), warn, error or off\n"
          + "  --metrics-public      serve GET /metrics without the admin token\n"
          + "  --tombstone-retention D  purge deletes stored longer ago than D, e.g. 90d\n"
          + "                        (default 90d; off keeps them forever)\n"
          + "  --retention-interval D  how often retention runs (default 1h)\n"
          + "  --compression MODE    answers: auto (zstd or gzip, as the client accepts; default),\n"
          + "                        gzip (never zstd) or none\n"
          + "Every flag may be set as an environment variable instead (the flag wins):\n"
          + "  TANDEM_PORT, TANDEM_HOST, TANDEM_DATA, TANDEM_DATABASE_URL,\n"
          + "  TANDEM_DATABASE_PASSWORD_FILE, TANDEM_ADMIN_TOKEN_ENV,\n"
          + "  TANDEM_ADMIN_TOKEN_FILE, TANDEM_MAX_CLOCK_SKEW, TANDEM_LOG_FORMAT,\n"
          + "  TANDEM_LOG_LEVEL, TANDEM_METRICS_PUBLIC (true/false), TANDEM_TOMBSTONE_RETENTION,\n"
          + "  TANDEM_RETENTION_INTERVAL, TANDEM_COMPRESSION";

  /** An admin token file is a few bytes; anything larger is the wrong file. */
  private static final long MAX_ADMIN_TOKEN_FILE = 4096;

  private Main() {}

  /**
   * The server's command-line options.
   *
   * @param adminTokenFile a file holding the admin token, or null to use {@code adminTokenEnv}
   * @param maxClockSkew null for "from the environment variable {@value #SKEW_ENV}, else the
   *     default"
   * @param logLevel {@code trace} … {@code error} or {@code off}; null leaves the level to the
   *     logging properties
   * @param tombstoneRetention how long a delete is kept; null keeps deletes forever
   * @param databaseUrl a PostgreSQL JDBC URL, or null for SQLite in {@code dataDir} (unless
   *     {@value #DATABASE_URL_ENV} names one when the server starts)
   * @param databasePasswordFile a file holding the database password, or null
   */
  public record Options(int port, String host, Path dataDir, String adminTokenEnv,
      Path adminTokenFile, Duration maxClockSkew, Logs.Format logFormat, String logLevel,
      boolean metricsPublic, Duration tombstoneRetention, Duration retentionInterval,
      String databaseUrl, Path databasePasswordFile, ResponseCompression compression) {
    /** Options with every setting, on SQLite, answers compressed as the client accepts. */
    public Options(int port, String host, Path dataDir, String adminTokenEnv,
        Path adminTokenFile, Duration maxClockSkew, Logs.Format logFormat, String logLevel,
        boolean metricsPublic, Duration tombstoneRetention, Duration retentionInterval) {
      this(port, host, dataDir, adminTokenEnv, adminTokenFile, maxClockSkew, logFormat,
          logLevel, metricsPublic, tombstoneRetention, retentionInterval, null, null,
          ResponseCompression.AUTO);
    }

    /** Options whose admin token comes from the environment variable {@code adminTokenEnv}. */
    public Options(int port, String host, Path dataDir, String adminTokenEnv) {
      this(port, host, dataDir, adminTokenEnv, null, null);
    }

    /** Options with the defaults for logging, metrics and retention. */
    public Options(int port, String host, Path dataDir, String adminTokenEnv,
        Path adminTokenFile, Duration maxClockSkew) {
      this(port, host, dataDir, adminTokenEnv, adminTokenFile, maxClockSkew, Logs.Format.TEXT,
          null, false, DEFAULT_TOMBSTONE_RETENTION, DEFAULT_RETENTION_INTERVAL);
    }
  }

  /**
   * Parses the arguments alone, with no environment variables.
   *
   * @throws IllegalArgumentException with a message fit for the user, on an unknown flag, a
   *     missing value or a bad value
   */
  public static Options parse(String... args) {
    return parse(Map.of(), args);
  }

  /**
   * Parses the arguments; a flag that is not given is read from its variable in {@link #ENV}.
   *
   * @throws IllegalArgumentException with a message fit for the user, on an unknown flag, a
   *     missing value or a bad value (naming the flag or the variable)
   */
  public static Options parse(Map<String, String> env, String... args) {
    Map<String, String> given = new java.util.LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else if (flag.equals("--help") || flag.equals("-h")) {
        throw new IllegalArgumentException(USAGE);
      } else if (flag.equals("--metrics-public")) {
        value = "true";
      } else {
        checkFlag(flag);
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
        }
        value = args[++i];
      }
      checkFlag(flag);
      given.put(flag, value);
    }
    return resolve(given, env, Paths.get("tandem-server-data"));
  }

  private static void checkFlag(String flag) {
    if (flag.equals("--postgres")) {
      throw new IllegalArgumentException("--postgres is now --database-url URL");
    }
    if (!ENV.containsKey(flag)) {
      throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
    }
  }

  /**
   * Builds the options from flags already split into name and value ({@code tandem server}
   * parses its own), each missing one read from its variable in {@link #ENV}, else its default.
   *
   * @param flags values by flag name ({@code "--port"}); a given {@code --metrics-public} is
   *     {@code "true"}
   * @param defaultData the data directory when neither {@code --data} nor its variable is set
   * @throws IllegalArgumentException naming the flag, or the variable the bad value came from
   */
  public static Options resolve(Map<String, String> flags, Map<String, String> env,
      Path defaultData) {
    Value v = new Value(flags, env);
    int port = 8080;
    String p = v.get("--port");
    if (p != null) {
      try {
        port = Integer.parseInt(p.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(v.what("--port") + " must be a number, not \"" + p
            + "\"");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(v.what("--port") + " must be between 0 and 65535");
      }
    }
    String host = v.get("--host");
    String data = v.get("--data");
    String tokenEnv = v.get("--admin-token-env");
    String tokenFile = v.get("--admin-token-file");
    String skew = v.get("--max-clock-skew");
    String format = v.get("--log-format");
    String level = v.get("--log-level");
    if (level != null) {
      Logs.parseLevel(level, v.what("--log-level"));
    }
    String metrics = v.get("--metrics-public");
    boolean metricsPublic = false;
    if (metrics != null) {
      switch (metrics.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "true": case "1": case "yes":
          metricsPublic = true;
          break;
        case "false": case "0": case "no": case "":
          break;
        default:
          throw new IllegalArgumentException(v.what("--metrics-public")
              + " must be true or false, not \"" + metrics + "\"");
      }
    }
    String retention = v.get("--tombstone-retention");
    Duration tombstones = DEFAULT_TOMBSTONE_RETENTION;
    if (retention != null) {
      tombstones = retention.trim().equalsIgnoreCase("off") ? null
          : parseDuration(retention, v.what("--tombstone-retention"), 100L * 365 * 24 * 3600);
    }
    String interval = v.get("--retention-interval");
    String databaseUrl = v.get("--database-url");
    if (databaseUrl != null) {
      requireDatabaseUrl(databaseUrl, v.what("--database-url"));
      if (flags.containsKey("--database-url") && hasPassword(databaseUrl)) {
        throw new IllegalArgumentException("--database-url must not hold the password, which"
            + " every user of the machine could read on the command line: use --database-"
            + "password-file FILE or $" + DATABASE_PASSWORD_ENV);
      }
      if (flags.containsKey("--data")) {
        throw new IllegalArgumentException("--data (SQLite) and --database-url (PostgreSQL)"
            + " exclude each other");
      }
    }
    String passwordFile = v.get("--database-password-file");
    String compression = v.get("--compression");
    ResponseCompression responseCompression;
    try {
      responseCompression = compression == null ? ResponseCompression.AUTO
          : ResponseCompression.parse(compression);
    } catch (IllegalArgumentException e) {
      // The message names the flag; a value from the variable says so too.
      throw new IllegalArgumentException(v.what("--compression").equals("--compression")
          ? e.getMessage() : v.what("--compression") + ": " + e.getMessage(), e);
    }
    return new Options(port, host == null ? "127.0.0.1" : host,
        data == null ? defaultData : Paths.get(data),
        tokenEnv == null ? "TANDEM_ADMIN_TOKEN" : tokenEnv,
        tokenFile == null ? null : Paths.get(tokenFile),
        skew == null ? null : parseDuration(skew, v.what("--max-clock-skew")),
        format == null ? Logs.Format.TEXT : Logs.Format.parse(format, v.what("--log-format")),
        level == null ? null : level.trim().toLowerCase(java.util.Locale.ROOT),
        metricsPublic, tombstones,
        interval == null ? DEFAULT_RETENTION_INTERVAL
            : parseDuration(interval, v.what("--retention-interval")),
        databaseUrl, passwordFile == null ? null : Paths.get(passwordFile), responseCompression);
  }

  private static String requireDatabaseUrl(String value, String what) {
    if (!value.startsWith("jdbc:postgresql://")) {
      throw new IllegalArgumentException(what + " must be a PostgreSQL JDBC URL such as"
          + " jdbc:postgresql://db.example.com:5432/tandem, not \"" + value + "\"");
    }
    return value;
  }

  private static boolean hasPassword(String url) {
    int q = url.indexOf('?');
    if (q < 0) {
      return false;
    }
    for (String p : url.substring(q + 1).split("&")) {
      if (p.toLowerCase(java.util.Locale.ROOT).startsWith("password=")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns the PostgreSQL URL to serve from: {@code --database-url}, else
   * {@value #DATABASE_URL_ENV}; null for SQLite.
   */
  public static String databaseUrl(Options options, Map<String, String> env) {
    if (options.databaseUrl() != null) {
      return options.databaseUrl();
    }
    String url = env.get(DATABASE_URL_ENV);
    return url == null || url.isEmpty() ? null : requireDatabaseUrl(url, DATABASE_URL_ENV);
  }

  /**
   * Returns the database password: the file {@code --database-password-file} (first line), else
   * {@value #DATABASE_PASSWORD_ENV}; null when neither is set (the URL's own, or none).
   */
  static String databasePassword(Options options, Map<String, String> env) {
    if (options.databasePasswordFile() != null) {
      return secretFile(options.databasePasswordFile(), "database password");
    }
    String password = env.get(DATABASE_PASSWORD_ENV);
    return password == null || password.isEmpty() ? null : password;
  }

  /** Where the server keeps its data, for the start line: never a password. */
  public static String describeStore(Options options, Map<String, String> env) {
    String url = databaseUrl(options, env);
    if (url == null) {
      return "data in " + options.dataDir().toAbsolutePath();
    }
    int q = url.indexOf('?');
    return "PostgreSQL at " + (q < 0 ? url : url.substring(0, q));
  }

  /** A flag's value, else its variable's; remembers which, for the error message. */
  private static final class Value {
    private final Map<String, String> flags;
    private final Map<String, String> env;
    private final java.util.Set<String> fromEnv = new java.util.HashSet<>();

    Value(Map<String, String> flags, Map<String, String> env) {
      this.flags = flags;
      this.env = env;
    }

    String get(String flag) {
      String v = flags.get(flag);
      if (v != null) {
        return v;
      }
      String e = env.get(ENV.get(flag));
      if (e == null || e.isEmpty()) {
        return null;
      }
      fromEnv.add(flag);
      return e;
    }

    String what(String flag) {
      return fromEnv.contains(flag) ? "$" + ENV.get(flag) + " (for " + flag + ")" : flag;
    }
  }

  /**
   * Parses {@code 300}, {@code 300s}, {@code 5m} or {@code 1h} (a bare number is seconds).
   *
   * @throws IllegalArgumentException naming {@code what} if it is not a positive duration
   */
  static Duration parseDuration(String value, String what) {
    return parseDuration(value, what, 365L * 24 * 3600);
  }

  /** As {@link #parseDuration(String, String)}, also in days ({@code 90d}), up to a maximum. */
  static Duration parseDuration(String value, String what, long maxSeconds) {
    String v = value.trim();
    long unit = 1;
    if (!v.isEmpty() && "smhd".indexOf(v.charAt(v.length() - 1)) >= 0) {
      char u = v.charAt(v.length() - 1);
      unit = u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 : 86400;
      v = v.substring(0, v.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n <= 0 || n > maxSeconds / unit) {
      throw new IllegalArgumentException(what + " must be a positive duration such as 300s, 5m,"
          + " 1h or 2d (at most " + maxSeconds / 86400 + " days), not \"" + value + "\"");
    }
    return Duration.ofSeconds(n * unit);
  }

  /**
   * Returns the admin token: the content of {@code options.adminTokenFile()} (or of the file
   * named by {@value #ADMIN_TOKEN_FILE_ENV}) without its trailing line break, else the value of
   * the variable {@code options.adminTokenEnv()}; null when neither is set.
   *
   * @throws IllegalArgumentException naming the file, if it cannot be read or holds no token
   */
  public static String adminToken(Options options, Map<String, String> env) {
    Path file = options.adminTokenFile();
    if (file == null) {
      String named = env.get(ADMIN_TOKEN_FILE_ENV);
      file = named == null || named.isEmpty() ? null : Paths.get(named);
    }
    if (file != null) {
      return secretFile(file, "admin token");
    }
    String admin = env.get(options.adminTokenEnv());
    return admin == null || admin.isEmpty() ? null : admin;
  }

  /** Reads a one-line secret from {@code file}; names the file and {@code what} on failure. */
  private static String secretFile(Path file, String what) {
    String text;
    try {
      if (Files.size(file) > MAX_ADMIN_TOKEN_FILE) {
        throw new IllegalArgumentException("the " + what + " file " + file + " is larger than "
            + MAX_ADMIN_TOKEN_FILE + " bytes: is it the right file?");
      }
      text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the " + what + " file " + file + ": "
          + e, e);
    }
    // Editors and `echo secret > file` add a line break; it is never part of the secret.
    String secret = text.strip();
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("the " + what + " file " + file + " is empty");
    }
    if (secret.contains("\n") || secret.contains("\r")) {
      throw new IllegalArgumentException("the " + what + " file " + file
          + " holds more than one line; it must hold the " + what + " alone");
    }
    return secret;
  }

  /**
   * Builds and starts a server from {@code options}, reading the admin token as {@link
   * #adminToken} says.
   *
   * @throws IllegalArgumentException if the admin token file cannot be used
   */
  public static TandemServer start(Options options, Map<String, String> env) {
    Duration skew = options.maxClockSkew();
    String skewEnv = env.get(SKEW_ENV);
    if (skew == null && skewEnv != null && !skewEnv.isEmpty()) {
      skew = parseDuration(skewEnv, SKEW_ENV);
    }
    TandemServer.Builder b = TandemServer.builder()
        .maxClockSkew(skew == null ? TandemServer.DEFAULT_MAX_CLOCK_SKEW : skew)
        .host(options.host())
        .port(options.port())
        .adminToken(adminToken(options, env))
        .metricsPublic(options.metricsPublic())
        .tombstoneRetention(options.tombstoneRetention())
        .retentionInterval(options.retentionInterval())
        .responseCompression(options.compression());
    String url = databaseUrl(options, env);
    if (url == null) {
      return b.dataDir(options.dataDir()).build().start();
    }
    PostgresServerStore store = PostgresServerStore.open(url, null,
        databasePassword(options, env));
    try {
      TandemServer server = b.store(store).build().start();
      // After start: the catch-up on (re)connect asks the server's live hub for its teams.
      store.listen(server.localLiveHub());
      return server;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Applies {@code options.logFormat()} and {@code logLevel()} (or {@code fallbackLevel} when
   * it is null; null leaves the properties' level) to Tandem's logging backend.
   *
   * @return a warning for the user when JSON was asked for but this JVM logs through another
   *     SLF4J backend; null otherwise
   */
  public static String configureLogging(Options options, String fallbackLevel) {
    String level = options.logLevel() != null ? options.logLevel() : fallbackLevel;
    org.slf4j.event.Level parsed = level == null ? null : Logs.parseLevel(level, "--log-level");
    boolean off = level != null && parsed == null;
    boolean applied = Logs.configure(options.logFormat(), parsed);
    if (applied && off) {
      // "off": a threshold above every level, for loggers without a level of their own.
      Logs.configureOff();
    }
    if (!applied && (options.logFormat() == Logs.Format.JSON || level != null)) {
      return "--log-format and --log-level need Tandem's logging backend; this JVM logs through "
          + org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName()
          + ", configure that instead";
    }
    return null;
  }

  /** Runs until the process is told to stop; returns the exit code. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Options options;
    try {
      options = parse(env, args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
    String warning = configureLogging(options, null);
    if (warning != null) {
      err.println(warning);
    }
    TandemServer server;
    try {
      server = start(options, env);
    } catch (RuntimeException e) {
      err.println("cannot start the server: " + e.getMessage());
      return 1;
    }
    out.println("tandem server " + TandemServer.VERSION + " listening on " + server.uri()
        + " (" + describeStore(options, env) + ")");
    if (adminToken(options, env) == null) {
      out.println("admin endpoints disabled: neither $" + options.adminTokenEnv()
          + " nor an admin token file is set");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "tandem-server-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }
}
