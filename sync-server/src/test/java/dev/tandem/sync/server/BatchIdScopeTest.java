package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch ids are idempotency keys per (team, device), PROTOCOL "POST /sync/batch". */
class BatchIdScopeTest {
  @TempDir Path dir;

  private static PushResponse ok(HttpResponse<byte[]> r) {
    assertEquals(200, r.statusCode(), () -> text(r));
    return ProtocolCodec.readPushResponse(r.body());
  }

  @Test
  void anotherDeviceReusingABatchId_getsItsOwnChangesStored() {
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir).build().start()) {
      Device laptop = Device.create(server, "team-1", "laptop-1");
      Device desk = Device.create(server, "team-1", "desk-2");
      long now = System.currentTimeMillis();
      HttpResponse<byte[]> first = laptop.push(batch("same-id", "laptop-1",
          upsert("note", "from-laptop", hlc(now, 0, "laptop-1"), null, "{}")));
      PushResponse theirs = ok(desk.push(batch("same-id", "desk-2",
          upsert("note", "from-desk", hlc(now, 0, "desk-2"), null, "{}"),
          upsert("note", "also-desk", hlc(now, 1, "desk-2"), null, "{}"))));
      assertEquals(Map.of("note", 2), theirs.synced());
      assertEquals("3", theirs.cursor());
      List<String> ids = server.store().changesSince("team-1", 0, 10).stream()
          .map(Change::id).toList();
      assertEquals(List.of("from-laptop", "from-desk", "also-desk"), ids);
      // The first device's retry is still a replay of its own batch.
      HttpResponse<byte[]> again = laptop.push(batch("same-id", "laptop-1",
          upsert("note", "from-laptop", hlc(now, 0, "laptop-1"), null, "{}")));
      assertArrayEquals(first.body(), again.body());
      assertEquals(3, server.store().currentSeq("team-1"));
    }
  }

  @Test
  void storeOfTheTeamScopedLayout_isMigrated_keepingItsData() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Path file = data.resolve(SqliteServerStore.FILE_NAME);
    // The layout written before batch ids were scoped to devices.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE teams (team TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
      s.execute("CREATE TABLE records (team TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,"
          + " op TEXT NOT NULL, hlc TEXT NOT NULL, base_hlc TEXT, data TEXT, origin TEXT NOT NULL,"
          + " seq INTEGER NOT NULL, PRIMARY KEY (team, type, id))");
      s.execute("CREATE TABLE batches (team TEXT NOT NULL, batch_id TEXT NOT NULL,"
          + " response TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (team, batch_id))");
      s.execute("INSERT INTO teams VALUES ('team-1', 1)");
      s.execute("INSERT INTO records VALUES ('team-1', 'note', 'n-1', 'upsert',"
          + " '000000000001-0000-laptop-1', NULL, '{\"old\":true}', 'laptop-1', 1)");
      s.execute("INSERT INTO batches VALUES ('team-1', 'old-batch', '{\"old\":1}', 0)");
    }
    try (SqliteServerStore store = SqliteServerStore.open(data)) {
      assertEquals(1, store.currentSeq("team-1"));
      assertEquals("{\"old\":true}", store.changesSince("team-1", 0, 10).get(0).data());
      // Old answers are kept under no device: never replayed, so a reused id is not swallowed.
      assertNull(store.inTeamTransaction("team-1", tx -> tx.batchResponse("laptop-1",
          "old-batch")));
      assertEquals("{\"old\":1}", store.inTeamTransaction("team-1",
          tx -> tx.batchResponse("", "old-batch")));
      store.inTeamTransaction("team-1", tx -> {
        tx.saveBatchResponse("desk-2", "old-batch", "{\"new\":1}");
        return null;
      });
    }
    // Opening the migrated file again changes nothing.
    try (SqliteServerStore store = SqliteServerStore.open(data)) {
      assertEquals("{\"new\":1}", store.inTeamTransaction("team-1",
          tx -> tx.batchResponse("desk-2", "old-batch")));
      assertEquals(1, store.changesSince("team-1", 0, 10).size());
    }
  }
}
