package dev.tandem.bench.e2e;

import dev.tandem.sync.SyncResult;
import dev.tandem.sync.Tandem;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Resident memory of {@code tandem server} run as its own process, as a user starts it, during a
 * sync of N messages: device A pushes them all, device B pulls them all (both in this process).
 * The server's RSS is sampled from {@code /proc} every 50 ms; the peak (VmHWM) is what the
 * kernel recorded. Linux only.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.e2e.ServerRssBench 100000
 * </pre>
 *
 * <p>The server command is {@code bin/tandem server} (system property {@code serverCommand},
 * split on spaces); its JVM options come from the environment as {@code bin/tandem} reads them,
 * so {@code TANDEM_SERVER_JAVA_OPTS=""} measures the plain JVM defaults.
 */
public final class ServerRssBench {
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  private ServerRssBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 100_000;
    int payload = Integer.getInteger("payload", 600);
    String command = System.getProperty("serverCommand", "bin/tandem server");
    Path dir = Files.createTempDirectory("tandem-rss");
    String admin = "bench-admin-" + System.nanoTime();
    List<String> cmd = new ArrayList<>(List.of(command.split(" ")));
    cmd.addAll(List.of("--port", "0", "--data", dir.resolve("server").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TANDEM_ADMIN_TOKEN", admin);
    Process server = pb.start();
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      URI uri = null;
      String line;
      while (uri == null && (line = out.readLine()) != null) {
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          uri = URI.create(m.group(1));
        }
      }
      if (uri == null) {
        throw new IllegalStateException("the server did not start: " + server.waitFor());
      }
      // Keep draining its output so that the server never blocks on a full pipe.
      Thread drain = new Thread(() -> {
        try {
          while (out.readLine() != null) {
            // discarded
          }
        } catch (IOException ignored) {
          // the server went away
        }
      }, "drain");
      drain.setDaemon(true);
      drain.start();
      long pid = server.pid();
      long startRss = status(pid, "VmRSS");
      AtomicLong maxRss = new AtomicLong(startRss);
      Thread sampler = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          try {
            maxRss.accumulateAndGet(status(pid, "VmRSS"), Math::max);
            Thread.sleep(50);
          } catch (InterruptedException e) {
            return;
          } catch (IOException e) {
            return;
          }
        }
      }, "rss-sampler");
      sampler.setDaemon(true);
      sampler.start();

      String team = "bench";
      long t0 = System.nanoTime();
      try (Tandem a = Tandem.builder().database(dir.resolve("a.db")).deviceId("a")
          .server(uri, token(uri, admin, team, "a"), team).autoSync(false).build()) {
        for (int start = 0; start < n; start += 10_000) {
          int s = start;
          int end = Math.min(n, start + 10_000);
          a.batch(b -> {
            for (int i = s; i < end; i++) {
              b.put("message", "m-" + i, SyncBench.payload(i, payload));
            }
          });
        }
        SyncResult r = a.syncNow();
        if (!r.ok() || r.pushed() != n) {
          throw new IllegalStateException("push failed: " + r);
        }
      }
      long afterPush = status(pid, "VmRSS");
      try (Tandem b = Tandem.builder().database(dir.resolve("b.db")).deviceId("b")
          .server(uri, token(uri, admin, team, "b"), team).autoSync(false).build()) {
        SyncResult r = b.syncNow();
        if (!r.ok() || r.pulled() != n) {
          throw new IllegalStateException("pull failed: " + r);
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      sampler.interrupt();
      long end = status(pid, "VmRSS");
      long hwm = status(pid, "VmHWM");
      long anon = status(pid, "RssAnon");
      long file = status(pid, "RssFile");
      System.out.printf("messages %d, write+push+pull %.1f s%n", n, seconds);
      System.out.printf("server RSS: at start %.0f MB, after push %.0f MB, at end %.0f MB,"
              + " peak sampled %.0f MB, peak (VmHWM) %.0f MB%n",
          startRss / 1024.0, afterPush / 1024.0, end / 1024.0, maxRss.get() / 1024.0,
          hwm / 1024.0);
      // File pages are the database read through SQLite's memory map: the OS page cache, shared
      // and dropped under pressure; anonymous pages are the JVM's own.
      System.out.printf("server RSS at end: anonymous %.0f MB, file-backed %.0f MB%n",
          anon / 1024.0, file / 1024.0);
      System.out.println("server JVM: " + jvmArgs(pid));
    } finally {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
      }
    }
  }

  private static String token(URI server, String admin, String team, String device)
      throws Exception {
    HttpRequest req = HttpRequest.newBuilder(server.resolve("/admin/tokens"))
        .header("Authorization", "Bearer " + admin)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"teamId\":\"" + team + "\",\"deviceId\":\"" + device + "\"}"))
        .build();
    HttpResponse<String> r = HttpClient.newHttpClient().send(req,
        HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
    if (r.statusCode() != 201 || !m.find()) {
      throw new IllegalStateException("token: " + r.statusCode() + " " + r.body());
    }
    return m.group(1);
  }

  /** A kB figure of /proc/PID/status, e.g. VmRSS. */
  private static long status(long pid, String key) throws IOException {
    for (String l : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
      if (l.startsWith(key + ":")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException(key + " not in /proc/" + pid + "/status");
  }

  private static String jvmArgs(long pid) throws IOException {
    byte[] raw = Files.readAllBytes(Paths.get("/proc/" + pid + "/cmdline"));
    StringBuilder sb = new StringBuilder();
    for (String part : new String(raw, StandardCharsets.UTF_8).split("\0")) {
      if (part.startsWith("-X")) {
        sb.append(part).append(' ');
      }
    }
    return sb.length() == 0 ? "(JVM defaults)" : sb.toString().trim();
  }
}
