package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Record;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.server.TandemServer;
import dev.tandem.sync.transport.OkHttpTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The short CI version of the fault suite ({@code dev.tandem.bench.fault.FaultSuite} in
 * benchmarks, figures in RELIABILITY.md): a few seeded runs of two devices through a proxy that
 * drops, delays, resets and truncates connections, and two kill -9 of a device process mid-sync.
 * Nothing may be lost or duplicated, and the devices must converge.
 */
class FaultSuiteShortTest {
  @TempDir Path dir;
  private TandemServer server;
  private final List<Process> children = new ArrayList<>();

  @BeforeEach
  void start() {
    server = TandemServer.builder().port(0).dataDir(dir.resolve("server")).build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    server.close();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void twoDevicesThroughAFaultyNetwork_loseNothing_andConverge(long seed) throws Exception {
    Random r = new Random(seed);
    String team = "px-" + seed;
    try (FaultyProxy proxy = new FaultyProxy(server.port(), seed);
        Tandem a = device("a", team, proxy.port());
        Tandem b = device("b", team, proxy.port())) {
      Map<String, String> ownA = new TreeMap<>();
      Map<String, String> ownB = new TreeMap<>();
      for (int step = 0; step < 3; step++) {
        write(a, "a", step, r, ownA);
        write(b, "b", step, r, ownB);
        a.records("message").put("shared", "{\"by\":\"a\",\"step\":" + step + "}");
        b.records("message").put("shared", "{\"by\":\"b\",\"step\":" + step + "}");
        a.syncNow();
        b.syncNow();
      }
      boolean converged = false;
      for (int round = 0; round < 40 && !converged; round++) {
        a.syncNow();
        b.syncNow();
        converged = a.status().pending() == 0 && b.status().pending() == 0
            && records(a).equals(records(b));
      }

      assertTrue(converged, () -> "not converged: a " + a.status() + ", b " + b.status());
      assertEquals(0, a.status().failed() + b.status().failed(), "entries parked as failed");
      Map<String, String> expected = new TreeMap<>(ownA);
      expected.putAll(ownB);
      expected.put("shared", records(a).get("shared"));
      // Same keys (nothing lost, nothing extra) and the same last versions on both devices.
      assertEquals(expected, records(b));
      assertTrue(proxy.faults > 0, "the proxy injected no fault");
    }
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void deviceKilledTwiceMidSync_finishesWithEveryRecordOnTheServerOnce() throws Exception {
    String token = server.createToken("dk", "d");
    String[] args = {dir.resolve("d.db").toString(), server.uri().toString(), token, "dk"};
    Random r = new Random(42);
    int kills = 0;
    for (int attempt = 0; attempt < 10 && kills < 2; attempt++) {
      Process p = child(args);
      BufferedReader out = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("READY", out.readLine());
      // Killed by progress, not by time: a quiet machine finishes any fixed delay's work first.
      String after = "BATCH " + r.nextInt(4);
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.equals(after));
      if (line != null && p.isAlive()) {
        p.destroyForcibly();
        kills++;
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "device process did not end");
    }
    assertEquals(2, kills, "the device always finished before the kill");
    Process last = child(args);
    assertTrue(last.waitFor(90, TimeUnit.SECONDS), "device did not finish");
    assertEquals(0, last.exitValue());

    Map<String, String> onServer = new TreeMap<>();
    try (OkHttpTransport t = OkHttpTransport.builder().baseUrl(server.uri())
        .token(server.createToken("dk", "audit")).teamId("dk").deviceId("audit").build()) {
      String cursor = null;
      for (int page = 0; page < 100; page++) {
        PullResponse resp = t.pull(cursor, 5000);
        for (Change c : resp.changes()) {
          // One row per record on the server: seeing one twice in a full pass is a duplicate.
          assertEquals(null, onServer.put(c.id(), c.data()), "duplicate " + c.id());
        }
        cursor = resp.cursor();
        if (!resp.hasMore()) {
          break;
        }
      }
    }
    assertEquals(KilledDevice.RECORDS, onServer.size());
    for (int i = 0; i < KilledDevice.RECORDS; i++) {
      assertEquals(KilledDevice.json(i), onServer.get("m-" + i), "record m-" + i);
    }
  }

  private Process child(String[] args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-Xmx128m",
        "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), KilledDevice.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    children.add(p);
    return p;
  }

  private Tandem device(String id, String team, int port) {
    return Tandem.builder().database(dir.resolve(team + "-" + id + ".db")).deviceId(id)
        .server(URI.create("http://127.0.0.1:" + port), server.createToken(team, id), team)
        .autoSync(false).live(false).build();
  }

  private static void write(Tandem t, String device, int step, Random r,
      Map<String, String> own) {
    for (int i = 0; i < 1 + r.nextInt(5); i++) {
      String id = device + "-" + step + "-" + i;
      String json = "{\"by\":\"" + device + "\",\"v\":" + r.nextInt(1000) + "}";
      t.records("message").put(id, json);
      own.put(id, json);
    }
    if (!own.isEmpty() && r.nextBoolean()) {
      String id = new ArrayList<>(own.keySet()).get(r.nextInt(own.size()));
      t.records("message").delete(id);
      own.remove(id);
    }
  }

  private static Map<String, String> records(Tandem t) {
    Map<String, String> out = new TreeMap<>();
    for (Record rec : t.records("message").list(null, 10_000)) {
      out.put(rec.id(), rec.json());
    }
    return out;
  }

  /**
   * The device that gets killed: writes its records in five batches, syncing after each (a
   * restart writes only the records it does not have yet), and syncs until nothing is pending.
   */
  public static final class KilledDevice {
    static final int RECORDS = 500;

    static String json(int i) {
      return "{\"i\":" + i + ",\"text\":\"" + "z".repeat(300) + "\"}";
    }

    public static void main(String[] args) {
      int exit = 3;
      try (Tandem t = Tandem.builder().database(Paths.get(args[0])).deviceId("d")
          .server(URI.create(args[1]), args[2], args[3]).autoSync(false).live(false).build()) {
        System.out.println("READY");
        System.out.flush();
        for (int batch = 0; batch < 5; batch++) {
          int from = batch * RECORDS / 5;
          t.batch(w -> {
            for (int i = from; i < from + RECORDS / 5; i++) {
              if (t.records("message").get("m-" + i) == null) {
                w.put("message", "m-" + i, json(i));
              }
            }
          });
          t.syncNow();
          System.out.println("BATCH " + batch);
          System.out.flush();
        }
        for (int i = 0; i < 100 && t.status().pending() > 0; i++) {
          t.syncNow();
        }
        exit = t.status().pending() == 0 && t.status().failed() == 0 ? 0 : 3;
      }
      System.exit(exit);
    }
  }

  /** Breaks a seeded share of its connections: drop, delay, reset or truncate an answer. */
  private static final class FaultyProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int target;
    private final Random random;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    volatile int faults;

    FaultyProxy(int target, long seed) throws IOException {
      this.target = target;
      this.random = new Random(seed);
      this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::accept, "faulty-proxy");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket client = listener.accept();
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
          open.add(client);
          open.add(upstream);
          int kind = random.nextInt(5); // 0 healthy; 1 drop; 2 delay; 3 reset; 4 truncate
          int cut = kind == 1 ? 0 : kind >= 3 ? random.nextInt(2048) : -1;
          if (kind != 0) {
            faults++;
          }
          copy(client, upstream, -1, false, 0);
          copy(upstream, client, cut, kind == 3, kind == 2 ? 1 + random.nextInt(100) : 0);
        } catch (IOException e) {
          return;
        }
      }
    }

    private void copy(Socket from, Socket to, int cutAfter, boolean reset, long delayMillis) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[8192];
        long passed = 0;
        try {
          InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream();
          for (int n; (n = in.read(buf)) >= 0; ) {
            if (cutAfter >= 0 && passed + n > cutAfter) {
              out.write(buf, 0, (int) (cutAfter - passed));
              out.flush();
              if (reset) {
                to.setSoLinger(true, 0);
              }
              return;
            }
            if (delayMillis > 0) {
              Thread.sleep(delayMillis);
            }
            out.write(buf, 0, n);
            out.flush();
            passed += n;
          }
        } catch (IOException | InterruptedException ignored) {
          // The pair is being closed.
        } finally {
          close(to);
          close(from);
        }
      }, "faulty-proxy-copy");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() {
      close(listener);
      open.forEach(FaultyProxy::close);
    }

    private static void close(AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // Best effort.
      }
    }
  }
}
