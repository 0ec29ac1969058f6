package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.delete;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.send;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.server.ServerStore.RetentionResult;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention: one version per record, deletes purged past the horizon by the server's clock, and
 * a cursor that a purged delete came after refused with {@code bad_cursor}.
 */
class RetentionTest {
  private static final long T0 = 1_800_000_000_000L;
  private static final long DAY = Duration.ofDays(1).toMillis();
  private static final String ADMIN = "retention-admin";

  @TempDir Path dir;
  private final AtomicLong now = new AtomicLong(T0);
  private final dev.tandem.sync.Clock clock = now::get;

  private static Change up(String id, long wall, String data) {
    return new Change("note", id, Change.UPSERT, hlc(wall, 0, "d"), null, data, 0, null);
  }

  private static Change del(String id, long wall) {
    return new Change("note", id, Change.DELETE, hlc(wall, 0, "d"), null, null, 0, null);
  }

  private long rows(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(
            "jdbc:sqlite:" + dir.resolve(SqliteServerStore.FILE_NAME));
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aRecordChangedManyTimes_isOneRow_inItsLatestState() throws Exception {
    try (SqliteServerStore store = SqliteServerStore.open(dir, clock)) {
      for (int v = 1; v <= 5; v++) {
        int version = v;
        store.inTeamTransaction("a", tx -> tx.put(up("n-1", version, "{\"v\":" + version + "}"),
            "d"));
      }
      List<Change> all = store.changesSince("a", 0, 100);
      assertEquals(1, all.size());
      assertEquals("{\"v\":5}", all.get(0).data());
      assertEquals(5, all.get(0).seq());
      assertEquals(RetentionResult.NONE.compactedVersions(),
          store.applyRetention(T0, T0).compactedVersions(), "nothing left to compact");
    }
    assertEquals(1, rows("SELECT count(*) FROM records"));
  }

  @Test
  void deletesOlderThanTheHorizon_arePurged_andCursorsBeforeThemRefused() throws Exception {
    try (SqliteServerStore store = SqliteServerStore.open(dir, clock)) {
      store.inTeamTransaction("a", tx -> {
        tx.put(up("n-1", 1, "{}"), "d");        // seq 1
        tx.put(up("n-2", 2, "{}"), "d");        // seq 2
        tx.put(del("n-1", 3), "d");             // seq 3, stored at T0
        tx.saveBatchResponse("d", "old-batch", "{}");
        return null;
      });
      store.inTeamTransaction("b", tx -> tx.put(del("x", 1), "d")); // seq 1 of b, at T0
      now.set(T0 + 10 * DAY);
      store.inTeamTransaction("a", tx -> tx.put(del("n-2", 4), "d")); // seq 4, at T0 + 10 d
      store.inTeamTransaction("a", tx -> tx.put(up("n-3", 5, "{}"), "d")); // seq 5

      // The horizon by the server's clock: T0 + 5 d takes n-1's and x's deletes, not n-2's.
      RetentionResult r = store.applyRetention(T0 + 5 * DAY, T0 + 5 * DAY);
      assertEquals(2, r.purgedTombstones());
      assertEquals(1, r.purgedBatches());
      store.inTeamTransaction("a", tx -> {
        assertNull(tx.current("note", "n-1"));
        assertEquals(Change.DELETE, tx.current("note", "n-2").op());
        assertNull(tx.batchResponse("d", "old-batch"));
        return null;
      });

      // A cursor before the purged delete (seq 3) would miss it: refused.
      for (long cursor : new long[] {1, 2}) {
        CursorExpiredException e = assertThrows(CursorExpiredException.class,
            () -> store.pullPage("a", cursor, 100, "desk"));
        assertEquals(3, e.purgedThrough());
      }
      // From the delete on, and from the beginning, pulls are whole again.
      assertEquals(List.of("n-2", "n-3"), ids(store.pullPage("a", 3, 100, "desk")));
      assertEquals(List.of("n-2", "n-3"), ids(store.pullPage("a", 0, 100, "desk")));
      // Team b's floor is its own: its cursor 1 is at its purged delete, so it is fine.
      assertEquals(List.of(), ids(store.pullPage("b", 1, 100, "desk")));
    }
  }

  @Test
  void olderStore_getsTheRetentionColumns_andItsDeletesCountFromTheUpgrade() throws Exception {
    // A store as written before retention existed: no stored_at, no purged_seq.
    try (Connection c = DriverManager.getConnection(
            "jdbc:sqlite:" + dir.resolve(SqliteServerStore.FILE_NAME));
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE teams (team TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
      s.execute("CREATE TABLE records (team TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,"
          + " op TEXT NOT NULL, hlc TEXT NOT NULL, base_hlc TEXT, data TEXT, origin TEXT NOT NULL,"
          + " seq INTEGER NOT NULL, PRIMARY KEY (team, type, id))");
      s.execute("INSERT INTO teams VALUES ('a', 2)");
      s.execute("INSERT INTO records VALUES ('a', 'note', 'n-1', 'delete', '"
          + hlc(1, 0, "d") + "', NULL, NULL, 'd', 1)");
      s.execute("INSERT INTO records VALUES ('a', 'note', 'n-2', 'upsert', '"
          + hlc(2, 0, "d") + "', NULL, '{}', 'd', 2)");
    }
    try (SqliteServerStore store = SqliteServerStore.open(dir, clock)) {
      // The old delete's age is unknown: it counts from now, so nothing is purged yet.
      assertEquals(0, store.applyRetention(T0, T0).purgedTombstones());
      assertEquals(2, store.pullPage("a", 0, 10, "desk").changes().size());
      assertEquals(1, store.applyRetention(T0 + 1, T0 + 1).purgedTombstones());
      assertEquals(List.of("n-2"), ids(store.pullPage("a", 0, 10, "desk")));
    }
  }

  @Test
  void overHttp_aDeviceBehindTheHorizon_getsBadCursor_andPullsEverythingAgain() throws Exception {
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir).clock(clock)
        .adminToken(ADMIN).tombstoneRetention(Duration.ofDays(30)).build().start()) {
      Device laptop = Device.create(server, "team-1", "laptop");
      Device desk = Device.create(server, "team-1", "desk");
      long wall = T0;
      assertEquals(200, laptop.push(batch("b-1", "laptop",
          upsert("note", "keep", hlc(wall, 0, "laptop"), null, "{\"v\":1}"),
          upsert("note", "gone", hlc(wall, 1, "laptop"), null, "{\"v\":2}"))).statusCode());
      HttpResponse<byte[]> first = desk.pull(null);
      String deskCursor = Json.MAPPER.readTree(first.body()).path("cursor").asText();
      assertEquals(200, laptop.push(batch("b-2", "laptop",
          delete("note", "gone", hlc(wall, 2, "laptop"), hlc(wall, 1, "laptop")))).statusCode());

      // Nothing is old enough yet.
      JsonNode none = Json.MAPPER.readTree(send(server, "POST", "/admin/retention", null,
          "Authorization", "Bearer " + ADMIN).body());
      assertEquals(0, none.path("purgedTombstones").asLong());

      now.set(T0 + 31 * DAY);
      HttpResponse<byte[]> run = send(server, "POST", "/admin/retention", null,
          "Authorization", "Bearer " + ADMIN);
      assertEquals(200, run.statusCode(), text(run));
      JsonNode r = Json.MAPPER.readTree(run.body());
      assertEquals(1, r.path("purgedTombstones").asLong());
      assertEquals(2, r.path("purgedBatches").asLong());
      assertTrue(r.path("enabled").asBoolean());

      // The desk last pulled before the delete, which is gone: it must start again.
      assertError(desk.pull("since=" + deskCursor), 400, "bad_cursor");
      JsonNode again = Json.MAPPER.readTree(desk.pull(null).body());
      assertEquals(1, again.path("changes").size());
      assertEquals("keep", again.path("changes").get(0).path("id").asText());
      // The laptop's cursor after its own delete is past the purge: it pulls as before.
      assertEquals(200, laptop.pull("since=3").statusCode());
      assertError(send(server, "POST", "/admin/retention", null), 401, "unauthorized");
      assertTrue(text(send(server, "GET", "/metrics", null, "Authorization", "Bearer " + ADMIN))
          .contains("tandem_retention_purged_tombstones_total 1.0"));
    }
  }

  @Test
  void retention_runsByItself_everyInterval() {
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir).clock(clock)
        .tombstoneRetention(Duration.ofDays(1)).retentionInterval(Duration.ofMillis(100))
        .build().start()) {
      server.store().inTeamTransaction("a", tx -> {
        tx.put(up("n-0", 1, "{}"), "d");   // seq 1
        return tx.put(del("n-1", 2), "d"); // seq 2
      });
      assertEquals(2, server.store().changesSince("a", 0, 10).size());
      now.set(T0 + 2 * DAY);
      await().atMost(Duration.ofSeconds(30)).until(
          () -> server.store().changesSince("a", 0, 10).size() == 1);
      assertThrows(CursorExpiredException.class, () -> server.store().pullPage("a", 1, 10, "x"));
    }
  }

  @Test
  void retentionOff_keepsDeletesForever() {
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir).clock(clock)
        .tombstoneRetention(null).build().start()) {
      server.store().inTeamTransaction("a", tx -> tx.put(del("n-1", 1), "d"));
      now.set(T0 + 10_000 * DAY);
      assertEquals(RetentionResult.NONE, server.runRetention());
      assertEquals(1, server.store().changesSince("a", 0, 10).size());
    }
  }

  private static List<String> ids(ServerStore.PullPage page) {
    return page.changes().stream().map(Change::id).toList();
  }
}
