package dev.tandem.bench.fault;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.server.TandemServer;
import dev.tandem.sync.transport.OkHttpTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The repeatable fault suite (issue 9 "Also"): kill -9 of device processes at random points of
 * import and sync, kill -9 of the server process mid-batch, and seeded runs of two devices syncing
 * through a {@link FaultProxy}. Prints lost and duplicated records (must be 0) and whether the
 * devices converged; exits 1 if any is not 0 or not converged.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.fault.FaultSuite \
 *     [--device-kills 100] [--server-kills 20] [--proxy-runs 1000] [--seed 1]
 *     [--parallel 2] [--corpus DIR] [--work DIR]
 * </pre>
 *
 * <p>Every process it kills is a child JVM it started itself (same class path), killed by its
 * own handle. Devices and the server talk over 127.0.0.1 only.
 */
public final class FaultSuite {
  private final Options o;
  private final Random random;
  private final Path work;

  private FaultSuite(Options o) throws IOException {
    this.o = o;
    this.random = new Random(o.seed);
    this.work = o.work != null ? o.work : Files.createTempDirectory("tandem-fault");
    Files.createDirectories(work);
    Child.archive = work.resolve("children.jsa");
  }

  /** The suite's settings, from the command line. */
  static final class Options {
    int deviceKills = 100;
    int serverKills = 20;
    int proxyRuns = 1000;
    long seed = 1;
    int parallel = 2;
    Path corpus;
    Path work;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i + 1 < args.length; i += 2) {
        String v = args[i + 1];
        switch (args[i]) {
          case "--device-kills" -> o.deviceKills = Integer.parseInt(v);
          case "--server-kills" -> o.serverKills = Integer.parseInt(v);
          case "--proxy-runs" -> o.proxyRuns = Integer.parseInt(v);
          case "--seed" -> o.seed = Long.parseLong(v);
          case "--parallel" -> o.parallel = Math.max(1, Integer.parseInt(v));
          case "--corpus" -> o.corpus = Paths.get(v);
          case "--work" -> o.work = Paths.get(v);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (args.length % 2 != 0) {
        throw new IllegalArgumentException("every option takes a value");
      }
      return o;
    }
  }

  /** What one phase found. */
  static final class Tally {
    final String phase;
    long kills;
    long runs;
    long records;
    long lost;
    long duplicated;
    long differing;
    long parked;
    long notConverged;
    long millis;
    final Map<String, Long> notes = new TreeMap<>();
    final List<String> problems = new ArrayList<>();

    Tally(String phase) {
      this.phase = phase;
    }

    boolean clean() {
      return lost == 0 && duplicated == 0 && differing == 0 && parked == 0 && notConverged == 0;
    }

    synchronized void add(Tally t) {
      runs += t.runs;
      records += t.records;
      lost += t.lost;
      duplicated += t.duplicated;
      differing += t.differing;
      parked += t.parked;
      notConverged += t.notConverged;
      t.notes.forEach((k, v) -> notes.merge(k, v, Long::sum));
      if (problems.size() < 20) {
        problems.addAll(t.problems);
      }
    }

    String line() {
      return String.format(Locale.ROOT, "%-13s kills=%d runs=%d records=%d lost=%d duplicated=%d"
          + " differing=%d parked=%d not-converged=%d time=%.1fs %s", phase, kills, runs,
          records, lost, duplicated, differing, parked, notConverged, millis / 1000.0, notes);
    }
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(new FaultSuite(o).run() ? 0 : 1);
  }

  /** Runs every phase; returns whether all were clean. */
  boolean run() throws Exception {
    System.out.printf("fault suite: seed %d, device kills %d, server kills %d, proxy runs %d,"
        + " work %s%n", o.seed, o.deviceKills, o.serverKills, o.proxyRuns, work);
    List<Tally> tallies = new ArrayList<>();
    if (o.deviceKills > 0) {
      tallies.add(timed(this::deviceKills));
    }
    if (o.serverKills > 0) {
      tallies.add(timed(this::serverKills));
    }
    if (o.proxyRuns > 0) {
      tallies.add(timed(this::proxyRuns));
    }
    boolean clean = true;
    System.out.println("---- results ----");
    for (Tally t : tallies) {
      System.out.println(t.line());
      for (String p : t.problems) {
        System.out.println("  problem: " + p);
      }
      clean &= t.clean();
    }
    System.out.println(clean ? "RESULT clean: 0 lost, 0 duplicated, all converged"
        : "RESULT NOT CLEAN");
    if (o.work == null) {
      deleteTree(work);
    }
    return clean;
  }

  private interface Phase {
    Tally run() throws Exception;
  }

  private static Tally timed(Phase p) throws Exception {
    long t0 = System.nanoTime();
    Tally t = p.run();
    t.millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.println(t.line());
    return t;
  }

  // ---- phase 1: kill -9 of a device during import and sync ----

  private Tally deviceKills() throws Exception {
    Tally tally = new Tally("device-kills");
    Path corpus = corpus();
    try (TandemServer server = TandemServer.builder().port(0)
        .dataDir(work.resolve("device-kill-server")).build().start()) {
      // A clean run gives the reference: what the server must hold after any number of kills.
      String calToken = server.createToken("cal", "d");
      Child cal = Child.start("device-cal", DeviceMain.class, work.resolve("cal.db").toString(),
          corpus.toString(), server.uri().toString(), calToken, "cal", "d");
      cal.awaitReady(60_000);
      long t0 = System.nanoTime();
      // Up to DONE, not to the exit: this first child also writes the class-data archive.
      cal.awaitLine("DONE", 300_000);
      long cleanMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      int calExit = cal.process.waitFor(5, TimeUnit.MINUTES) ? cal.process.exitValue() : -1;
      if (calExit != 0) {
        throw new IllegalStateException("calibration device run failed: exit " + calExit
            + "\n" + cal.output());
      }
      Map<String, String> reference = audit(server.uri(), server.createToken("cal", "audit"),
          "cal");
      System.out.printf("device-kills: corpus %s, clean import+sync %d ms after start-up,"
          + " %d records%n",
          corpus, cleanMillis, reference.size());
      int perRound = 5;
      int round = 0;
      while (tally.kills < o.deviceKills) {
        String team = "dk-" + round;
        String token = server.createToken(team, "d");
        Path db = work.resolve(team + ".db");
        String[] args = {db.toString(), corpus.toString(), server.uri().toString(), token, team,
            "d"};
        int killsThisRound = 0;
        // Until the device gets its work done once, or enough kills: a device that finished
        // has nothing left to be killed in.
        boolean finished = false;
        int finishedExit = -1;
        String finishedOutput = "";
        for (int attempt = 0; attempt < perRound * 4 && !finished && killsThisRound < perRound
            && tally.kills < o.deviceKills; attempt++) {
          Child c = Child.start("device-" + team, DeviceMain.class, args);
          if (!c.awaitLine("READY", 60_000)) {
            c.kill();
            continue;
          }
          // Anywhere from the moment the device is up to most of a clean run's length.
          long delay = (long) (random.nextDouble() * cleanMillis * 0.9);
          if (!c.process.waitFor(delay, TimeUnit.MILLISECONDS)) {
            String phase = c.saw("IMPORTED") ? "kill-in-sync" : "kill-in-import";
            c.kill();
            tally.kills++;
            killsThisRound++;
            tally.notes.merge(phase, 1L, Long::sum);
          } else {
            finished = true;
            finishedExit = c.process.exitValue();
            finishedOutput = c.output();
          }
        }
        if (!finished) {
          Child last = Child.start("device-" + team, DeviceMain.class, args);
          if (last.process.waitFor(5, TimeUnit.MINUTES)) {
            finishedExit = last.process.exitValue();
          } else {
            last.kill();
          }
          finishedOutput = last.output();
        }
        tally.runs++;
        if (finishedExit != 0) {
          tally.parked++;
          tally.problems.add(team + ": the device did not finish cleanly after its kills\n"
              + finishedOutput);
        }
        Map<String, String> got = audit(server.uri(), server.createToken(team, "audit"), team);
        compare(team, reference, got, tally);
        tally.records += got.size();
        round++;
      }
    }
    return tally;
  }

  // ---- phase 2: kill -9 of the server while a device pushes ----

  private Tally serverKills() throws Exception {
    Tally tally = new Tally("server-kills");
    Path data = work.resolve("server-kill-server");
    Child server = Child.start("server", ServerMain.class, data.toString(), "0", "sk", "a",
        "sk", "b", "sk", "audit");
    String[] ready = server.awaitReady(60_000);
    int port = Integer.parseInt(ready[1]);
    String tokenA = ready[2];
    String tokenB = ready[3];
    String tokenAudit = ready[4];
    URI uri = URI.create("http://127.0.0.1:" + port);
    Map<String, String> expected = new HashMap<>();
    try (Tandem a = Tandem.builder().database(work.resolve("sk-a.db")).deviceId("a")
        .server(uri, tokenA, "sk").autoSync(false).live(false).build()) {
      for (int cycle = 0; tally.kills < o.serverKills && cycle < o.serverKills * 3; cycle++) {
        int c = cycle;
        a.batch(w -> {
          for (int i = 0; i < 2000; i++) {
            String id = "sk-" + c + "-" + i;
            String json = "{\"cycle\":" + c + ",\"i\":" + i + ",\"text\":\""
                + "y".repeat(200) + "\"}";
            w.put("message", id, json);
            expected.put("message/" + id, json);
          }
        });
        AtomicBoolean stop = new AtomicBoolean();
        Thread pusher = new Thread(() -> syncUntilDone(a, stop, 120_000), "pusher");
        pusher.start();
        Thread.sleep(20 + random.nextInt(200));
        boolean midPush = a.status().pending() > 0;
        server.kill();
        if (midPush) {
          tally.kills++;
        } else {
          tally.notes.merge("kill-after-push-done", 1L, Long::sum);
        }
        server = Child.start("server", ServerMain.class, data.toString(),
            Integer.toString(port));
        server.awaitReady(60_000);
        pusher.join(180_000);
        stop.set(true);
        tally.runs++;
      }
      syncUntilDone(a, new AtomicBoolean(), 120_000);
      SyncStatus s = a.status();
      if (s.pending() != 0 || s.failed() != 0) {
        tally.parked += s.pending() + s.failed();
        tally.problems.add("device a: pending " + s.pending() + ", failed " + s.failed()
            + ", last error " + s.lastError());
      }
      Map<String, String> got = audit(uri, tokenAudit, "sk");
      compare("sk server", expected, got, tally);
      tally.records = got.size();
      try (Tandem b = Tandem.builder().database(work.resolve("sk-b.db")).deviceId("b")
          .server(uri, tokenB, "sk").autoSync(false).live(false).build()) {
        syncUntilDone(b, new AtomicBoolean(), 120_000);
        Map<String, String> onB = localRecords(b, "message");
        compare("sk device b", expected, onB, tally);
        if (!onB.keySet().equals(localRecords(a, "message").keySet())) {
          tally.notConverged++;
        }
      }
    } finally {
      server.process.getOutputStream().close();
      if (!server.process.waitFor(20, TimeUnit.SECONDS)) {
        server.kill();
      }
    }
    return tally;
  }

  // ---- phase 3: two devices through a fault-injecting proxy ----

  private Tally proxyRuns() throws Exception {
    Tally total = new Tally("proxy-runs");
    Map<FaultProxy.Fault, Long> faults = new EnumMap<>(FaultProxy.Fault.class);
    try (TandemServer server = TandemServer.builder().port(0)
        .dataDir(work.resolve("proxy-server")).build().start()) {
      ExecutorService pool = Executors.newFixedThreadPool(o.parallel);
      try {
        List<Future<Tally>> futures = new ArrayList<>();
        for (int run = 0; run < o.proxyRuns; run++) {
          long seed = o.seed * 1_000_003L + run;
          int n = run;
          futures.add(pool.submit(() -> proxyRun(server, n, seed, faults)));
        }
        for (Future<Tally> f : futures) {
          total.add(f.get(10, TimeUnit.MINUTES));
        }
      } finally {
        pool.shutdownNow();
      }
    }
    faults.forEach((k, v) -> total.notes.put(k.name().toLowerCase(Locale.ROOT), v));
    return total;
  }

  private Tally proxyRun(TandemServer server, int run, long seed,
      Map<FaultProxy.Fault, Long> faults) throws Exception {
    Tally t = new Tally("run " + run);
    t.runs = 1;
    Random r = new Random(seed);
    String team = "px-" + run;
    Path dir = work.resolve("px").resolve(Integer.toString(run));
    Files.createDirectories(dir);
    try (FaultProxy proxy = new FaultProxy(server.port(), seed);
        Tandem a = device(dir, "a", team, server, proxy);
        Tandem b = device(dir, "b", team, server, proxy)) {
      Map<String, String> ownA = new LinkedHashMap<>();
      Map<String, String> ownB = new LinkedHashMap<>();
      for (int step = 0; step < 3; step++) {
        edit(a, "a", ownA, r, step);
        edit(b, "b", ownB, r, step);
        // Both sides write the shared records too: the resolver decides, both must agree.
        a.records("message").put("shared-" + r.nextInt(3), "{\"by\":\"a\",\"s\":" + step + "}");
        b.records("message").put("shared-" + r.nextInt(3), "{\"by\":\"b\",\"s\":" + step + "}");
        a.syncNow();
        b.syncNow();
      }
      boolean converged = false;
      for (int round = 0; round < 40 && !converged; round++) {
        a.syncNow();
        b.syncNow();
        converged = a.status().pending() == 0 && b.status().pending() == 0
            && localRecords(a, "message").equals(localRecords(b, "message"));
      }
      if (!converged) {
        t.notConverged++;
        t.problems.add("seed " + seed + ": devices did not converge (a " + a.status().lastError()
            + ", b " + b.status().lastError() + ")");
      }
      t.parked += a.status().failed() + b.status().failed();
      Map<String, String> onA = localRecords(a, "message");
      Map<String, String> onB = localRecords(b, "message");
      checkOwn("seed " + seed + " b sees a's", ownA, onB, t);
      checkOwn("seed " + seed + " a sees b's", ownB, onA, t);
      Set<String> allowed = new HashSet<>();
      ownA.forEach((k, v) -> allowed.add(k));
      ownB.forEach((k, v) -> allowed.add(k));
      for (int i = 0; i < 3; i++) {
        allowed.add("message/shared-" + i);
      }
      for (String k : onA.keySet()) {
        if (!allowed.contains(k) || (ownA.containsKey(k) && ownA.get(k) == null)
            || (ownB.containsKey(k) && ownB.get(k) == null)) {
          t.duplicated++;
          t.problems.add("seed " + seed + ": unexpected or resurrected record " + k + " on a");
        }
      }
      t.records = onA.size();
      synchronized (faults) {
        proxy.counts().forEach((k, v) -> faults.merge(k, v, Long::sum));
      }
    } finally {
      deleteTree(dir);
    }
    return t;
  }

  private static Tandem device(Path dir, String id, String team, TandemServer server,
      FaultProxy proxy) {
    return Tandem.builder().database(dir.resolve(id + ".db")).deviceId(id)
        .server(URI.create("http://127.0.0.1:" + proxy.port()), server.createToken(team, id), team)
        .autoSync(false).live(false).build();
  }

  /** A step of one device's own edits: creates, updates and deletes of its own records. */
  private static void edit(Tandem t, String device, Map<String, String> own, Random r, int step) {
    int creates = 1 + r.nextInt(6);
    for (int i = 0; i < creates; i++) {
      String id = device + "-" + step + "-" + i;
      String json = "{\"by\":\"" + device + "\",\"step\":" + step + ",\"v\":" + r.nextInt(1000)
          + "}";
      t.records("message").put(id, json);
      own.put("message/" + id, json);
    }
    List<String> existing = new ArrayList<>(own.keySet());
    for (int i = 0; i < 2 && !existing.isEmpty(); i++) {
      String key = existing.get(r.nextInt(existing.size()));
      String id = key.substring("message/".length());
      if (own.get(key) == null) {
        continue;
      }
      if (r.nextInt(4) == 0) {
        t.records("message").delete(id);
        own.put(key, null);
      } else {
        String json = "{\"by\":\"" + device + "\",\"edit\":" + r.nextInt(1000) + "}";
        t.records("message").put(id, json);
        own.put(key, json);
      }
    }
  }

  /** Every record a device wrote must be on the other in its last version (or gone if deleted). */
  private static void checkOwn(String what, Map<String, String> own, Map<String, String> other,
      Tally t) {
    for (Map.Entry<String, String> e : own.entrySet()) {
      String there = other.get(e.getKey());
      if (e.getValue() == null) {
        if (there != null) {
          t.duplicated++;
          t.problems.add(what + ": deleted " + e.getKey() + " is still there");
        }
      } else if (there == null) {
        t.lost++;
        t.problems.add(what + ": " + e.getKey() + " is missing");
      } else if (!sameJson(e.getValue(), there)) {
        t.differing++;
        t.problems.add(what + ": " + e.getKey() + " is " + there + ", not " + e.getValue());
      }
    }
  }

  // ---- helpers ----

  private static void syncUntilDone(Tandem t, AtomicBoolean stop, long maxMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    for (int i = 0; i < 100_000 && !stop.get() && System.nanoTime() < deadline; i++) {
      if (t.syncNow().ok() && t.status().pending() == 0) {
        return;
      }
      try {
        // The server is down or restarting: try again soon, as the engine's sweep would.
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Compares what a team holds with what it must hold. */
  private static void compare(String what, Map<String, String> expected, Map<String, String> got,
      Tally t) {
    for (Map.Entry<String, String> e : expected.entrySet()) {
      String g = got.get(e.getKey());
      if (g == null) {
        t.lost++;
        if (t.problems.size() < 20) {
          t.problems.add(what + ": lost " + e.getKey());
        }
      } else if (!sameJson(e.getValue(), g)) {
        t.differing++;
        if (t.problems.size() < 20) {
          t.problems.add(what + ": " + e.getKey() + " differs");
        }
      }
    }
    for (String k : got.keySet()) {
      if (!expected.containsKey(k)) {
        t.duplicated++;
        if (t.problems.size() < 20) {
          t.problems.add(what + ": unexpected " + k);
        }
      }
    }
  }

  /** Pulls everything a team holds on the server: {@code type/id} to data (live records only). */
  static Map<String, String> audit(URI server, String token, String team) {
    Map<String, String> out = new TreeMap<>();
    Map<String, Integer> seen = new HashMap<>();
    try (OkHttpTransport t = OkHttpTransport.builder().baseUrl(server).token(token).teamId(team)
        .deviceId("audit").build()) {
      String cursor = null;
      for (int page = 0; page < 10_000; page++) {
        PullResponse r = t.pull(cursor, 5000);
        for (Change c : r.changes()) {
          String key = c.type() + "/" + c.id();
          if (seen.merge(key, 1, Integer::sum) > 1) {
            // The server keeps one row per record: the same record twice in one pass is a bug.
            throw new IllegalStateException("server sent " + key + " twice");
          }
          if (c.data() != null && !Change.DELETE.equals(c.op())) {
            out.put(key, c.data());
          }
        }
        cursor = r.cursor();
        if (!r.hasMore()) {
          break;
        }
      }
    }
    return out;
  }

  private static Map<String, String> localRecords(Tandem t, String type) {
    Map<String, String> out = new TreeMap<>();
    String after = null;
    for (int i = 0; i < 10_000; i++) {
      List<Record> page = t.records(type).list(after, 500);
      for (Record r : page) {
        out.put(type + "/" + r.id(), r.json());
      }
      if (page.size() < 500) {
        break;
      }
      after = page.get(page.size() - 1).id();
    }
    return out;
  }

  private static boolean sameJson(String a, String b) {
    if (Objects.equals(a, b)) {
      return true;
    }
    try {
      JsonNode x = Json.MAPPER.readTree(a);
      JsonNode y = Json.MAPPER.readTree(b);
      return x.equals(y);
    } catch (IOException e) {
      return false;
    }
  }

  private Path corpus() {
    if (o.corpus != null) {
      return o.corpus;
    }
    for (Path p : List.of(Paths.get("sync-history/src/test/resources/corpus/tasks"),
        Paths.get("../sync-history/src/test/resources/corpus/tasks"))) {
      if (Files.isDirectory(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new IllegalStateException("no corpus: run from the repository root or pass --corpus");
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A child JVM on this JVM's class path, whose output lines are collected with their time. */
  static final class Child {
    final Process process;
    private final List<String> lines = new ArrayList<>();

    private Child(Process process) {
      this.process = process;
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            synchronized (lines) {
              lines.add(line);
              lines.notifyAll();
            }
          }
        } catch (IOException ignored) {
          // The child was killed.
        }
      }, "child-output");
      reader.setDaemon(true);
      reader.start();
    }

    /**
     * A class-data archive written by the first child and mapped by every later one: it halves
     * a child's start-up, and the suite starts a few hundred.
     */
    static volatile Path archive;
    private static volatile boolean archiveWritten;

    static Child start(String name, Class<?> main, String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      Path a = archive;
      if (a != null) {
        if (Files.exists(a)) {
          cmd.add("-XX:SharedArchiveFile=" + a);
        } else if (!archiveWritten) {
          archiveWritten = true;
          cmd.add("-XX:ArchiveClassesAtExit=" + a);
        }
      }
      cmd.add("-Xmx256m");
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(main.getName());
      cmd.addAll(List.of(args));
      return new Child(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    boolean saw(String prefix) {
      synchronized (lines) {
        return lines.stream().anyMatch(l -> l.startsWith(prefix));
      }
    }

    boolean awaitLine(String prefix, long millis) throws InterruptedException {
      return awaitReadyLine(prefix, millis) != null;
    }

    String[] awaitReady(long millis) throws InterruptedException {
      String line = awaitReadyLine("READY", millis);
      if (line == null) {
        kill();
        throw new IllegalStateException("child did not start:\n" + output());
      }
      return line.split(" ");
    }

    private String awaitReadyLine(String prefix, long millis) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      synchronized (lines) {
        while (true) {
          for (String l : lines) {
            if (l.startsWith(prefix)) {
              return l;
            }
          }
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || !process.isAlive()) {
            return null;
          }
          lines.wait(Math.min(left, 200));
        }
      }
    }

    /** SIGKILL, to this child only (by its own process handle). */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }

    String output() {
      synchronized (lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
      }
    }
  }
}
