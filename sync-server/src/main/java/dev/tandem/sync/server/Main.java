package dev.tandem.sync.server;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar tandem-server.jar [--port P] [--host H] [--data DIR] [--admin-token-env VAR]
 * [--max-clock-skew D]}.
 *
 * <p>The parsing ({@link #parse}) and starting ({@link #start}) are separate small methods so that
 * {@code tandem server} can reuse them.
 */
public final class Main {
  /** The environment variable read when {@code --max-clock-skew} is not given. */
  static final String SKEW_ENV = "TANDEM_MAX_CLOCK_SKEW";
  static final String USAGE =
      "usage: tandem-server [--port P] [--host H] [--data DIR] [--admin-token-env VAR]"
          + " [--max-clock-skew D]\n"
          + "  --port P              port to listen on (default 8080; 0 = any free port)\n"
          + "  --host H              address to bind (default 127.0.0.1; 0.0.0.0 for all)\n"
          + "  --data DIR            directory of the SQLite store (default ./tandem-server-data)\n"
          + "  --admin-token-env VAR environment variable holding the admin token\n"
          + "                        (default TANDEM_ADMIN_TOKEN; unset = admin endpoints off)\n"
          + "  --max-clock-skew D    how far ahead of the server's clock a change's clock may be,\n"
          + "                        e.g. 300s, 5m, 1h (default 5m; env " + SKEW_ENV + ")";


  private Main() {}

  /**
   * The server's command-line options. A null {@code maxClockSkew} means "from the environment
   * variable {@value #SKEW_ENV}, else the default".
   */
  public record Options(int port, String host, Path dataDir, String adminTokenEnv,
      Duration maxClockSkew) {
    /** Options with the clock skew left to the environment or the default. */
    public Options(int port, String host, Path dataDir, String adminTokenEnv) {
      this(port, host, dataDir, adminTokenEnv, null);
    }
  }

  /**
   * Parses the arguments.
   *
   * @throws IllegalArgumentException with a message fit for the user, on an unknown flag, a
   *     missing value or a bad port
   */
  public static Options parse(String... args) {
    int port = 8080;
    String host = "127.0.0.1";
    Path data = Paths.get("tandem-server-data");
    String env = "TANDEM_ADMIN_TOKEN";
    Duration skew = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else if (flag.equals("--help") || flag.equals("-h")) {
        throw new IllegalArgumentException(USAGE);
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
        }
        value = args[++i];
      }
      switch (flag) {
        case "--port":
          try {
            port = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port must be a number, not \"" + value + "\"");
          }
          if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be between 0 and 65535");
          }
          break;
        case "--host":
          host = value;
          break;
        case "--data":
          data = Paths.get(value);
          break;
        case "--admin-token-env":
          env = value;
          break;
        case "--max-clock-skew":
          skew = parseDuration(value, "--max-clock-skew");
          break;
        case "--postgres":
          throw new IllegalArgumentException("--postgres is not available yet in this version");
        default:
          throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
      }
    }
    return new Options(port, host, data, env, skew);
  }

  /**
   * Parses {@code 300}, {@code 300s}, {@code 5m} or {@code 1h} (a bare number is seconds).
   *
   * @throws IllegalArgumentException naming {@code what} if it is not a positive duration
   */
  static Duration parseDuration(String value, String what) {
    String v = value.trim();
    long unit = 1;
    if (!v.isEmpty() && "smh".indexOf(v.charAt(v.length() - 1)) >= 0) {
      char u = v.charAt(v.length() - 1);
      unit = u == 's' ? 1 : u == 'm' ? 60 : 3600;
      v = v.substring(0, v.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n <= 0 || n > 365L * 24 * 3600 / unit) {
      throw new IllegalArgumentException(what + " must be a positive duration such as 300s, 5m"
          + " or 1h, not \"" + value + "\"");
    }
    return Duration.ofSeconds(n * unit);
  }

  /** Builds and starts a server from {@code options}, reading the admin token from {@code env}. */
  public static TandemServer start(Options options, Map<String, String> env) {
    String admin = env.get(options.adminTokenEnv());
    Duration skew = options.maxClockSkew();
    String skewEnv = env.get(SKEW_ENV);
    if (skew == null && skewEnv != null && !skewEnv.isEmpty()) {
      skew = parseDuration(skewEnv, SKEW_ENV);
    }
    return TandemServer.builder()
        .maxClockSkew(skew == null ? TandemServer.DEFAULT_MAX_CLOCK_SKEW : skew)
        .host(options.host())
        .port(options.port())
        .dataDir(options.dataDir())
        .adminToken(admin == null || admin.isEmpty() ? null : admin)
        .build()
        .start();
  }

  /** Runs until the process is told to stop; returns the exit code. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
    TandemServer server;
    try {
      server = start(options, env);
    } catch (RuntimeException e) {
      err.println("cannot start the server: " + e.getMessage());
      return 1;
    }
    out.println("tandem server " + TandemServer.VERSION + " listening on " + server.uri()
        + " (data in " + options.dataDir().toAbsolutePath() + ")");
    if (env.get(options.adminTokenEnv()) == null) {
      out.println("admin endpoints disabled: $" + options.adminTokenEnv() + " is not set");
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
