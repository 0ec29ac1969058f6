package dev.tandem.bench.e2e;

import dev.tandem.sync.SyncResult;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * End-to-end sync benchmark through the real server on loopback: device A pushes N messages of
 * ~600 bytes, device B (a separate JVM with a capped heap) pulls them all. Prints messages per
 * second for each leg, B's peak heap, and the on-disk sizes that make up sync metadata.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.e2e.SyncBench 10000 100000 1000000
 * </pre>
 */
public final class SyncBench {
  private SyncBench() {}

  public static void main(String[] args) throws Exception {
    int payload = Integer.getInteger("payload", 600);
    String pullerHeap = System.getProperty("pullerHeap", "64m");
    List<Integer> sizes = new ArrayList<>();
    for (String a : args) {
      sizes.add(Integer.parseInt(a.replace("_", "")));
    }
    if (sizes.isEmpty()) {
      sizes.add(10_000);
    }
    System.out.printf("%-9s %12s %12s %12s %14s %12s%n", "messages", "write/s", "push/s",
        "pull/s", "B peak heap", "server MB");
    for (int n : sizes) {
      run(n, payload, pullerHeap);
    }
  }

  public static String payload(int i, int size) {
    StringBuilder sb = new StringBuilder(size + 100);
    sb.append("{\"conversationId\":\"c-").append(i / 1000).append("\",\"role\":\"")
        .append(i % 2 == 0 ? "user" : "assistant").append("\",\"ts\":")
        .append(1_700_000_000_000L + i).append(",\"content\":\"");
    String words = "the quick brown fox jumps over the lazy dog while the build runs again ";
    while (sb.length() < size - 2) {
      sb.append(words, 0, Math.min(words.length(), size - 2 - sb.length()));
    }
    return sb.append("\"}").toString();
  }

  private static void run(int n, int payloadSize, String pullerHeap) throws Exception {
    Path dir = Files.createTempDirectory("tandem-bench");
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir.resolve("server"))
        .build()) {
      server.start();
      String team = "bench";
      long writeNanos;
      long pushNanos;
      try (Tandem a = Tandem.builder().database(dir.resolve("a.db")).deviceId("a")
          .server(server.uri(), server.createToken(team, "a"), team).autoSync(false)
          .build()) {
        long t0 = System.nanoTime();
        int chunk = 10_000;
        for (int start = 0; start < n; start += chunk) {
          int s = start;
          int end = Math.min(n, start + chunk);
          a.batch(b -> {
            for (int i = s; i < end; i++) {
              b.put("message", "m-" + i, payload(i, payloadSize));
            }
          });
        }
        writeNanos = System.nanoTime() - t0;
        long t1 = System.nanoTime();
        SyncResult r = a.syncNow();
        pushNanos = System.nanoTime() - t1;
        if (!r.ok() || r.pushed() != n) {
          throw new IllegalStateException("push failed: " + r);
        }
      }
      String token = server.createToken(team, "b");
      String javaBin = System.getProperty("java.home") + File.separator + "bin" + File.separator
          + "java";
      Process p = new ProcessBuilder(javaBin, "-Xmx" + pullerHeap, "-cp",
          System.getProperty("java.class.path"), PullDevice.class.getName(),
          server.uri().toString(), token, team, dir.resolve("b.db").toString())
          .redirectErrorStream(true).start();
      String result = null;
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("RESULT ")) {
            result = line;
          } else if (line.contains("Exception") || line.contains("Error")) {
            System.err.println("  puller: " + line);
          }
        }
      }
      int exit = p.waitFor();
      if (exit != 0 || result == null) {
        throw new IllegalStateException("puller failed with exit " + exit);
      }
      String[] f = result.split(" ");
      long pullNanos = Long.parseLong(f[1]);
      int pulled = Integer.parseInt(f[2]);
      long peakHeap = Long.parseLong(f[3]);
      if (pulled != n) {
        throw new IllegalStateException("pulled " + pulled + " of " + n);
      }
      long serverBytes = sizeOf(dir.resolve("server"));
      System.out.printf("%-9d %12.0f %12.0f %12.0f %11.1f MB %12.1f%n", n,
          n / (writeNanos / 1e9), n / (pushNanos / 1e9), n / (pullNanos / 1e9),
          peakHeap / 1048576.0, serverBytes / 1048576.0);
      System.out.printf("          data %.1f MB; a.db %.1f MB; b.db %.1f MB%n",
          (double) n * payloadSize / 1048576.0, sizeOf(dir.resolve("a.db")) / 1048576.0,
          sizeOf(dir.resolve("b.db")) / 1048576.0);
      reportMetadata(dir);
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
      }
    }
  }

  /**
   * Sync metadata against data, in bytes of column content: on a device the outbox rows, the
   * clocks and the stored bases; on the server the change log's clocks, origins and sequence
   * numbers. Indexes and the search index are storage, not sync metadata, and are left out.
   */
  private static void reportMetadata(Path dir) throws Exception {
    try (java.sql.Connection b = java.sql.DriverManager.getConnection(
            "jdbc:sqlite:" + dir.resolve("b.db"));
        java.sql.Connection s = java.sql.DriverManager.getConnection(
            "jdbc:sqlite:" + dir.resolve("server").resolve("tandem-server.db"))) {
      long data = scalar(b, "SELECT sum(length(data)) FROM messages");
      long deviceMeta = scalar(b, "SELECT sum(length(hlc) + coalesce(length(base_hlc), 0)"
          + " + coalesce(length(base_data), 0) + 2) FROM messages")
          + scalar(b, "SELECT coalesce(sum(length(type) + length(entity_id) + length(hlc) + 40),"
          + " 0) FROM sync_queue");
      long serverData = scalar(s, "SELECT sum(length(data)) FROM records");
      long serverMeta = scalar(s, "SELECT sum(length(hlc) + coalesce(length(base_hlc), 0)"
          + " + length(origin) + length(op) + 8) FROM records")
          + scalar(s, "SELECT coalesce(sum(length(response) + length(batch_id)), 0) FROM batches");
      System.out.printf("          sync metadata: device %.1f%% of data, server %.1f%% of data%n",
          100.0 * deviceMeta / data, 100.0 * serverMeta / serverData);
    }
  }

  private static long scalar(java.sql.Connection c, String sql) throws java.sql.SQLException {
    try (java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  static long sizeOf(Path p) throws IOException {
    if (!Files.exists(p)) {
      return 0;
    }
    if (!Files.isDirectory(p)) {
      long s = Files.size(p);
      Path wal = p.resolveSibling(p.getFileName() + "-wal");
      return s + (Files.exists(wal) ? Files.size(wal) : 0);
    }
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).mapToLong(q -> q.toFile().length()).sum();
    }
  }
}
