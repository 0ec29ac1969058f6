package dev.tandem.sync.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.StoreConfig;
import dev.tandem.sync.sqlite.internal.MessageIndex;
import dev.tandem.sync.testing.ManualClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {
  @TempDir Path dir;

  private StoreConfig config() {
    return TestStores.config(dir.resolve("m.db"), new ManualClock(TestStores.START));
  }

  private static final Migration V3 = Migration.of(3, "add notes table",
      "CREATE TABLE extra_notes (id TEXT PRIMARY KEY, body TEXT);"
          + "CREATE INDEX extra_notes_body ON extra_notes(body);",
      "DROP INDEX extra_notes_body; DROP TABLE extra_notes;");
  private static final Migration V4 = Migration.of(4, "add column",
      "ALTER TABLE extra_notes ADD COLUMN tag TEXT DEFAULT 'x;y'",
      "ALTER TABLE extra_notes DROP COLUMN tag");

  private static List<Migration> withExtra(Migration... extra) {
    List<Migration> all = new ArrayList<>(Migrator.BUILT_IN);
    all.addAll(Arrays.asList(extra));
    return all;
  }

  private static List<String> tables(HybridStorageBackend store) {
    return store.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .stream().map(r -> (String) r.get("name")).collect(Collectors.toList());
  }

  @Test
  void checksum_isSha256OfUpAndDown() {
    Migration m = Migration.of(7, "d", "up", "down");
    assertEquals(Migration.sha256("updown"), m.checksum());
    assertEquals(64, m.checksum().length());
    assertNotEquals(m.checksum(), Migration.of(7, "d", "up", "down2").checksum());
  }

  @Test
  void open_appliesBuiltInSchemaAndRecordsIt() {
    try (HybridStorageBackend store = HybridStorageBackend.open(config())) {
      List<MigrationStatus> status = store.migrations().status();
      assertEquals(2, status.size());
      assertEquals(MigrationStatus.State.APPLIED, status.get(1).state());
      MigrationStatus s = status.get(0);
      assertEquals(1, s.version());
      assertEquals(MigrationStatus.State.APPLIED, s.state());
      assertEquals(Migrator.BUILT_IN.get(0).checksum(), s.checksum());
      assertTrue(s.executedAt() > 0);
      assertTrue(tables(store).containsAll(Arrays.asList("sync_queue", "sync_state", "conflicts",
          "schema_migrations", "messages", "conversations", "messages_fts")));
      String rollbackSql = (String) store.query(
          "SELECT rollback_sql FROM schema_migrations WHERE version = 1").get(0)
          .get("rollback_sql");
      assertTrue(rollbackSql.contains("DROP TABLE IF EXISTS sync_queue"));
    }
  }

  @Test
  void migrateTo_statusAndRollback_moveBetweenVersions() {
    try (HybridStorageBackend store = HybridStorageBackend.open(config(), withExtra(V3, V4),
        false)) {
      Migrator m = store.migrations();
      assertEquals(0, m.currentVersion());
      assertTrue(m.status().stream().noneMatch(MigrationStatus::applied));
      assertEquals(3, m.migrate(3));
      assertEquals(3, m.currentVersion());
      assertEquals(Arrays.asList(MigrationStatus.State.APPLIED, MigrationStatus.State.APPLIED,
          MigrationStatus.State.APPLIED, MigrationStatus.State.PENDING),
          m.status().stream().map(MigrationStatus::state).collect(Collectors.toList()));
      assertTrue(tables(store).contains("extra_notes"));
      assertEquals(1, m.migrate());
      assertEquals(4, m.currentVersion());
      store.execute("INSERT INTO extra_notes (id, body) VALUES (?, ?)", "a", "b");
      assertEquals("x;y", store.query("SELECT tag FROM extra_notes").get(0).get("tag"));

      assertThrows(IllegalArgumentException.class, () -> m.migrate(1));
      assertEquals(3, m.rollback(1));
      assertEquals(1, m.currentVersion());
      assertFalse(tables(store).contains("extra_notes"));
      assertTrue(tables(store).contains("sync_queue"));

      assertEquals(1, m.rollback(0));
      assertEquals(0, m.currentVersion());
      assertEquals(Arrays.asList("schema_migrations"), tables(store));
      assertEquals(4, m.migrate());
      assertEquals(4, m.currentVersion());
      assertEquals(0, m.rollback(4));
    }
  }

  @Test
  void reopen_afterAppliedMigrationChanged_isRefusedNamingIt() {
    try (HybridStorageBackend store = HybridStorageBackend.open(config(), withExtra(V3), true)) {
      assertEquals(3, store.migrations().currentVersion());
    }
    Migration edited = Migration.of(3, "add notes table",
        "CREATE TABLE extra_notes (id TEXT PRIMARY KEY, body TEXT, more TEXT);",
        "DROP TABLE extra_notes;");
    StoreException e = assertThrows(StoreException.class,
        () -> HybridStorageBackend.open(config(), withExtra(edited), true));
    assertEquals(Reason.MIGRATION_FAILED, e.reason());
    assertTrue(e.getMessage().contains("migration 3"), e.getMessage());
    assertTrue(e.getMessage().contains("add notes table"), e.getMessage());

    try (HybridStorageBackend store = HybridStorageBackend.open(config(), withExtra(edited),
        false)) {
      assertEquals(MigrationStatus.State.CHECKSUM_MISMATCH,
          store.migrations().status().get(2).state());
      assertThrows(StoreException.class, () -> store.migrations().validate());
      assertThrows(StoreException.class, () -> store.migrations().migrate());
    }
  }

  @Test
  void open_withTamperedBuiltInChecksum_isRefused() {
    try (HybridStorageBackend store = HybridStorageBackend.open(config())) {
      store.execute("UPDATE schema_migrations SET checksum = ? WHERE version = 1", "0000");
    }
    StoreException e = assertThrows(StoreException.class,
        () -> HybridStorageBackend.open(config()));
    assertEquals(Reason.MIGRATION_FAILED, e.reason());
    assertTrue(e.getMessage().contains("migration 1"), e.getMessage());
    assertTrue(e.getMessage().contains(Migrator.BUILT_IN.get(0).description()), e.getMessage());
  }

  @Test
  void open_ofDatabaseNewerThanCode_isRefused() {
    try (HybridStorageBackend store = HybridStorageBackend.open(config(), withExtra(V3), true)) {
      assertEquals(3, store.migrations().currentVersion());
    }
    StoreException e = assertThrows(StoreException.class,
        () -> HybridStorageBackend.open(config()));
    assertEquals(Reason.MIGRATION_FAILED, e.reason());
    assertTrue(e.getMessage().contains("newer"), e.getMessage());
  }

  @Test
  void failingMigration_isRolledBackAndReported() {
    Migration bad = Migration.of(3, "broken", "CREATE TABLE ok_table (x); SELECT * FROM nowhere",
        "DROP TABLE ok_table");
    StoreException e = assertThrows(StoreException.class,
        () -> HybridStorageBackend.open(config(), withExtra(bad), true));
    assertEquals(Reason.MIGRATION_FAILED, e.reason());
    assertTrue(e.getMessage().contains("migration 3"), e.getMessage());
    try (HybridStorageBackend store = HybridStorageBackend.open(config())) {
      assertEquals(2, store.migrations().currentVersion());
      assertFalse(tables(store).contains("ok_table"));
    }
  }

  @Test
  void migrateTo_unknownVersion_throws() {
    try (HybridStorageBackend store = HybridStorageBackend.open(config())) {
      assertThrows(IllegalArgumentException.class, () -> store.migrations().migrate(9));
      assertThrows(IllegalArgumentException.class, () -> store.migrations().rollback(-1));
    }
  }

  @Test
  void migrator_insideTransaction_isRefused() {
    try (HybridStorageBackend store = HybridStorageBackend.open(config())) {
      assertThrows(IllegalStateException.class,
          () -> store.inTransaction(tx -> store.migrations().rollback(0)));
      assertEquals(2, store.migrations().currentVersion());
    }
  }

  @Test
  void upgradeFromVersion1_keepsRecordsOutboxAndSearch() {
    List<Migration> v1 = Migrator.BUILT_IN.subList(0, 1);
    try (HybridStorageBackend store = HybridStorageBackend.open(config(), v1, true)) {
      store.inTransaction(tx -> {
        tx.writeLocal(TestStores.conversation("c-1", "Old", 1));
        for (int i = 1; i <= 3; i++) {
          tx.writeLocal(TestStores.message("m-" + i, "c-1", i, "ancient kestrel " + i));
        }
        return null;
      });
      store.history().search("kestrel", 10);
      OutboxEntry first = store.duePending(Long.MAX_VALUE, 1).get(0);
      store.markFailed(first, "refused", 0, true);
      // A database of version 1 was written by code that kept no watermark.
      store.execute("DELETE FROM sync_state WHERE key = ?", MessageIndex.WATERMARK);
      assertTrue(indexes(store).contains("sync_queue_pending_order"));
    }
    try (HybridStorageBackend store = HybridStorageBackend.open(config())) {
      assertEquals(2, store.migrations().currentVersion());
      List<String> indexes = indexes(store);
      assertFalse(indexes.contains("sync_queue_pending_order"), indexes.toString());
      assertTrue(indexes.contains("sync_queue_failed"), indexes.toString());
      assertEquals(3, store.history().search("kestrel", 10).size());
      assertEquals(3, store.countOutbox(OutboxEntry.Status.PENDING));
      assertEquals(1, store.countOutbox(OutboxEntry.Status.FAILED));
      assertEquals(Arrays.asList("m-1", "m-2", "m-3"), store.duePending(Long.MAX_VALUE, 10)
          .stream().map(OutboxEntry::entityId).collect(Collectors.toList()));
      assertEquals("c-1", store.failedEntries(10).get(0).entityId());
      store.inTransaction(tx -> {
        tx.writeLocal(TestStores.message("m-4", "c-1", 4, "new kestrel"));
        return null;
      });
      assertEquals(4, store.history().search("kestrel", 10).size());
      assertEquals(4, store.countOutbox(OutboxEntry.Status.PENDING));
      assertEquals(1, store.migrations().rollback(1));
      assertTrue(indexes(store).contains("sync_queue_pending_order"));
      assertEquals(4, store.countOutbox(OutboxEntry.Status.PENDING));
    }
  }

  private static List<String> indexes(HybridStorageBackend store) {
    return store.query("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
        .stream().map(r -> (String) r.get("name")).collect(Collectors.toList());
  }
}
