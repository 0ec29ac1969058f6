package dev.tandem.sync.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on PostgreSQL (a new database for this class, an empty schema per test),
 * and what only PostgreSQL has: migrations shared by nodes, and a second node on the same data.
 */
class PostgresServerStoreTest extends ServerStoreContractTest {
  private static String url;
  private static String database;

  @BeforeAll
  static void database() {
    url = EmbeddedPostgresHolder.newDatabase("store_contract");
    database = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
  }

  @Override
  protected ServerStore newStore() {
    // The previous test's tables go; the migration builds them again.
    EmbeddedPostgresHolder.exec(database, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    return PostgresServerStore.open(url, null, null, 4);
  }

  @Override
  protected ServerStore secondNode() {
    return PostgresServerStore.open(url, null, null, 4);
  }

  @Test
  void secondNode_findsTheSchemaMigrated_andSeesTheFirstNodesData() throws Exception {
    store.inTeamTransaction("a", tx -> tx.put(new Change("note", "n-1", Change.UPSERT,
        "000000000001-0000-d", null, "{}", 0, null), "d"));
    try (ServerStore second = secondNode()) {
      assertEquals(1, second.currentSeq("a"));
      assertEquals(2L, (long) second.inTeamTransaction("a", tx -> tx.put(new Change("note",
          "n-2", Change.UPSERT, "000000000001-0000-d", null, "{}", 0, null), "d")));
    }
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM schema_migrations")) {
      rs.next();
      assertEquals(dev.tandem.sync.server.internal.SchemaMigrator.load("postgres").migrations()
          .size(), rs.getInt(1));
    }
  }

  /**
   * The token cache of one node hears another node's revocation through {@code tandem_tokens}:
   * with an hour's time to live, only the notice can drop the entry.
   */
  @Test
  void tokenRevokedOnOneNode_leavesTheOtherNodesCache_byItsNotice() {
    try (PostgresServerStore second = PostgresServerStore.open(url, null, null, 2)) {
      CachingServerStore cached = CachingServerStore.wrap(second, Duration.ofHours(1));
      PostgresListener listener = second.listen((team, seq) -> {});
      await().atMost(Duration.ofSeconds(30)).until(() -> listener.connects() >= 1);
      store.replaceToken("h-1", "a", "d1", 0);
      store.replaceToken("h-2", "a", "d2", 0);
      assertEquals(new ServerStore.TokenOwner("a", "d1"), cached.findToken("h-1"));
      assertEquals(new ServerStore.TokenOwner("a", "d2"), cached.findToken("h-2"));
      store.revokeTokens("a", "d1");
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
          .until(() -> cached.findToken("h-1") == null);
      assertEquals(new ServerStore.TokenOwner("a", "d2"), cached.findToken("h-2"));
    }
  }

  @Test
  void changedMigration_isRefused() {
    EmbeddedPostgresHolder.exec(database,
        "UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1");
    ServerStoreException e = assertThrows(ServerStoreException.class,
        () -> PostgresServerStore.open(url, null, null, 2));
    assertTrue(e.getMessage().contains("changed after it was applied"), e.getMessage());
  }

  @Test
  void unreachableDatabase_failsAtOpen_withAClearError() {
    ServerStoreException e = assertThrows(ServerStoreException.class,
        () -> PostgresServerStore.open("jdbc:postgresql://127.0.0.1:1/nothing?connectTimeout=2",
            "u", "p", 1));
    assertTrue(e.getMessage().startsWith("cannot open the PostgreSQL store"), e.getMessage());
  }
}
