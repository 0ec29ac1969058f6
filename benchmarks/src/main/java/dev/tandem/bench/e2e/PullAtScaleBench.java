package dev.tandem.bench.e2e;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A device's pull at the head of a team whose change log holds millions of changes, on
 * PostgreSQL: it must stay flat as the log grows. The server is its own process
 * ({@code tandem.jar server --database-url}); the log is filled with SQL straight into the
 * store's tables (a shortcut: pushing 10M changes would take hours here), then a device pulls the
 * last 100 changes, 200 times, over HTTP.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.e2e.PullAtScaleBench 1000000 10000000
 * </pre>
 */
public final class PullAtScaleBench {
  private static final String TEAM = "big";
  private static final int TIMES = 200;

  private PullAtScaleBench() {}

  public static void main(String[] args) throws Exception {
    long[] sizes = args.length == 0 ? new long[] {1_000_000, 10_000_000}
        : Arrays.stream(args).mapToLong(Long::parseLong).toArray();
    Path dir = Files.createTempDirectory("tandem-pull-scale");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setPGStartupWait(Duration.ofSeconds(60)).start()) {
      String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres";
      String admin = "bench-admin-" + Long.toHexString(System.nanoTime());
      Path adminFile = dir.resolve("admin-token");
      Files.writeString(adminFile, admin);
      String javaBin = System.getProperty("java.home") + File.separator + "bin" + File.separator
          + "java";
      Process node = new ProcessBuilder(javaBin, "-Xmx256m", "-XX:+UseSerialGC", "-jar",
          Paths.get("sync-cli/target/tandem.jar").toString(), "server", "--port", "0",
          "--database-url", url, "--admin-token-file", adminFile.toString(), "--log-level",
          "warn").redirectErrorStream(true).start();
      try {
        BlockingQueue<String> out = UserPathBench.lines(node, "node");
        URI server = URI.create(UserPathBench.awaitMatch(out, UserPathBench.LISTENING, 120)
            .group(1));
        HttpClient http = HttpClient.newHttpClient();
        String token = UserPathBench.createToken(http, server, admin, TEAM, "reader");
        long filled = 0;
        for (long size : sizes) {
          long t0 = System.nanoTime();
          fill(url, filled, size);
          filled = size;
          System.out.printf("%,d changes in the team's log (filled in %.0f s)%n", size,
              (System.nanoTime() - t0) / 1e9);
          long[] nanos = new long[TIMES];
          for (int i = -20; i < TIMES; i++) {
            HttpRequest req = HttpRequest.newBuilder(server.resolve("/sync/pull?since="
                + (size - 100) + "&limit=500")).header("Authorization", "Bearer " + token)
                .header("X-Team-ID", TEAM).header("X-Device-ID", "reader").GET().build();
            long s = System.nanoTime();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            long took = System.nanoTime() - s;
            if (r.statusCode() != 200 || !r.body().contains("\"m-" + size + "\"")) {
              throw new IllegalStateException("pull: " + r.statusCode() + " "
                  + r.body().substring(0, Math.min(200, r.body().length())));
            }
            if (i >= 0) {
              nanos[i] = took; // the first 20 warm the JIT and the caches
            }
          }
          Arrays.sort(nanos);
          System.out.printf("  pull of the last 100 changes: p50 %.2f ms, p99 %.2f ms%n",
              nanos[TIMES / 2] / 1e6, nanos[(int) (TIMES * 0.99) - 1] / 1e6);
        }
      } finally {
        node.toHandle().destroy(); // leaves the output pipe to the reader (see UserPathBench)
        node.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Adds changes {@code from + 1 … to} to the team's log, as the store keeps them. */
  private static void fill(String url, long from, long to) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("INSERT INTO records (team, type, id, op, hlc, base_hlc, data, origin, seq,"
          + " stored_at) SELECT '" + TEAM + "', 'message', 'm-' || g, 'upsert',"
          + " lpad(to_hex(1700000000000 + g), 12, '0') || '-0000-writer', NULL,"
          + " '{\"conversationId\":\"c-' || (g / 100) || '\",\"content\":\"message ' || g || '\"}',"
          + " 'writer', g, 0 FROM generate_series(" + (from + 1) + ", " + to + ") g");
      s.execute("INSERT INTO teams (team, seq) VALUES ('" + TEAM + "', " + to + ")"
          + " ON CONFLICT (team) DO UPDATE SET seq = excluded.seq");
      s.execute("ANALYZE records");
    }
  }
}
