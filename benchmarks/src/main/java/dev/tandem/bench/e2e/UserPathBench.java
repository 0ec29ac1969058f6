package dev.tandem.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The path a user's data takes, end to end, through the public API only:
 *
 * <ol>
 *   <li>the server is started as its own process exactly as a user starts it ({@code java -jar
 *       sync-cli/target/tandem.jar server --port 0 --data DIR --admin-token-file FILE}, default
 *       JVM settings); tokens come from its admin endpoint;
 *   <li>device B runs in its own JVM with {@code -Xmx64m}, default builder settings (worker and
 *       live channel on), and reports when it holds everything;
 *   <li>device A (this JVM, default builder settings, redactor on) writes N messages as one
 *       {@code Tandem.batch} per conversation of 1 conversation + 100 messages of ~600 bytes of
 *       agent-history text (from the test corpus), while its worker pushes in the background;
 *   <li>then the interactive case: single {@code messages().save} calls, one after another.
 * </ol>
 *
 * <p>All device traffic goes through a counting relay ({@link WireCounter}) for the wire bytes.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.e2e.UserPathBench [N ...]
 *     [--jar sync-cli/target/tandem.jar] [--corpus sync-history/src/test/resources/corpus]
 *     [--interactive 1000] [--device-heap 64m] [--server-opts "-XX:..."]
 * </pre>
 */
public final class UserPathBench {
  static final int MESSAGES_PER_CONVERSATION = 100;
  static final int MESSAGE_BYTES = 600;
  private static final String TEAM = "bench";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  private UserPathBench() {}

  /** Wall-clock microseconds since the epoch, comparable between the JVMs of one machine. */
  static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /** The peak resident set size in kB from the lines of a {@code /proc/<pid>/status}. */
  static long vmHwmKb(List<String> status) {
    for (String line : status) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** CPU time (user + system) of a process, from {@code /proc/<pid>/stat}, in nanoseconds. */
  static long cpuNanos(long pid) throws IOException {
    String stat = Files.readString(Paths.get("/proc/" + pid + "/stat"));
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 10_000_000L;
  }

  private static long selfCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    Path jar = Paths.get("sync-cli/target/tandem.jar");
    Path corpus = Paths.get("sync-history/src/test/resources/corpus");
    int interactive = 1000;
    String deviceHeap = "64m";
    String serverOpts = "";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jar":
          jar = Paths.get(args[++i]);
          break;
        case "--corpus":
          corpus = Paths.get(args[++i]);
          break;
        case "--interactive":
          interactive = Integer.parseInt(args[++i]);
          break;
        case "--device-heap":
          deviceHeap = args[++i];
          break;
        case "--server-opts":
          serverOpts = args[++i];
          break;
        default:
          sizes.add(Integer.parseInt(args[i].replace("_", "").replace("k", "000")
              .replace("M", "000000")));
      }
    }
    if (sizes.isEmpty()) {
      sizes.add(100_000);
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(jar + " not found: build it with "
          + "mvn -B -ntp -q package -DskipTests -pl benchmarks,sync-cli -am");
    }
    String text = corpusText(corpus);
    System.out.printf("corpus text: %,d chars from %s; load average %s%n", text.length(),
        Files.isDirectory(corpus) ? corpus : "(generated)", loadAverage());
    for (int n : sizes) {
      run(n, interactive, jar, text, deviceHeap, serverOpts);
    }
  }

  private static void run(int n, int interactive, Path jar, String text, String deviceHeap,
      String serverOpts) throws Exception {
    int conversations = (n + MESSAGES_PER_CONVERSATION - 1) / MESSAGES_PER_CONVERSATION;
    long bulkRecords = (long) conversations + n;
    Path dir = Files.createTempDirectory("tandem-userpath");
    String javaBin = System.getProperty("java.home") + File.separator + "bin" + File.separator
        + "java";
    String admin = "bench-admin-" + Long.toHexString(System.nanoTime());
    Files.writeString(dir.resolve("admin-token"), admin);
    List<String> serverCmd = new ArrayList<>();
    serverCmd.add(javaBin);
    if (!serverOpts.isBlank()) {
      serverCmd.addAll(Arrays.asList(serverOpts.trim().split("\\s+")));
    }
    serverCmd.addAll(List.of("-jar", jar.toString(), "server", "--port", "0", "--data",
        dir.resolve("server").toString(), "--admin-token-file",
        dir.resolve("admin-token").toString()));
    ProcessBuilder spb = new ProcessBuilder(serverCmd).redirectErrorStream(true);
    Map<String, String> env = spb.environment();
    env.put("HOME", dir.toString());
    env.remove("XDG_DATA_HOME");
    env.remove("XDG_CONFIG_HOME");
    Process server = spb.start();
    List<Process> children = new java.util.concurrent.CopyOnWriteArrayList<>(List.of(server));
    // Ctrl-C on the benchmark must not leave a server or a device running.
    Thread reaper = new Thread(() -> children.forEach(Process::destroyForcibly));
    Runtime.getRuntime().addShutdownHook(reaper);
    Process deviceB = null;
    try {
      BlockingQueue<String> serverOut = lines(server, "server");
      URI serverUri = URI.create(awaitMatch(serverOut, LISTENING, 60).group(1));
      try (WireCounter wire = new WireCounter(serverUri.getPort())) {
        URI deviceUri = URI.create("http://127.0.0.1:" + wire.port());
        String tokenA = createToken(serverUri, admin, "a");
        String tokenB = createToken(serverUri, admin, "b");
        deviceB = new ProcessBuilder(javaBin, "-Xmx" + deviceHeap, "-cp",
            System.getProperty("java.class.path"), UserPathDevice.class.getName(),
            deviceUri.toString(), tokenB, TEAM, dir.resolve("b.db").toString(),
            "m-" + (n - 1), Integer.toString(n), "m-" + (n + interactive - 1),
            Integer.toString(n + interactive))
            .redirectErrorStream(true).start();
        children.add(deviceB);
        BlockingQueue<String> bOut = lines(deviceB, "device B");
        awaitMatch(bOut, Pattern.compile("READY"), 120);
        try (Tandem a = Tandem.builder().database(dir.resolve("a.db")).deviceId("a")
            .server(deviceUri, tokenA, TEAM).build()) {
          awaitLive(a);
          List<Integer> sizes = new ArrayList<>();
          long[] cpu0 = {cpuNanos(server.pid()), cpuNanos(deviceB.pid()), selfCpuNanos()};
          long t0 = epochMicros();
          for (int c = 0; c < conversations; c++) {
            int conv = c;
            int from = c * MESSAGES_PER_CONVERSATION;
            int to = Math.min(n, from + MESSAGES_PER_CONVERSATION);
            a.batch(b -> {
              String cid = "c-" + conv;
              b.put("conversation", cid, Conversation.builder(cid)
                  .title("Task " + conv + ": " + window(text, conv * 131L, 60))
                  .build().toJson().toString());
              for (int m = from; m < to; m++) {
                String json = message(m, cid, text).toJson().toString();
                if (sizes.size() < 1000) {
                  sizes.add(json.getBytes(StandardCharsets.UTF_8).length);
                }
                b.put("message", "m-" + m, json);
              }
            });
          }
          long tWrite = epochMicros();
          long tPush = awaitDrained(a);
          long tB = Long.parseLong(awaitMatch(bOut, Pattern.compile("PHASE \\S+ (\\d+)"), 1800)
              .group(1));
          long[] cpu1 = {cpuNanos(server.pid()), cpuNanos(deviceB.pid()), selfCpuNanos()};
          long upBulk = wire.up();
          long downBulk = wire.down();
          // The interactive case: one save at a time, into the last conversation.
          long[] saveNanos = new long[interactive];
          String cid = "c-" + (conversations - 1);
          long ti = epochMicros();
          for (int k = 0; k < interactive; k++) {
            Message msg = message(n + k, cid, text);
            long s = System.nanoTime();
            a.messages().save(msg);
            saveNanos[k] = System.nanoTime() - s;
          }
          long tiWrite = epochMicros();
          String[] done = awaitMatch(bOut, Pattern.compile("DONE .*"), 600).group()
              .split(" ");
          long tiB = Long.parseLong(done[1]);
          long serverHwm = vmHwmKb(Files.readAllLines(Paths.get("/proc/" + server.pid()
              + "/status")));
          long selfHwm = vmHwmKb(Files.readAllLines(Paths.get("/proc/self/status")));
          report(n, conversations, bulkRecords, sizes, t0, tWrite, tPush, tB, upBulk, downBulk,
              saveNanos, ti, tiWrite, tiB, serverHwm, Long.parseLong(done[2]),
              Long.parseLong(done[3]), selfHwm, wire, dir);
          System.out.printf("  CPU per bulk record (first write -> B complete): device A + relay "
              + "%.0f µs, server %.0f µs, device B %.0f µs%n",
              (cpu1[2] - cpu0[2]) / 1e3 / bulkRecords, (cpu1[0] - cpu0[0]) / 1e3 / bulkRecords,
              (cpu1[1] - cpu0[1]) / 1e3 / bulkRecords);
        }
      }
    } finally {
      if (deviceB != null) {
        // Through the handle: Process.destroy() also closes our end of the output pipe, which
        // the reader thread of lines() then reports as "Stream closed", a false alarm.
        deviceB.toHandle().destroy();
        deviceB.waitFor(30, TimeUnit.SECONDS);
      }
      server.toHandle().destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
      Runtime.getRuntime().removeShutdownHook(reaper);
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
      }
    }
  }

  private static void report(int n, int conversations, long records, List<Integer> sizes,
      long t0, long tWrite, long tPush, long tB, long upBulk, long downBulk, long[] saveNanos,
      long ti, long tiWrite, long tiB, long serverHwm, long deviceHwm, long devicePeakHeap,
      long selfHwm, WireCounter wire, Path dir) throws IOException {
    double avgBytes = sizes.stream().mapToInt(Integer::intValue).average().orElse(0);
    long rawBytes = Math.round(avgBytes * n);
    System.out.printf("%n%,d messages in %,d conversations (%,d records, ~%.0f bytes per "
        + "message, %.1f MB of message JSON); load average %s%n", n, conversations, records,
        avgBytes, rawBytes / 1048576.0, loadAverage());
    System.out.printf("  write on A (batch per conversation)  %8.2f s  %,9.0f records/s%n",
        (tWrite - t0) / 1e6, records / ((tWrite - t0) / 1e6));
    System.out.printf("  push done (first write -> A's outbox empty) %8.2f s  %,9.0f records/s%n",
        (tPush - t0) / 1e6, records / ((tPush - t0) / 1e6));
    System.out.printf("  first write on A -> B complete       %8.2f s  %,9.0f records/s%n",
        (tB - t0) / 1e6, records / ((tB - t0) / 1e6));
    System.out.printf("  pull tail (push done -> B complete)  %8.2f s%n", (tB - tPush) / 1e6);
    System.out.printf("  wire bytes: up %.1f MB, down %.1f MB (%.1f%% and %.1f%% of the message "
        + "JSON)%n", upBulk / 1048576.0, downBulk / 1048576.0, 100.0 * upBulk / rawBytes,
        100.0 * downBulk / rawBytes);
    long[] sorted = saveNanos.clone();
    Arrays.sort(sorted);
    if (sorted.length > 0) {
      System.out.printf("  interactive: %d single messages().save: p50 %.0f µs, p90 %.0f µs, "
          + "p99 %.0f µs, mean %.0f µs; all saved %.2f s, on B %.2f s after the first save%n",
          sorted.length, pct(sorted, 50) / 1e3, pct(sorted, 90) / 1e3, pct(sorted, 99) / 1e3,
          Arrays.stream(sorted).average().orElse(0) / 1e3, (tiWrite - ti) / 1e6,
          (tiB - ti) / 1e6);
    }
    System.out.printf("  server peak RSS (VmHWM) %.0f MB; device B peak RSS %.0f MB, peak heap "
        + "%.1f MB; this JVM (device A + relay) peak RSS %.0f MB%n", serverHwm / 1024.0,
        deviceHwm / 1024.0, devicePeakHeap / 1048576.0, selfHwm / 1024.0);
    System.out.printf("  on disk: a.db %.0f MB, b.db %.0f MB, server %.0f MB; wire total up "
        + "%.1f MB, down %.1f MB%n", SyncBench.sizeOf(dir.resolve("a.db")) / 1048576.0,
        SyncBench.sizeOf(dir.resolve("b.db")) / 1048576.0,
        SyncBench.sizeOf(dir.resolve("server")) / 1048576.0, wire.up() / 1048576.0,
        wire.down() / 1048576.0);
  }

  private static long pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) ((long) sorted.length * p / 100))];
  }

  /**
   * The JSON of the first {@code n} messages the benchmark writes, from the corpus at its default
   * place (run from the repository's root), for micro-benchmarks of the same data.
   */
  public static String[] agentMessages(int n) {
    String text;
    try {
      text = corpusText(Paths.get("sync-history/src/test/resources/corpus"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = message(i, "c-" + i / MESSAGES_PER_CONVERSATION, text).toJson().toString();
    }
    return out;
  }

  /** Message {@code m}: Roo Code / Cline shape (content blocks, token counts, cost, model). */
  static Message message(int m, String conversationId, String text) {
    ArrayNode content = JsonNodeFactory.instance.arrayNode();
    content.addObject().put("type", "text").put("text", window(text, m * 7919L, 400));
    ObjectNode meta = JsonNodeFactory.instance.objectNode();
    meta.put("model", "claude-sonnet-4-5").put("provider", "anthropic");
    return Message.builder("m-" + m, conversationId)
        .role(m % 2 == 0 ? "user" : "assistant")
        .content(content)
        .ts(1_764_547_200_000L + m)
        .tokensIn(12_000 + m % 9_000)
        .tokensOut(m % 2_000)
        .cost(BigDecimal.valueOf(m % 500, 4))
        .metadata(meta)
        .build();
  }

  /** About {@code len} characters of {@code text} from a position derived from {@code seed}. */
  static String window(String text, long seed, int len) {
    int start = (int) (seed % (text.length() - len));
    int end = start + len;
    if (Character.isLowSurrogate(text.charAt(start))) {
      start++;
    }
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(start, end);
  }

  /**
   * The text of every string of 40 characters or more in the corpus's task files, joined: real
   * agent history (prose, code, tool output, paths). Generated prose if the folder is missing.
   */
  static String corpusText(Path corpus) throws IOException {
    StringBuilder sb = new StringBuilder();
    if (Files.isDirectory(corpus)) {
      List<Path> files;
      try (Stream<Path> s = Files.walk(corpus)) {
        files = s.filter(p -> p.getFileName().toString().endsWith(".json"))
            .filter(p -> p.toString().contains("api_conversation_history")
                || p.toString().contains("ui_messages"))
            .sorted().collect(java.util.stream.Collectors.toList());
      }
      for (Path f : files) {
        collectText(MAPPER.readTree(f.toFile()), sb);
      }
    }
    if (sb.length() < 10_000) {
      String words = "The build fails because the lockfile pins an old version; run `npm ci` "
          + "again after updating package.json, then check the test output below.\n";
      while (sb.length() < 100_000) {
        sb.append(words);
      }
    }
    return sb.toString();
  }

  private static void collectText(JsonNode node, StringBuilder sb) {
    if (node.isTextual() && node.asText().length() >= 40) {
      sb.append(node.asText()).append('\n');
    } else if (node.isContainerNode()) {
      for (JsonNode child : node) {
        collectText(child, sb);
      }
    }
  }

  private static String createToken(URI server, String admin, String device) throws Exception {
    return createToken(server, admin, TEAM, device);
  }

  /** A device token from the server's admin endpoint. */
  static String createToken(URI server, String admin, String team, String device)
      throws Exception {
    return createToken(HttpClient.newHttpClient(), server, admin, team, device);
  }

  /** As above, on the caller's client (thousands of tokens want one). */
  static String createToken(HttpClient http, URI server, String admin, String team,
      String device) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(server.resolve("/admin/tokens"))
        .header("Authorization", "Bearer " + admin)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"teamId\":\"" + team + "\",\"deviceId\":\""
            + device + "\"}"))
        .build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("token create: " + r.statusCode() + " " + r.body());
    }
    return MAPPER.readTree(r.body()).get("token").asText();
  }

  private static void awaitLive(Tandem a) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (a.status().mode() != SyncStatus.Mode.LIVE) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("A's live channel not up: " + a.status());
      }
      Thread.sleep(10);
    }
  }

  /** Waits until A's outbox is empty; returns when, in epoch micros. */
  private static long awaitDrained(Tandem a) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    while (true) {
      SyncStatus s = a.status();
      if (s.pending() == 0) {
        if (s.failed() != 0) {
          throw new IllegalStateException("A has failed entries: " + s);
        }
        return epochMicros();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("A's outbox did not drain: " + s);
      }
      Thread.sleep(2);
    }
  }

  /** Reads a process's output on a daemon thread; echoes lines that look like trouble. */
  static BlockingQueue<String> lines(Process p, String name) {
    BlockingQueue<String> q = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.contains("Exception") || line.contains("FAILED") || line.contains("ERROR")
              || line.contains("WARN")) {
            System.err.println("  " + name + ": " + line);
          }
          q.add(line);
        }
      } catch (IOException e) {
        System.err.println("  " + name + ": " + e);
      }
    }, name + "-output");
    t.setDaemon(true);
    t.start();
    return q;
  }

  static Matcher awaitMatch(BlockingQueue<String> q, Pattern p, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : q.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new IllegalStateException("no line matching " + p + " within " + seconds + " s");
      }
      if (line.startsWith("FAILED")) {
        throw new IllegalStateException(line);
      }
      Matcher m = p.matcher(line);
      if (m.find()) {
        return m;
      }
    }
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Paths.get("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
