package dev.tandem.sync.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a JVM in the middle of writing and checks, after reopening, that every write has its
 * outbox entry and every outbox entry its write: the two commit together or not at all.
 */
class CrashConsistencyTest {
  private static final int COMMITS_BEFORE_KILL = 150;

  @TempDir Path dir;

  @Test
  void killedWriter_leavesNoWriteWithoutOutboxEntryNorEntryWithoutWrite() throws Exception {
    Path db = dir.resolve("crash.db");
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator
        + "java";
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        KillTestWriter.class.getName(), db.toString());
    pb.redirectError(dir.resolve("child-stderr.txt").toFile());
    Process child = pb.start();
    int reported = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while (reported < COMMITS_BEFORE_KILL && System.nanoTime() < deadline
          && (line = out.readLine()) != null) {
        if (line.startsWith("committed ")) {
          reported = Integer.parseInt(line.substring("committed ".length()));
        }
      }
      // Killed while it keeps writing: most likely in the middle of a transaction.
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
    } finally {
      child.destroyForcibly();
    }
    assertTrue(reported >= COMMITS_BEFORE_KILL, "child reported only " + reported
        + " commits; stderr in " + dir.resolve("child-stderr.txt"));

    try (HybridStorageBackend store = HybridStorageBackend.open(TestStores.config(db,
        new TestStores.FakeClock()))) {
      assertEquals("ok", store.query("PRAGMA integrity_check").get(0).values().iterator().next());
      store.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
      int records = 0;
      for (String table : Arrays.asList("conversations", "messages", "tool_calls")) {
        String type = table.equals("conversations") ? "conversation"
            : table.equals("messages") ? "message" : "tool_call";
        List<Map<String, Object>> orphans = store.query("SELECT t.id FROM " + table + " t"
            + " LEFT JOIN sync_queue q ON q.type = ? AND q.entity_id = t.id AND q.hlc = t.hlc"
            + " AND q.status <> 'synced' WHERE q.id IS NULL", type);
        assertEquals(new ArrayList<>(), orphans, "records of " + type + " without their entry");
        records += ((Number) store.query("SELECT count(*) AS n FROM " + table).get(0).get("n"))
            .intValue();
      }
      List<Map<String, Object>> dangling = store.query("SELECT q.type, q.entity_id FROM"
          + " sync_queue q WHERE NOT EXISTS (SELECT 1 FROM conversations t WHERE"
          + " q.type = 'conversation' AND t.id = q.entity_id AND t.hlc = q.hlc)"
          + " AND NOT EXISTS (SELECT 1 FROM messages t WHERE q.type = 'message'"
          + " AND t.id = q.entity_id AND t.hlc = q.hlc)"
          + " AND NOT EXISTS (SELECT 1 FROM tool_calls t WHERE q.type = 'tool_call'"
          + " AND t.id = q.entity_id AND t.hlc = q.hlc)");
      assertEquals(new ArrayList<>(), dangling, "outbox entries without their write");
      int entries = ((Number) store.query("SELECT count(*) AS n FROM sync_queue").get(0)
          .get("n")).intValue();
      assertEquals(records, entries, "one entry per record");
      int messages = ((Number) store.query("SELECT count(*) AS n FROM messages").get(0).get("n"))
          .intValue();
      assertTrue(messages >= reported, "reported commits lost: " + messages + " < " + reported);
      int searchable = ((Number) store.query("SELECT count(*) AS n FROM messages_fts").get(0)
          .get("n")).intValue();
      int live = ((Number) store.query("SELECT count(*) AS n FROM messages WHERE deleted = 0")
          .get(0).get("n")).intValue();
      assertEquals(live, searchable, "search index in step with live messages");
    }
  }
}
