package dev.tandem.sync.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.testing.ManualClock;
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
 * Kills a JVM in the middle of writing, several times over on the same database, and checks after
 * each kill, on reopening, that every write has its outbox entry and every outbox entry its write:
 * the two commit together or not at all. Each child after the first opens a database that a killed
 * one left behind, so recovery is exercised too.
 */
class CrashConsistencyTest {
  /** How many commits each child reports before it is killed: kills land at different depths. */
  private static final int[] COMMITS_BEFORE_KILL = {150, 60, 110};

  @TempDir Path dir;

  @Test
  void killedWriters_leaveNoWriteWithoutOutboxEntryNorEntryWithoutWrite() throws Exception {
    Path db = dir.resolve("crash.db");
    int reportedInAll = 0;
    for (int run = 0; run < COMMITS_BEFORE_KILL.length; run++) {
      int first = 1 + run * 1_000_000;
      int reported = killWhileWriting(db, first, COMMITS_BEFORE_KILL[run], run);
      reportedInAll += reported;
      assertConsistent(db, reportedInAll, run);
    }
  }

  /** Starts a writer, kills it after {@code commits} commits, returns how many it reported. */
  private int killWhileWriting(Path db, int first, int commits, int run) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator
        + "java";
    Path stderr = dir.resolve("child-" + run + "-stderr.txt");
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        KillTestWriter.class.getName(), db.toString(), Integer.toString(first));
    pb.redirectError(stderr.toFile());
    Process child = pb.start();
    int reported = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while (reported < commits && System.nanoTime() < deadline
          && (line = out.readLine()) != null) {
        if (line.startsWith("committed ")) {
          reported = Integer.parseInt(line.substring("committed ".length())) - first + 1;
        }
      }
      // Killed while it keeps writing: most likely in the middle of a transaction.
      child.destroyForcibly();
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not die");
    } finally {
      child.destroyForcibly();
    }
    assertTrue(reported >= commits, "child " + run + " reported only " + reported
        + " commits; stderr in " + stderr);
    return reported;
  }

  private void assertConsistent(Path db, int reportedInAll, int run) {
    String after = " after kill " + (run + 1);
    try (HybridStorageBackend store = HybridStorageBackend.open(TestStores.config(db,
        new ManualClock(TestStores.START)))) {
      assertEquals("ok", store.query("PRAGMA integrity_check").get(0).values().iterator().next());
      store.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
      int records = 0;
      for (String table : Arrays.asList("conversations", "messages", "tool_calls")) {
        String type = table.equals("conversations") ? "conversation"
            : table.equals("messages") ? "message" : "tool_call";
        List<Map<String, Object>> orphans = store.query("SELECT t.id FROM " + table + " t"
            + " LEFT JOIN sync_queue q ON q.type = ? AND q.entity_id = t.id AND q.hlc = t.hlc"
            + " AND q.status <> 'synced' WHERE q.id IS NULL", type);
        assertEquals(new ArrayList<>(), orphans, "records of " + type + " without their entry"
            + after);
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
      assertEquals(new ArrayList<>(), dangling, "outbox entries without their write" + after);
      int entries = ((Number) store.query("SELECT count(*) AS n FROM sync_queue").get(0)
          .get("n")).intValue();
      assertEquals(records, entries, "one entry per record" + after);
      int messages = ((Number) store.query("SELECT count(*) AS n FROM messages").get(0).get("n"))
          .intValue();
      assertTrue(messages >= reportedInAll, "reported commits lost" + after + ": " + messages
          + " < " + reportedInAll);
      int searchable = ((Number) store.query("SELECT count(*) AS n FROM messages_fts").get(0)
          .get("n")).intValue();
      int live = ((Number) store.query("SELECT count(*) AS n FROM messages WHERE deleted = 0")
          .get(0).get("n")).intValue();
      assertEquals(live, searchable, "search index in step with live messages" + after);
    }
  }
}
