package dev.tandem.bench.e2e;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server on PostgreSQL under load, speaking the real protocol: {@code nodes} server processes
 * started as a user starts them ({@code java -Xmx256m -XX:+UseSerialGC -jar tandem.jar server
 * --database-url …}) on one embedded PostgreSQL; {@code devices} lightweight devices (teams of 10)
 * in this JVM, each holding a live WebSocket to a node (round robin) and answering keep-alives;
 * messages pushed at {@code perMinute} spread over the devices, each push a one-change batch to
 * the device's node. Measured: push latency, write-to-other-device latency (the push until
 * another device of the team hears {@code changes}, on whichever node), errors other than 503,
 * peak RSS per node, PostgreSQL connections.
 *
 * <pre>
 * mvn -B -ntp -q package -DskipTests -pl benchmarks,sync-cli -am
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.e2e.ClusterLoadBench \
 *     [devices=1000] [perMinute=10000] [seconds=60] [nodes=2] [--jar sync-cli/target/tandem.jar]
 * </pre>
 */
public final class ClusterLoadBench {
  private static final int TEAM_SIZE = 10;
  private static final int MAX_IN_FLIGHT = 256;

  private ClusterLoadBench() {}

  public static void main(String[] args) throws Exception {
    int devices = 1000;
    int perMinute = 10_000;
    int seconds = 60;
    int nodes = 2;
    Path jar = Paths.get("sync-cli/target/tandem.jar");
    List<Integer> numbers = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--jar")) {
        jar = Paths.get(args[++i]);
      } else {
        numbers.add(Integer.parseInt(args[i]));
      }
    }
    if (numbers.size() > 0) {
      devices = numbers.get(0);
    }
    if (numbers.size() > 1) {
      perMinute = numbers.get(1);
    }
    if (numbers.size() > 2) {
      seconds = numbers.get(2);
    }
    if (numbers.size() > 3) {
      nodes = numbers.get(3);
    }
    Path dir = Files.createTempDirectory("tandem-cluster-load");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("max_connections", "300").start()) {
      String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres";
      run(dir, jar, url, devices, perMinute, seconds, nodes);
    }
  }

  private static void run(Path dir, Path jar, String url, int devices, int perMinute,
      int seconds, int nodeCount) throws Exception {
    String admin = "bench-admin-" + Long.toHexString(System.nanoTime());
    Path adminFile = dir.resolve("admin-token");
    Files.writeString(adminFile, admin);
    String javaBin = System.getProperty("java.home") + File.separator + "bin" + File.separator
        + "java";
    List<Process> processes = new CopyOnWriteArrayList<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> processes.forEach(Process::destroy)));
    List<URI> nodes = new ArrayList<>();
    for (int n = 0; n < nodeCount; n++) {
      ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx256m", "-XX:+UseSerialGC", "-jar",
          jar.toString(), "server", "--port", "0", "--database-url", url, "--admin-token-file",
          adminFile.toString(), "--log-level", "warn").redirectErrorStream(true);
      pb.environment().put("HOME", dir.toString());
      Process p = pb.start();
      processes.add(p);
      BlockingQueue<String> out = UserPathBench.lines(p, "node" + (n + 1));
      nodes.add(URI.create(UserPathBench.awaitMatch(out, UserPathBench.LISTENING, 120)
          .group(1)));
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String[] tokens = new String[devices];
    long setup = System.nanoTime();
    for (int i = 0; i < devices; i++) {
      tokens[i] = UserPathBench.createToken(http, nodes.get(i % nodes.size()), admin, team(i),
          "d" + i);
    }
    System.out.printf("  %d tokens in %.1f s%n", devices, (System.nanoTime() - setup) / 1e9);
    // Per team: when its last push was sent (ns), and the latencies others heard it with.
    Map<String, AtomicLong> lastPush = new ConcurrentHashMap<>();
    List<Long> liveNanos = new CopyOnWriteArrayList<>();
    List<CompletableFuture<WebSocket>> connecting = new ArrayList<>();
    setup = System.nanoTime();
    for (int i = 0; i < devices; i++) {
      int index = i;
      URI node = nodes.get(i % nodes.size());
      URI live = URI.create(node.toString().replaceFirst("^http", "ws") + "/sync/live");
      AtomicLong seen = new AtomicLong();
      connecting.add(http.newWebSocketBuilder().header("Authorization", "Bearer " + tokens[i])
          .header("X-Team-ID", team(i)).header("X-Device-ID", "d" + i)
          .buildAsync(live, new WebSocket.Listener() {
            @Override
            public java.util.concurrent.CompletionStage<?> onText(WebSocket ws,
                CharSequence data, boolean last) {
              String text = data.toString();
              if (text.contains("\"ping\"")) {
                ws.sendText("{\"type\":\"pong\"}", true);
              } else if (text.contains("\"changes\"")) {
                AtomicLong sent = lastPush.get(team(index));
                long at = sent == null ? 0 : sent.get();
                // One figure per push and listener: the first notice after it.
                if (at > 0 && seen.getAndSet(at) != at) {
                  liveNanos.add(System.nanoTime() - at);
                }
              }
              ws.request(1);
              return null;
            }
          }));
      if (connecting.size() % 200 == 0) {
        // Two hundred handshakes at a time: the accept queues, not this loop, set the pace.
        CompletableFuture.allOf(connecting.toArray(new CompletableFuture[0]))
            .get(120, TimeUnit.SECONDS);
      }
    }
    List<WebSocket> sockets = new ArrayList<>();
    for (CompletableFuture<WebSocket> f : connecting) {
      sockets.add(f.get(120, TimeUnit.SECONDS));
    }
    System.out.printf("  %d live sockets in %.1f s%n", devices, (System.nanoTime() - setup) / 1e9);
    System.out.printf("%d nodes on one PostgreSQL, %d devices (%d teams of %d) connected;"
        + " %d messages a minute for %d s%n", nodeCount, devices, (devices + TEAM_SIZE - 1)
        / TEAM_SIZE, TEAM_SIZE, perMinute, seconds);
    long[] pids = processes.stream().mapToLong(Process::pid).toArray();
    long[] peakKb = new long[pids.length];
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> {
      for (int n = 0; n < pids.length; n++) {
        try {
          long kb = UserPathBench.vmHwmKb(Files.readAllLines(
              Paths.get("/proc/" + pids[n] + "/status")));
          peakKb[n] = Math.max(peakKb[n], kb);
        } catch (Exception e) {
          // the node is gone: the run reports it as errors
        }
      }
    }, 0, 500, TimeUnit.MILLISECONDS);

    List<Long> pushNanos = new CopyOnWriteArrayList<>();
    AtomicInteger overloaded = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    List<String> firstErrors = new CopyOnWriteArrayList<>();
    Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    long intervalNanos = 60_000_000_000L / perMinute;
    long start = System.nanoTime();
    long total = (long) perMinute * seconds / 60;
    java.util.Random rnd = new java.util.Random(42);
    for (long k = 0; k < total; k++) {
      long due = start + k * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      int d = rnd.nextInt(devices);
      String device = "d" + d;
      long wall = System.currentTimeMillis();
      String hlc = String.format("%012x-%04x-%s", wall, (int) (k & 0xffff), device);
      String body = "{\"batchId\":\"b-" + k + "\",\"deviceId\":\"" + device + "\",\"changes\":["
          + "{\"type\":\"message\",\"id\":\"m-" + k + "\",\"op\":\"upsert\",\"hlc\":\"" + hlc
          + "\",\"data\":{\"conversationId\":\"c-" + d + "\",\"role\":\"assistant\","
          + "\"content\":\"load message " + k + " with a few words of text in it\"}}]}";
      HttpRequest req = HttpRequest.newBuilder(nodes.get(d % nodes.size())
          .resolve("/sync/batch")).header("Authorization", "Bearer " + tokens[d])
          .header("X-Team-ID", team(d)).header("X-Device-ID", device)
          .header("Content-Type", "application/json")
          .timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      inFlight.acquire();
      long t0 = System.nanoTime();
      lastPush.computeIfAbsent(team(d), x -> new AtomicLong()).set(t0);
      CompletableFuture<HttpResponse<String>> f =
          http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
      f.whenComplete((r, e) -> {
        inFlight.release();
        if (e != null) {
          errors.incrementAndGet();
          if (firstErrors.size() < 5) {
            firstErrors.add(String.valueOf(e));
          }
        } else if (r.statusCode() == 503) {
          overloaded.incrementAndGet();
        } else if (r.statusCode() != 200) {
          errors.incrementAndGet();
          if (firstErrors.size() < 5) {
            firstErrors.add(r.statusCode() + " " + r.body());
          }
        } else {
          pushNanos.add(System.nanoTime() - t0);
        }
      });
    }
    inFlight.acquire(MAX_IN_FLIGHT);
    long elapsed = System.nanoTime() - start;
    // The last notices arrive a few milliseconds after the last answers.
    Thread.sleep(500);
    sampler.shutdown();
    int connections;
    try (Connection c = java.sql.DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity"
            + " WHERE datname = 'postgres'")) {
      rs.next();
      connections = rs.getInt(1);
    }
    System.out.printf("  sent %d pushes in %.1f s (%.0f a minute)%n", total, elapsed / 1e9,
        total * 60e9 / elapsed);
    print("push (POST /sync/batch)", pushNanos);
    print("write -> other device's live notice", liveNanos);
    System.out.printf("  503 overloaded: %d; other errors: %d %s%n", overloaded.get(),
        errors.get(), firstErrors);
    for (int n = 0; n < pids.length; n++) {
      System.out.printf("  node %d peak RSS (VmHWM) %.0f MB%n", n + 1, peakKb[n] / 1024.0);
    }
    System.out.printf("  PostgreSQL connections at the end (pools and listeners): %d%n",
        connections);
    for (WebSocket ws : sockets) {
      ws.abort();
    }
    for (Process p : processes) {
      p.toHandle().destroy(); // leaves the output pipe to the reader (see UserPathBench)
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static String team(int device) {
    return "team-" + device / TEAM_SIZE;
  }

  private static void print(String what, List<Long> nanos) {
    long[] s = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(s);
    if (s.length == 0) {
      System.out.printf("  %-38s no samples%n", what);
      return;
    }
    System.out.printf("  %-38s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (%d samples)%n", what,
        q(s, 0.5), q(s, 0.99), s[s.length - 1] / 1e6, s.length);
  }

  private static double q(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, i)] / 1e6;
  }
}
