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

/**
 * {@code java -jar tandem-server.jar [--port P] [--host H] [--data DIR] [--admin-token-env VAR]
 * [--admin-token-file FILE] [--max-clock-skew D]}.
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
  static final String USAGE =
      "usage: tandem-server [--port P] [--host H] [--data DIR] [--admin-token-env VAR]\n"
          + "                     [--admin-token-file FILE] [--max-clock-skew D]\n"
          + "                     [--compression MODE]\n"
          + "  --port P              port to listen on (default 8080; 0 = any free port)\n"
          + "  --host H              address to bind (default 127.0.0.1; 0.0.0.0 for all)\n"
          + "  --data DIR            directory of the SQLite store (default ./tandem-server-data)\n"
          + "  --admin-token-env VAR environment variable holding the admin token\n"
          + "                        (default TANDEM_ADMIN_TOKEN; unset = admin endpoints off)\n"
          + "  --admin-token-file F  file holding the admin token (default $"
          + ADMIN_TOKEN_FILE_ENV + ");\n"
          + "                        wins over the variable\n"
          + "  --max-clock-skew D    how far ahead of the server's clock a change's clock may be,\n"
          + "                        e.g. 300s, 5m, 1h (default 5m; env " + SKEW_ENV + ")\n"
          + "  --compression MODE    answers: auto (zstd or gzip, as the client accepts; default),\n"
          + "                        gzip (never zstd) or none";

  /** An admin token file is a few bytes; anything larger is the wrong file. */
  private static final long MAX_ADMIN_TOKEN_FILE = 4096;

  private Main() {}

  /**
   * The server's command-line options.
   *
   * @param adminTokenFile a file holding the admin token, or null to use {@code adminTokenEnv}
   * @param maxClockSkew null for "from the environment variable {@value #SKEW_ENV}, else the
   *     default"
   */
  public record Options(int port, String host, Path dataDir, String adminTokenEnv,
      Path adminTokenFile, Duration maxClockSkew, ResponseCompression compression) {
    /** Options whose admin token comes from the environment variable {@code adminTokenEnv}. */
    public Options(int port, String host, Path dataDir, String adminTokenEnv) {
      this(port, host, dataDir, adminTokenEnv, null, null);
    }

    /** Options with the default response compression. */
    public Options(int port, String host, Path dataDir, String adminTokenEnv,
        Path adminTokenFile, Duration maxClockSkew) {
      this(port, host, dataDir, adminTokenEnv, adminTokenFile, maxClockSkew,
          ResponseCompression.AUTO);
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
    Path tokenFile = null;
    Duration skew = null;
    ResponseCompression compression = ResponseCompression.AUTO;
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
        case "--admin-token-file":
          tokenFile = Paths.get(value);
          break;
        case "--max-clock-skew":
          skew = parseDuration(value, "--max-clock-skew");
          break;
        case "--compression":
          compression = ResponseCompression.parse(value);
          break;
        case "--postgres":
          throw new IllegalArgumentException("--postgres is not available yet in this version");
        default:
          throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
      }
    }
    return new Options(port, host, data, env, tokenFile, skew, compression);
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
      String text;
      try {
        if (Files.size(file) > MAX_ADMIN_TOKEN_FILE) {
          throw new IllegalArgumentException("the admin token file " + file + " is larger than "
              + MAX_ADMIN_TOKEN_FILE + " bytes: is it the right file?");
        }
        text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the admin token file " + file + ": "
            + e, e);
      }
      // Editors and `echo secret > file` add a line break; it is never part of the token.
      String token = text.strip();
      if (token.isEmpty()) {
        throw new IllegalArgumentException("the admin token file " + file + " is empty");
      }
      if (token.contains("\n") || token.contains("\r")) {
        throw new IllegalArgumentException("the admin token file " + file
            + " holds more than one line; it must hold the token alone");
      }
      return token;
    }
    String admin = env.get(options.adminTokenEnv());
    return admin == null || admin.isEmpty() ? null : admin;
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
    return TandemServer.builder()
        .maxClockSkew(skew == null ? TandemServer.DEFAULT_MAX_CLOCK_SKEW : skew)
        .host(options.host())
        .port(options.port())
        .dataDir(options.dataDir())
        .adminToken(adminToken(options, env))
        .responseCompression(options.compression())
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
