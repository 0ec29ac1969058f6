package dev.tandem.bench.e2e;

import dev.tandem.sync.CommandUpdate;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Remote command routing on loopback, one JVM (so both ends read the same {@code nanoTime}):
 * send on the phone → the desktop's handler starts, and the handler's result → the phone's
 * future completes, with both devices online and live; then a desktop that reconnects → its first
 * queued command's handler starts.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.e2e.CommandRoutingBench 500 20 1000
 * </pre>
 * Arguments: commands sent one after the other (default 500), reconnects (default 20), and other
 * devices holding a live connection meanwhile (default 0; 10 per team, in their own teams), which
 * answer the server's keep-alives and do nothing else.
 */
public final class CommandRoutingBench {
  private static final String TEAM = "bench";

  private CommandRoutingBench() {}

  public static void main(String[] args) throws Exception {
    int commands = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int reconnects = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int idle = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    Path dir = Files.createTempDirectory("tandem-commands-bench");
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir.resolve("server"))
        .build()) {
      server.start();
      java.util.List<java.net.http.WebSocket> others = connectIdle(server, idle);
      System.out.printf("%d other devices connected (server: %d live connections)%n",
          others.size(), server.liveConnections());
      String desktopToken = server.createToken(TEAM, "desktop");
      try (Tandem phone = device(dir, server, "phone", server.createToken(TEAM, "phone"))) {
        awaitLive(phone);
        try (Tandem desktop = device(dir, server, "desktop", desktopToken)) {
          Map<String, Long> started = new ConcurrentHashMap<>();
          Map<String, Long> reported = new ConcurrentHashMap<>();
          desktop.commands().onCommand("bench.echo", (cmd, report) -> {
            started.put(cmd.commandId(), System.nanoTime());
            reported.put(cmd.commandId(), System.nanoTime());
            report.succeed(cmd.payload());
          });
          awaitLive(desktop);
          // Warm-up: class loading and JIT, not measured.
          route(phone, started, reported, 100);
          long[][] r = route(phone, started, reported, commands);
          System.out.printf("%d commands, one at a time, both devices live%n", commands);
          System.out.printf("%-28s %8s %8s %8s %8s%n", "", "p50 ms", "p90 ms", "p99 ms",
              "max ms");
          print("send -> handler starts", r[0]);
          print("result -> sender's future", r[1]);
          print("send -> outcome at sender", r[2]);
        }
        long[] firstDelivery = new long[reconnects];
        for (int i = 0; i < reconnects; i++) {
          CountDownLatch ran = new CountDownLatch(1);
          long[] at = new long[1];
          waitOffline(phone);
          String id = "reconnect-" + i;
          phone.commands().send("desktop", "bench.echo", "{\"i\":" + i + "}",
              dev.tandem.sync.CommandOptions.defaults().commandId(id));
          waitQueued(phone, id);
          long t0 = System.nanoTime();
          try (Tandem desktop = device(dir, server, "desktop", desktopToken)) {
            desktop.commands().onCommand("bench.echo", (cmd, report) -> {
              at[0] = System.nanoTime();
              ran.countDown();
            });
            if (!ran.await(60, TimeUnit.SECONDS)) {
              throw new IllegalStateException("queued command not delivered after reconnect");
            }
          }
          firstDelivery[i] = at[0] - t0;
        }
        System.out.printf("%n%d reconnects: desktop opens (Tandem.build) -> handler of its first"
            + " queued command starts%n", reconnects);
        print("reconnect -> first delivery", firstDelivery);
      }
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** {@code n} devices in teams of 10 with an open {@code /sync/live}, answering pings. */
  private static java.util.List<java.net.http.WebSocket> connectIdle(TandemServer server, int n)
      throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    java.util.List<java.util.concurrent.CompletableFuture<java.net.http.WebSocket>> pending =
        new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      String team = "idle-" + (i / 10);
      String device = "d" + i;
      String token = server.createToken(team, device);
      java.net.URI live = java.net.URI.create(server.uri().toString()
          .replaceFirst("^http", "ws") + "/sync/live");
      pending.add(client.newWebSocketBuilder().header("Authorization", "Bearer " + token)
          .header("X-Team-ID", team).header("X-Device-ID", device)
          .buildAsync(live, new java.net.http.WebSocket.Listener() {
            @Override
            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws,
                CharSequence data, boolean last) {
              if (data.toString().contains("\"ping\"")) {
                ws.sendText("{\"type\":\"pong\"}", true);
              }
              ws.request(1);
              return null;
            }
          }));
      if (pending.size() % 100 == 0) {
        // A hundred handshakes at a time: the accept queue, not the benchmark, sets the pace.
        java.util.concurrent.CompletableFuture.allOf(pending.toArray(
            new java.util.concurrent.CompletableFuture[0])).get(120, TimeUnit.SECONDS);
      }
    }
    java.util.List<java.net.http.WebSocket> out = new java.util.ArrayList<>();
    for (java.util.concurrent.CompletableFuture<java.net.http.WebSocket> f : pending) {
      out.add(f.get(120, TimeUnit.SECONDS));
    }
    return out;
  }

  private static long[][] route(Tandem phone, Map<String, Long> started,
      Map<String, Long> reported, int n) throws Exception {
    long[] toHandler = new long[n];
    long[] back = new long[n];
    long[] total = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      CommandUpdate end = phone.commands().send("desktop", "bench.echo", "{\"i\":" + i + "}",
          null).get(60, TimeUnit.SECONDS);
      long t3 = System.nanoTime();
      if (!end.status().equals("succeeded")) {
        throw new IllegalStateException("command ended " + end.status());
      }
      toHandler[i] = started.get(end.commandId()) - t0;
      back[i] = t3 - reported.get(end.commandId());
      total[i] = t3 - t0;
    }
    return new long[][] {toHandler, back, total};
  }

  /** Until the server has seen the desktop's last connection close. */
  private static void waitOffline(Tandem phone) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (phone.devices().list().stream()
          .noneMatch(d -> d.deviceId().equals("desktop") && d.online())) {
        return;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("the desktop still looks online");
  }

  private static void waitQueued(Tandem phone, String id) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      dev.tandem.sync.CommandInfo c = phone.commands().get(id);
      if (c != null && c.status().equals("queued")) {
        return;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("the command was not queued");
  }

  private static Tandem device(Path dir, TandemServer server, String id, String token) {
    return Tandem.builder().database(dir.resolve(id + ".db")).deviceId(id)
        .server(server.uri(), token, TEAM).build();
  }

  private static void awaitLive(Tandem t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.status().mode() != SyncStatus.Mode.LIVE && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  private static void print(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    System.out.printf("%-28s %8.1f %8.1f %8.1f %8.1f%n", what, q(s, 0.5), q(s, 0.9), q(s, 0.99),
        s[s.length - 1] / 1e6);
  }

  private static double q(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, i)] / 1e6;
  }
}
