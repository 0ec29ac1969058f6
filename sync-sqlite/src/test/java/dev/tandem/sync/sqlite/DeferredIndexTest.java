package dev.tandem.sync.sqlite;

import static dev.tandem.sync.sqlite.TestStores.conversation;
import static dev.tandem.sync.sqlite.TestStores.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.sync.Record;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.sqlite.internal.MessageIndex;
import dev.tandem.sync.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New messages reach the search index in batches (see {@code MessageIndex}); whatever the path,
 * a search sees every live message and only those, and the index holds one entry per live
 * message with text.
 */
class DeferredIndexTest {
  @TempDir Path dir;

  private HybridStorageBackend open(Path file) {
    return HybridStorageBackend.open(TestStores.config(file, new ManualClock(TestStores.START)));
  }

  private static void write(HybridStorageBackend store, Record... records) {
    store.inTransaction(tx -> {
      for (Record r : records) {
        tx.writeLocal(r);
      }
      return null;
    });
  }

  private static List<String> ids(HybridStorageBackend store, String query) {
    return store.history().search(query, 1000).stream().map(SearchHit::messageId).sorted()
        .collect(Collectors.toList());
  }

  private static long count(HybridStorageBackend store, String sql) {
    return ((Number) store.query(sql).get(0).values().iterator().next()).longValue();
  }

  private static long watermark(HybridStorageBackend store) {
    return Long.parseLong(store.state(MessageIndex.WATERMARK));
  }

  /** The index holds exactly the live messages up to the watermark, and nothing above it. */
  private static void assertInStep(HybridStorageBackend store) {
    long wm = watermark(store);
    assertEquals(count(store, "SELECT count(*) FROM messages WHERE deleted = 0 AND rowid <= "
        + wm), count(store, "SELECT count(*) FROM messages_fts"), "index entries");
    assertEquals(0, count(store, "SELECT count(*) FROM messages_fts WHERE rowid > " + wm));
  }

  @Test
  void singleWritesAreIndexedInBatches_andASearchSeesTheRestAtOnce() {
    try (HybridStorageBackend store = open(dir.resolve("a.db"))) {
      write(store, conversation("c-1", "One", 1));
      int n = MessageIndex.CATCH_UP_AT + 5;
      for (int i = 1; i <= n; i++) {
        write(store, message("m-" + i, "c-1", i, "walrus number " + i));
      }
      // The batch went in when the 64th message committed; five wait.
      assertEquals(MessageIndex.CATCH_UP_AT, count(store, "SELECT count(*) FROM messages_fts"));
      assertInStep(store);
      assertEquals(n, ids(store, "walrus").size());
      assertEquals(n, count(store, "SELECT count(*) FROM messages_fts"));
      assertInStep(store);
    }
  }

  @Test
  void rewritesAndDeletesOfWaitingMessagesIndexTheirLastVersion() {
    try (HybridStorageBackend store = open(dir.resolve("b.db"))) {
      write(store, message("m-1", "c-1", 1, "original penguin"),
          message("m-2", "c-1", 2, "doomed penguin"));
      write(store, message("m-1", "c-1", 1, "rewritten albatross"));
      store.inTransaction(tx -> {
        tx.writeLocal(Record.tombstone("message", "m-2", TestStores.hlc()));
        return null;
      });
      assertEquals(Collections.emptyList(), ids(store, "penguin"));
      assertEquals(Collections.singletonList("m-1"), ids(store, "albatross"));
      // Now indexed: a rewrite replaces the entry at once.
      write(store, message("m-1", "c-1", 1, "final puffin"));
      assertEquals(Collections.emptyList(), ids(store, "albatross"));
      assertEquals(Collections.singletonList("m-1"), ids(store, "puffin"));
      assertInStep(store);
    }
  }

  @Test
  void aRolledBackWriteLeavesNothingInTheIndex() {
    try (HybridStorageBackend store = open(dir.resolve("c.db"))) {
      assertThrows(IllegalStateException.class, () -> store.inTransaction(tx -> {
        tx.writeLocal(message("m-1", "c-1", 1, "phantom heron"));
        throw new IllegalStateException("host failed");
      }));
      // Same rowid, another record: the text remembered for the rolled-back one must not be used.
      write(store, message("m-2", "c-1", 2, "real heron"));
      assertEquals(Collections.singletonList("m-2"), ids(store, "heron"));
      assertEquals(Collections.emptyList(), ids(store, "phantom"));
      assertInStep(store);
    }
  }

  @Test
  void twoStoresOnOneFileKeepTheIndexRight() {
    Path file = dir.resolve("d.db");
    try (HybridStorageBackend a = open(file); HybridStorageBackend b = open(file)) {
      write(a, message("m-1", "c-1", 1, "written by a"));
      // b rewrites the message a still remembers the text of.
      write(b, message("m-1", "c-1", 1, "rewritten by b"));
      for (int i = 2; i <= MessageIndex.CATCH_UP_AT + 3; i++) {
        write(i % 2 == 0 ? a : b, message("m-" + i, "c-1", i, "lemming " + i));
      }
      assertEquals(Collections.singletonList("m-1"), ids(a, "rewritten"));
      assertEquals(Collections.emptyList(), ids(b, "written"));
      assertEquals(MessageIndex.CATCH_UP_AT + 2, ids(a, "lemming").size());
      assertInStep(a);
    }
  }

  @Test
  void aCopyTakenBeforeTheBatchIsIndexedWhenOpened() throws IOException {
    Path file = dir.resolve("e.db");
    Path copy = Files.createDirectory(dir.resolve("copy")).resolve("e.db");
    try (HybridStorageBackend store = open(file)) {
      for (int i = 1; i <= 10; i++) {
        write(store, message("m-" + i, "c-1", i, "otter " + i));
      }
      // What a crash leaves: the committed rows (in the WAL), not yet in the index.
      Files.copy(file, copy);
      Files.copy(dir.resolve("e.db-wal"), dir.resolve("copy").resolve("e.db-wal"));
    }
    try (HybridStorageBackend reopened = open(copy)) {
      assertEquals(10, count(reopened, "SELECT count(*) FROM messages_fts"));
      assertEquals(10, ids(reopened, "otter").size());
      assertInStep(reopened);
    }
  }

  @Test
  void aDatabaseFromBeforeTheWatermark_keepsItsIndex_andIndexesNewMessages() {
    Path file = dir.resolve("f.db");
    try (HybridStorageBackend store = open(file)) {
      write(store, message("m-1", "c-1", 1, "old beaver"), message("m-2", "c-1", 2, "old beaver"));
      store.history().search("beaver", 1);
      // An older version indexed every message as it wrote it and kept no watermark.
      store.execute("DELETE FROM sync_state WHERE key = ?", MessageIndex.WATERMARK);
    }
    try (HybridStorageBackend store = open(file)) {
      assertEquals(2, watermark(store));
      assertEquals(Arrays.asList("m-1", "m-2"), ids(store, "beaver"));
      write(store, message("m-3", "c-1", 3, "new beaver"));
      assertEquals(Arrays.asList("m-1", "m-2", "m-3"), ids(store, "beaver"));
      assertInStep(store);
    }
  }

  @Test
  void closingIndexesWhatWaits() throws Exception {
    Path file = dir.resolve("g.db");
    try (HybridStorageBackend store = open(file)) {
      write(store, message("m-1", "c-1", 1, "marmot"));
    }
    // Read by plain JDBC: opening the store would catch up itself.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM messages_fts")) {
      rs.next();
      assertEquals(1, rs.getInt(1));
    }
  }

  @Test
  void aConversationMovesUpAsSoonAsItsNewMessageIsWritten() {
    try (HybridStorageBackend store = open(dir.resolve("h.db"))) {
      write(store, conversation("c-old", "Old", 1), conversation("c-new", "New", 5));
      assertEquals(Arrays.asList("c-new", "c-old"), store.history().conversationsByActivity(10, 0)
          .stream().map(Record::id).collect(Collectors.toList()));
      write(store, message("m-1", "c-old", 100, "bump"));
      assertEquals(Arrays.asList("c-old", "c-new"), store.history().conversationsByActivity(10, 0)
          .stream().map(Record::id).collect(Collectors.toList()));
      assertEquals(100, count(store, "SELECT last_activity FROM conversations WHERE id = 'c-old'"));
      assertInStep(store);
    }
  }

  @Test
  void aLargeTransactionIsIndexedBatchByBatch() {
    try (HybridStorageBackend store = open(dir.resolve("i.db"))) {
      int n = 2 * MessageIndex.CATCH_UP_AT + 22;
      store.inTransaction(tx -> {
        for (int i = 1; i <= n; i++) {
          tx.writeLocal(message("m-" + i, "c-1", i, "vole " + i));
        }
        return null;
      });
      assertEquals(2 * MessageIndex.CATCH_UP_AT,
          count(store, "SELECT count(*) FROM messages_fts"));
      assertInStep(store);
      assertEquals(n, ids(store, "vole").size());
      assertInStep(store);
    }
  }

  @Test
  void rowsDeletedByTheHostsOwnSql_doNotHideNewMessagesFromTheIndex() {
    try (HybridStorageBackend store = open(dir.resolve("j.db"))) {
      write(store, message("m-1", "c-1", 1, "gannet one"), message("m-2", "c-1", 2, "gannet two"));
      assertEquals(2, ids(store, "gannet").size());
      store.execute("DELETE FROM messages_fts WHERE rowid = (SELECT rowid FROM messages"
          + " WHERE id = 'm-2')");
      store.execute("DELETE FROM messages WHERE id = 'm-2'");
      // The next message takes the deleted row's rowid, which the watermark covered.
      write(store, message("m-3", "c-1", 3, "gannet three"));
      assertEquals(Arrays.asList("m-1", "m-3"), ids(store, "gannet"));
      assertInStep(store);
    }
  }

  @Test
  void aStoreMigratedAfterItOpened_indexesItsFirstMessages() {
    Path file = dir.resolve("k.db");
    try (HybridStorageBackend store = HybridStorageBackend.open(
        TestStores.config(file, new ManualClock(TestStores.START)), false)) {
      store.migrations().migrate();
      write(store, message("m-1", "c-1", 1, "curlew"));
      assertEquals(Collections.singletonList("m-1"), ids(store, "curlew"));
      assertInStep(store);
    }
  }
}
