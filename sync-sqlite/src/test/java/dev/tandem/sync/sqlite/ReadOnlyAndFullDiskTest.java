package dev.tandem.sync.sqlite;

import static dev.tandem.sync.sqlite.TestStores.conversation;
import static dev.tandem.sync.sqlite.TestStores.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.sync.Record;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.testing.ReadOnlyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9 item 11: a database this process cannot write, and a disk that fills up. */
class ReadOnlyAndFullDiskTest {
  @TempDir Path dir;
  private final List<Path> locked = new ArrayList<>();

  @AfterEach
  void unlock() throws Exception {
    for (Path p : locked) {
      ReadOnlyFiles.unlock(p);
    }
  }

  private void lock(Path p) throws Exception {
    locked.add(p);
    assumeTrue(ReadOnlyFiles.lock(p), "cannot make " + p + " read-only on this machine");
  }

  private Path seeded() {
    Path db = dir.resolve("data").resolve("t.db");
    try (HybridStorageBackend store = HybridStorageBackend.open(TestStores.config(db, 1 << 20))) {
      store.inTransaction(tx -> {
        tx.writeLocal(conversation("c-1", "Kept title", 1));
        tx.writeLocal(message("m-1", "c-1", 1, "searchable words"));
        return null;
      });
    }
    return db;
  }

  private static void write(HybridStorageBackend store, Record r) {
    store.inTransaction(tx -> {
      tx.writeLocal(r);
      return null;
    });
  }

  private static void assertReadsWork(HybridStorageBackend store) {
    assertNotNull(store.get("conversation", "c-1"));
    assertEquals("searchable words",
        store.get("message", "m-1").current().data().get("content").asText());
    assertEquals(1, store.history().search("searchable", 10).size());
    assertEquals(2, store.countOutbox(OutboxEntry.Status.PENDING));
    assertEquals(2, store.migrations().currentVersion());
  }

  @Test
  void readOnlyFile_opensForReading_andWritesFailClearly_changingNothing() throws Exception {
    Path db = seeded();
    lock(db);
    byte[] before = Files.readAllBytes(db);
    try (HybridStorageBackend store = HybridStorageBackend.open(TestStores.config(db, 1 << 20))) {
      assertTrue(store.isReadOnly());
      assertReadsWork(store);
      StoreException e = assertThrows(StoreException.class,
          () -> write(store, conversation("c-2", "new", 2)));
      assertEquals(Reason.STORE_FAILURE, e.reason());
      assertTrue(e.getMessage().contains("read-only") && e.getMessage().contains(db.toString()),
          e.getMessage());
      StoreException seed = assertThrows(StoreException.class,
          () -> store.execute("DELETE FROM sync_queue"));
      assertTrue(seed.getMessage().contains("read-only"), seed.getMessage());
      // A failed write leaves the store usable for reads.
      assertReadsWork(store);
    }
    assertArrayEquals(before, Files.readAllBytes(db));
  }

  @Test
  void readOnlyDirectory_opensTheDatabaseForReading() throws Exception {
    Path db = seeded();
    lock(db.getParent());
    try (HybridStorageBackend store = HybridStorageBackend.open(TestStores.config(db, 1 << 20))) {
      assertTrue(store.isReadOnly());
      assertReadsWork(store);
      assertThrows(StoreException.class, () -> write(store, conversation("c-2", "new", 2)));
    }
    assertFalse(Files.exists(db.resolveSibling("t.db-wal")), "nothing created next to it");
  }

  @Test
  void readOnlyFile_whoseSchemaNeedsAMigration_isRefusedWithTheReason() throws Exception {
    Path db = seeded();
    lock(db);
    List<Migration> newer = new ArrayList<>(Migrator.BUILT_IN);
    newer.add(Migration.of(3, "a later change", "CREATE TABLE later (x INTEGER)",
        "DROP TABLE later"));
    StoreException e = assertThrows(StoreException.class,
        () -> HybridStorageBackend.open(TestStores.config(db, 1 << 20), newer, true));
    assertEquals(Reason.STORE_FAILURE, e.reason());
    assertTrue(e.getMessage().contains("read-only") && e.getMessage().contains("version 3"),
        e.getMessage());
  }

  @Test
  void writableFile_isNotReadOnly() {
    try (HybridStorageBackend store =
        HybridStorageBackend.open(TestStores.config(seeded(), 1 << 20))) {
      assertFalse(store.isReadOnly());
      write(store, conversation("c-2", "new", 2));
    }
  }

  @Test
  void afterTheDiskFills_failedWritesLeaveNothing_andWritingResumesOnceThereIsSpace() {
    Path db = dir.resolve("full.db");
    try (HybridStorageBackend store = HybridStorageBackend.open(TestStores.config(db, 1 << 20))) {
      write(store, conversation("c-1", "t", 1));
      long pages = ((Number) store.query("PRAGMA page_count").get(0).get("page_count"))
          .longValue();
      // A few pages of head room: the first writes fit, then every one hits SQLITE_FULL.
      store.execute("PRAGMA max_page_count = " + (pages + 12));
      String big = "x".repeat(3000);
      List<String> ok = new ArrayList<>();
      List<String> refused = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String id = "m-" + i;
        try {
          write(store, message(id, "c-1", i, big + i));
          ok.add(id);
        } catch (StoreException e) {
          refused.add(id);
          assertEquals(Reason.STORE_FAILURE, e.reason());
          // Before the fix: "statement is not executing", then "cannot start a transaction
          // within a transaction" for every later write.
          assertTrue(e.getMessage().contains("SQLITE_FULL"), i + ": " + e.getMessage());
        }
      }
      assertFalse(ok.isEmpty(), "some writes fit");
      assertTrue(refused.size() > 10, "the disk filled up: " + refused);
      for (String id : refused) {
        assertNull(store.get("message", id), id + " was refused, so nothing of it is stored");
      }
      assertEquals(1 + ok.size(), store.countOutbox(OutboxEntry.Status.PENDING));

      store.execute("PRAGMA max_page_count = 1000000");
      for (String id : refused) {
        write(store, message(id, "c-1", 1, big));
      }
      for (String id : refused) {
        assertNotNull(store.get("message", id), id);
      }
      assertEquals(1 + ok.size() + refused.size(), store.countOutbox(OutboxEntry.Status.PENDING));
    }
    // And the file is sound afterwards.
    try (HybridStorageBackend store = HybridStorageBackend.open(TestStores.config(db, 1 << 20))) {
      assertEquals("ok", store.query("PRAGMA integrity_check").get(0).values().iterator().next());
    }
  }
}
