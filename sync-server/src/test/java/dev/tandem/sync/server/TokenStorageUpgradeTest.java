package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store written before tokens could expire opens, keeps its tokens and gains expiry. */
class TokenStorageUpgradeTest {
  @TempDir Path dir;

  @Test
  void storeWithoutTheExpiryColumn_isUpgradedInPlace() throws Exception {
    Files.createDirectories(dir);
    try (Connection c = DriverManager.getConnection(
        "jdbc:sqlite:" + dir.resolve(SqliteServerStore.FILE_NAME));
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE tokens (hash TEXT PRIMARY KEY, team TEXT NOT NULL,"
          + " device TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
          + " created_at INTEGER NOT NULL)");
      s.execute("INSERT INTO tokens VALUES ('old-hash', 'team-1', 'laptop-1', 0, 1)");
    }
    try (SqliteServerStore store = SqliteServerStore.open(dir)) {
      assertEquals(new ServerStore.TokenOwner("team-1", "laptop-1"), store.findToken("old-hash"));
      store.replaceToken("new-hash", "team-1", "laptop-1", 42);
      assertNull(store.findToken("old-hash"));
      assertEquals(42, store.findToken("new-hash").expiresAt());
    }
    // And opening the upgraded file again does not try to add the column twice.
    try (SqliteServerStore store = SqliteServerStore.open(dir)) {
      assertEquals(42, store.findToken("new-hash").expiresAt());
    }
  }
}
