package dev.tandem.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.AgentImporter;
import dev.tandem.sync.history.DefaultLocations;
import dev.tandem.sync.history.HistoryImporter;
import dev.tandem.sync.history.HistoryWatcher;
import dev.tandem.sync.history.Source;
import dev.tandem.sync.spi.LocalRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Live import across devices through the real server: a line an agent appends to a session on
 * device A (watched, auto-sync on) becomes a message on device B (live channel). The bound is
 * generous (60 s) for a busy machine; the time it took is printed, not asserted (the figure is
 * in BENCHMARKS.md).
 */
class LiveImportTwoDevicesTest extends ClusterTest {
  private static final String SID = "11111111-2222-3333-4444-555555555555";
  private static final Duration BOUND = Duration.ofSeconds(60);

  private static String line(String uuid, String parent, String text) {
    return "{\"parentUuid\":" + (parent == null ? "null" : "\"" + parent + "\"")
        + ",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"" + text + "\"},"
        + "\"uuid\":\"" + uuid + "\",\"timestamp\":\"2026-01-01T10:00:00.000Z\",\"sessionId\":\""
        + SID + "\",\"cwd\":\"/home/dev/app\"}\n";
  }

  private static boolean has(Tandem t, String id) {
    LocalRecord r = t.store().get(RecordTypes.MESSAGE, id);
    return r != null && !r.current().deleted();
  }

  @Test
  void aLineAppendedOnA_isAMessageOnB() throws Exception {
    Path home = dir.resolve("a-home/.claude");
    Path session = Files.createDirectories(home.resolve("projects/-home-dev-app"))
        .resolve(SID + ".jsonl");
    Files.writeString(session, line("u1", null, "first") + line("u2", "u1", "second"));
    Tandem a = cluster.device("a", b -> b.autoSync(true));
    Tandem b = cluster.device("b", x -> x.autoSync(true));
    AgentImporter importer = new AgentImporter(a, HistoryImporter.DEFAULT_MAX_FILE_BYTES);
    List<DefaultLocations.Location> where =
        List.of(new DefaultLocations.Location(home, Source.CLAUDE_CODE));
    importer.importAll(where);
    await().atMost(BOUND).until(() -> has(b, SID + ":m:1"));
    try (HistoryWatcher w = new HistoryWatcher(importer, where, 100, r -> { })) {
      w.start();
      long t0 = System.nanoTime();
      Files.writeString(session, line("u3", "u2", "third, live"), StandardOpenOption.APPEND);
      await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> has(b, SID + ":m:2"));
      System.out.println("live import, appended on A until readable on B: "
          + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
    assertEquals("third, live",
        b.store().get(RecordTypes.MESSAGE, SID + ":m:2").current().data().path("content")
            .asText());
    assertEquals("claude-code", b.conversations().get(SID).source());
  }
}
