package dev.tandem.bench.history;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.history.AgentImporter;
import dev.tandem.sync.history.DefaultLocations;
import dev.tandem.sync.history.HistoryImporter;
import dev.tandem.sync.history.HistoryWatcher;
import dev.tandem.sync.history.ImportReport;
import dev.tandem.sync.history.SessionImporter;
import dev.tandem.sync.history.Source;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Session import figures: first-import throughput per agent format on a ~10 MB session built
 * from the real samples, and the time to re-import after appending one line to it (the
 * append-aware path). Plain timing with warm-up, not JMH: an append import changes the state it
 * measures. Run from the repository root after {@code mvn -q package -DskipTests -pl benchmarks
 * -am}:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.history.SessionImportBench
 * </pre>
 *
 * Argument: the samples folder (default {@code sync-history/src/test/resources/sessions}).
 */
public final class SessionImportBench {
  private static final int TARGET = 10 << 20;
  private static final int APPENDS = 30;

  private SessionImportBench() {}

  public static void main(String[] args) throws Exception {
    Path samples = Paths.get(args.length > 0 ? args[0]
        : "sync-history/src/test/resources/sessions");
    Path work = Files.createTempDirectory("tandem-session-bench");
    try {
      System.out.println("| format | session | first import | throughput | append 1 line, "
          + "re-import (median of " + APPENDS + ") | p90 |");
      System.out.println("|---|---|---|---|---|---|");
      run(work.resolve("claude"), Source.CLAUDE_CODE,
          samples.resolve("claude-code/projects/-home-vwestberg-Claude/"
              + "44ef5cbf-9cc3-4f7b-ac40-337a4d39713b.jsonl"),
          "projects/-bench/11111111-2222-3333-4444-555555555555.jsonl");
      run(work.resolve("codex"), Source.CODEX,
          samples.resolve("codex/sessions/2026/02/21/"
              + "rollout-2026-02-21T17-29-01-019c7f51-0152-7080-96b6-bd5a3d12e815.jsonl"),
          "sessions/2026/01/01/rollout-2026-01-01T00-00-00-"
              + "11111111-2222-3333-4444-555555555555.jsonl");
      continueRun(work.resolve("continue"), samples.resolve("continue/sessions"));
      watchLatency(work.resolve("watch"), samples.resolve("claude-code/projects/"
          + "-home-vwestberg-Claude/44ef5cbf-9cc3-4f7b-ac40-337a4d39713b.jsonl"));
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The sample's lines repeated, ids made unique per copy, until the file is ~10 MB. */
  private static byte[] grow(Path sample) throws IOException {
    String text = Files.readString(sample);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int k = 0; out.size() < TARGET; k++) {
      String copy = text.replace("toolu_", "toolu_" + k + "x").replace("call_", "call_" + k + "x")
          .replace("\"msg_", "\"msg_" + k + "x");
      out.writeBytes(copy.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static void run(Path home, Source source, Path sample, String rel) throws Exception {
    byte[] big = grow(sample);
    Path file = home.resolve(rel);
    Files.createDirectories(file.getParent());
    Files.write(file, big);
    String[] lines = Files.readString(sample).split("\n");
    try (Tandem t = Tandem.builder().database(home.resolve("t.db")).autoSync(false).build()) {
      SessionImporter imp = new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES);
      long t0 = System.nanoTime();
      ImportReport first = imp.importDir(home, source);
      double firstMs = (System.nanoTime() - t0) / 1e6;
      check(first);
      long[] append = new long[APPENDS];
      for (int i = 0; i < APPENDS + 5; i++) {
        String line = lines[(i * 7) % lines.length] + "\n";
        Files.write(file, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000L + i));
        long a = System.nanoTime();
        ImportReport r = imp.importDir(home, source);
        long ns = System.nanoTime() - a;
        check(r);
        if (i >= 5) {
          append[i - 5] = ns; // the first five warm the append path up
        }
      }
      Arrays.sort(append);
      System.out.printf("| %s | %.1f MB, %d lines | %.0f ms (%d records) | %.1f MB/s | %.1f ms | "
              + "%.1f ms |%n", source, big.length / 1e6, count(big), firstMs,
          first.recordsWritten(), big.length / 1e6 / (firstMs / 1000), append[APPENDS / 2] / 1e6,
          append[APPENDS * 9 / 10] / 1e6);
    }
  }

  private static void continueRun(Path home, Path sessions) throws Exception {
    Path dir = Files.createDirectories(home.resolve("sessions"));
    long bytes = 0;
    int n = 0;
    Path[] files;
    try (Stream<Path> s = Files.list(sessions)) {
      files = s.filter(p -> !p.getFileName().toString().equals("sessions.json"))
          .sorted().toArray(Path[]::new);
    }
    while (bytes < TARGET) {
      Path f = files[n % files.length];
      String id = String.format("00000000-0000-0000-0000-%012d", n);
      byte[] b = Files.readString(f).replace(f.getFileName().toString().replace(".json", ""), id)
          .getBytes(StandardCharsets.UTF_8);
      Files.write(dir.resolve(id + ".json"), b);
      bytes += b.length;
      n++;
    }
    try (Tandem t = Tandem.builder().database(home.resolve("t.db")).autoSync(false).build()) {
      long t0 = System.nanoTime();
      ImportReport r = new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(home, Source.CONTINUE);
      double ms = (System.nanoTime() - t0) / 1e6;
      check(r);
      System.out.printf("| %s | %.1f MB in %d session files | %.0f ms (%d records) | %.1f MB/s "
          + "| (whole-file rewrites: a changed session is read again) | |%n", Source.CONTINUE,
          bytes / 1e6, n, ms, r.recordsWritten(), bytes / 1e6 / (ms / 1000));
    }
  }

  /**
   * Live import: from appending a line to a watched ~10 MB session until its message is in the
   * store (debounce 200 ms, as {@code tandem import --watch}).
   */
  private static void watchLatency(Path home, Path sample) throws Exception {
    String rel = "projects/-bench/11111111-2222-3333-4444-555555555555.jsonl";
    Path file = home.resolve(rel);
    Files.createDirectories(file.getParent());
    Files.write(file, grow(sample));
    String cid = "11111111-2222-3333-4444-555555555555";
    int rounds = 15;
    long[] ms = new long[rounds];
    try (Tandem t = Tandem.builder().database(home.resolve("t.db")).autoSync(false).build()) {
      AgentImporter importer = new AgentImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES);
      List<DefaultLocations.Location> where =
          List.of(new DefaultLocations.Location(home, Source.CLAUDE_CODE));
      importer.importAll(where);
      try (HistoryWatcher w = new HistoryWatcher(importer, where, 200, r -> { })) {
        w.start();
        for (int i = 0; i < rounds; i++) {
          int before = t.store().history().countByConversation(RecordTypes.MESSAGE, cid);
          String uuid = "bench-" + i;
          String line = "{\"parentUuid\":null,\"type\":\"user\",\"message\":{\"role\":"
              + "\"user\",\"content\":\"watched line " + i + "\"},\"uuid\":\"" + uuid
              + "\",\"timestamp\":\"2026-01-01T10:00:00.000Z\",\"sessionId\":\"" + cid
              + "\"}\n";
          long a = System.nanoTime();
          Files.write(file, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
          long deadline = a + 30_000_000_000L;
          while (t.store().history().countByConversation(RecordTypes.MESSAGE, cid) == before) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("the watcher did not import line " + i);
            }
            Thread.sleep(2); // polling the store is what is measured against, not a guess
          }
          ms[i] = (System.nanoTime() - a) / 1_000_000;
        }
      }
    }
    Arrays.sort(ms);
    System.out.printf("%nwatch: append to a %d-line session until its message is in the store "
        + "(debounce 200 ms): median %d ms, max %d ms over %d appends%n", count(
            Files.readAllBytes(file)), ms[rounds / 2], ms[rounds - 1], rounds);
  }

  private static int count(byte[] b) {
    int n = 0;
    for (byte x : b) {
      if (x == '\n') {
        n++;
      }
    }
    return n;
  }

  private static void check(ImportReport r) {
    if (r.failed() > 0 || !r.problems().isEmpty()) {
      throw new IllegalStateException("import failed: " + r.problems());
    }
  }
}
