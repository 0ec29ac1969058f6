package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.server.internal.SchemaMigrator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store's schema migrations: fresh files, files from before migrations, refusals. */
class SqliteMigrationTest {
  @TempDir Path dir;

  private Connection raw() throws Exception {
    Files.createDirectories(dir);
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteServerStore.FILE_NAME));
  }

  private List<String> applied() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = raw(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT version, description, checksum FROM schema_migrations ORDER BY version")) {
      while (rs.next()) {
        out.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3));
      }
    }
    return out;
  }

  private static List<String> expected() {
    return SchemaMigrator.load("sqlite").migrations().stream()
        .map(m -> m.version() + " " + m.description() + " " + m.checksum()).toList();
  }

  @Test
  void freshFile_getsEveryMigration_once() throws Exception {
    SqliteServerStore.open(dir).close();
    assertEquals(expected(), applied());
    assertFalse(expected().isEmpty());
    try (SqliteServerStore store = SqliteServerStore.open(dir)) {
      assertEquals(0, store.currentSeq("a"));
    }
    assertEquals(expected(), applied());
  }

  /** The schema exactly as the server made it before migrations (CREATE TABLE IF NOT EXISTS). */
  private void writePreMigrationFile(boolean oldest) throws Exception {
    try (Connection c = raw(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE teams (team TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
      s.execute("CREATE TABLE records (team TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,"
          + " op TEXT NOT NULL, hlc TEXT NOT NULL, base_hlc TEXT, data TEXT, origin TEXT NOT NULL,"
          + " seq INTEGER NOT NULL, PRIMARY KEY (team, type, id))");
      s.execute("CREATE UNIQUE INDEX records_by_seq ON records (team, seq)");
      if (oldest) {
        s.execute("CREATE TABLE batches (team TEXT NOT NULL, batch_id TEXT NOT NULL,"
            + " response TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (team, batch_id))");
        s.execute("INSERT INTO batches VALUES ('t', 'b-1', '{\"old\":1}', 1)");
        s.execute("CREATE TABLE tokens (hash TEXT PRIMARY KEY, team TEXT NOT NULL,"
            + " device TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
            + " created_at INTEGER NOT NULL)");
        s.execute("INSERT INTO tokens VALUES ('h-1', 't', 'd-1', 0, 1)");
      } else {
        s.execute("CREATE TABLE batches (team TEXT NOT NULL, device TEXT NOT NULL,"
            + " batch_id TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,"
            + " PRIMARY KEY (team, device, batch_id))");
        s.execute("INSERT INTO batches VALUES ('t', 'd-1', 'b-1', '{\"old\":1}', 1)");
        s.execute("CREATE TABLE tokens (hash TEXT PRIMARY KEY, team TEXT NOT NULL,"
            + " device TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
            + " created_at INTEGER NOT NULL, expires_at INTEGER)");
        s.execute("INSERT INTO tokens VALUES ('h-1', 't', 'd-1', 0, 1, NULL)");
      }
      s.execute("CREATE INDEX tokens_by_device ON tokens (team, device)");
      s.execute("INSERT INTO teams VALUES ('t', 2)");
      s.execute("INSERT INTO records VALUES ('t', 'note', 'n-1', 'upsert',"
          + " '000000000001-0000-d-1', NULL, '{\"v\":1}', 'd-1', 1)");
      s.execute("INSERT INTO records VALUES ('t', 'note', 'n-2', 'upsert',"
          + " '000000000002-0000-d-1', NULL, '{\"v\":2}', 'd-1', 2)");
    }
  }

  private void assertPreMigrationDataKept(SqliteServerStore store, String batchDevice) {
    assertEquals(2, store.currentSeq("t"));
    List<Change> all = store.changesSince("t", 0, 10);
    assertEquals(List.of("n-1", "n-2"), all.stream().map(Change::id).toList());
    assertEquals("{\"v\":2}", all.get(1).data());
    assertEquals(new ServerStore.TokenOwner("t", "d-1"), store.findToken("h-1"));
    assertEquals("{\"old\":1}",
        store.inTeamTransaction("t", tx -> tx.batchResponse(batchDevice, "b-1")));
    // And it takes new writes under the next number.
    assertEquals(3L, (long) store.inTeamTransaction("t", tx -> tx.put(new Change("note", "n-3",
        Change.UPSERT, "000000000003-0000-d-1", null, "{}", 0, null), "d-1")));
    store.replaceToken("h-2", "t", "d-1", 42);
    assertNull(store.findToken("h-1"));
    assertEquals(42, store.findToken("h-2").expiresAt());
  }

  @Test
  void fileMadeByTheServerBeforeMigrations_isUpgradedInPlace() throws Exception {
    writePreMigrationFile(false);
    try (SqliteServerStore store = SqliteServerStore.open(dir)) {
      assertPreMigrationDataKept(store, "d-1");
    }
    assertEquals(expected(), applied());
    try (SqliteServerStore store = SqliteServerStore.open(dir)) {
      assertEquals(3, store.currentSeq("t"));
    }
    assertEquals(expected(), applied());
  }

  @Test
  void oldestFile_withTeamScopedBatchesAndNoTokenExpiry_isUpgradedInPlace() throws Exception {
    writePreMigrationFile(true);
    try (SqliteServerStore store = SqliteServerStore.open(dir)) {
      // Old batch answers are kept under the device "" (see SqliteServerStore).
      assertPreMigrationDataKept(store, "");
    }
    assertEquals(expected(), applied());
  }

  @Test
  void changedMigration_isRefused_andTheFileIsLeftAsItWas() throws Exception {
    try (SqliteServerStore store = SqliteServerStore.open(dir)) {
      store.inTeamTransaction("t", tx -> tx.put(new Change("note", "n-1", Change.UPSERT,
          "000000000001-0000-d", null, "{}", 0, null), "d"));
    }
    try (Connection c = raw(); Statement s = c.createStatement()) {
      s.execute("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1");
    }
    ServerStoreException e = assertThrows(ServerStoreException.class,
        () -> SqliteServerStore.open(dir));
    assertTrue(e.getMessage().contains("V1__baseline"), e.getMessage());
    assertTrue(e.getMessage().contains("changed after it was applied"), e.getMessage());
    try (Connection c = raw(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM records")) {
      rs.next();
      assertEquals(1, rs.getInt(1));
    }
  }

  @Test
  void fileFromANewerServer_isRefused() throws Exception {
    SqliteServerStore.open(dir).close();
    try (Connection c = raw(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x', 1)");
    }
    ServerStoreException e = assertThrows(ServerStoreException.class,
        () -> SqliteServerStore.open(dir));
    assertTrue(e.getMessage().contains("schema version 99"), e.getMessage());
  }

  @Test
  void failingMigration_appliesNothing_andNamesTheMigration() throws Exception {
    SchemaMigrator broken = SchemaMigrator.load("test-broken");
    try (Connection c = raw()) {
      ServerStoreException e = assertThrows(ServerStoreException.class,
          () -> broken.migrate(c, null, null, 1));
      assertTrue(e.getMessage().contains("V2__broken"), e.getMessage());
      assertTrue(c.getAutoCommit());
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT count(*) FROM sqlite_master WHERE name IN ('t1', 'schema_migrations')")) {
        rs.next();
        assertEquals(0, rs.getInt(1), "V1 of the failed run must be rolled back");
      }
    }
  }

  @Test
  void statementsAreSplitAtLineEndSemicolons_commentsDropped() {
    SchemaMigrator.Migration first = SchemaMigrator.load("test-broken").migrations().get(0);
    assertEquals(List.of("CREATE TABLE t1 (team TEXT PRIMARY KEY)", "INSERT INTO t1 VALUES ('a')"),
        first.statements());
  }
}
