package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.server.ServerStore.TokenOwner;
import dev.tandem.sync.server.internal.SchemaMigrator;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store file written at schema version 1 ({@code sqlite-store-v1.sql}: tokens, changes, a
 * delete, a batch answer) opened by this code: upgraded in place to the newest version with
 * nothing lost; a file from a newer server is refused and left as it was.
 */
class SqliteSchemaUpgradeTest {
  private static final long T0 = 1_800_000_000_000L;

  @TempDir Path dir;

  private Connection raw() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteServerStore.FILE_NAME));
  }

  private void writeV1File() throws Exception {
    String sql;
    try (InputStream in = getClass().getResourceAsStream("sqlite-store-v1.sql")) {
      sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Connection c = raw(); Statement s = c.createStatement()) {
      StringBuilder statement = new StringBuilder();
      for (String line : sql.split("\n")) {
        if (line.startsWith("--")) {
          continue;
        }
        statement.append(line).append('\n');
        if (line.endsWith(";")) {
          s.execute(statement.toString());
          statement.setLength(0);
        }
      }
    }
  }

  private SqliteServerStore open() {
    return SqliteServerStore.open(dir, () -> T0);
  }

  private static int latest() {
    return SchemaMigrator.load("sqlite").migrations().size();
  }

  private List<String> applied() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = raw(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT version, checksum FROM schema_migrations ORDER BY version")) {
      while (rs.next()) {
        out.add(rs.getInt(1) + " " + rs.getString(2));
      }
    }
    return out;
  }

  private static List<String> known() {
    return SchemaMigrator.load("sqlite").migrations().stream()
        .map(m -> m.version() + " " + m.checksum()).toList();
  }

  private static List<String> rows(List<Change> changes) {
    return changes.stream().map(c -> c.seq() + " " + c.type() + "/" + c.id() + " " + c.op() + " "
        + c.hlc() + " " + c.baseHlc() + " " + c.data() + " " + c.deviceId()).toList();
  }

  @Test
  void v1File_isUpgradedInPlace_keepingEveryChangeAndToken_andReportsItsVersion()
      throws Exception {
    writeV1File();
    try (SqliteServerStore store = open()) {
      assertEquals(4, latest());
      assertEquals(latest(), store.schemaVersion());

      assertEquals(List.of(
          "1 note/n-1 upsert 000000000001-0000-phone null {\"v\":1} phone",
          "2 note/n-2 delete 000000000002-0000-phone 000000000001-0000-phone null phone",
          "3 task/k-1 upsert 000000000003-0000-desk null {\"done\":false} desk"),
          rows(store.changesSince("t", 0, 10)));
      assertEquals(List.of("1 note/n-1 upsert 000000000001-0000-tab null {\"team\":\"u\"} tab"),
          rows(store.changesSince("u", 0, 10)));
      assertEquals(3, store.currentSeq("t"));

      assertEquals(new TokenOwner("t", "phone"), store.findToken("h-phone"));
      assertEquals(new TokenOwner("t", "desk", 1_900_000_000_000L), store.findToken("h-desk"));
      assertNull(store.findToken("h-old"), "revoked before the upgrade, revoked after");
      assertEquals(new TokenOwner("u", "tab"), store.findToken("h-tab"));
      assertEquals("{\"accepted\":2}",
          store.inTeamTransaction("t", tx -> tx.batchResponse("phone", "b-1")));

      // V2: the old delete's age is unknown, so it counts from the upgrade (the store's clock).
      assertEquals(0, store.applyRetention(T0, T0).purgedTombstones());
      assertEquals(1, store.applyRetention(T0 + 1, 0).purgedTombstones());
      assertThrows(CursorExpiredException.class, () -> store.pullPage("t", 1, 10, "x"));

      // V3: the device registry works on the old tokens.
      assertEquals(List.of("desk", "phone"), store.commands().devices("t").stream()
          .map(CommandStore.DeviceInfo::deviceId).toList());
      assertEquals("Phone", store.commands()
          .updateDevice("t", "phone", "Phone", "android", "1.0", T0).name());

      // And new writes go on from the old sequence.
      assertEquals(4L, (long) store.inTeamTransaction("t", tx -> tx.put(new Change("note", "n-3",
          Change.UPSERT, "000000000004-0000-phone", null, "{}", 0, null), "phone")));
    }
    assertEquals(known(), applied());
    try (SqliteServerStore store = open()) {
      assertEquals(latest(), store.schemaVersion());
      assertEquals(4, store.currentSeq("t"));
    }
    assertEquals(known(), applied(), "nothing applied twice");
  }

  @Test
  void v1FileWhoseRetentionColumnsAnOlderServerAddedAtOpen_getsV2Recorded_notRunAgain()
      throws Exception {
    writeV1File();
    // What servers before V2 did at every open (then in SqliteRetention).
    try (Connection c = raw(); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE records ADD COLUMN stored_at INTEGER");
      s.execute("UPDATE records SET stored_at = 5 WHERE op = 'delete'");
      s.execute("ALTER TABLE teams ADD COLUMN purged_seq INTEGER NOT NULL DEFAULT 0");
      s.execute("CREATE INDEX records_tombstones ON records (stored_at) WHERE op = 'delete'");
      s.execute("CREATE TABLE devices (team TEXT NOT NULL, device TEXT NOT NULL, name TEXT,"
          + " platform TEXT, app_version TEXT, last_seen_at INTEGER NOT NULL DEFAULT 0,"
          + " PRIMARY KEY (team, device))");
      s.execute("INSERT INTO devices VALUES ('t', 'phone', 'Old phone', NULL, NULL, 0)");
    }
    try (SqliteServerStore store = open()) {
      assertEquals(latest(), store.schemaVersion());
      assertEquals("Old phone", store.commands().device("t", "phone").name());
      // The delete keeps the time it had: stored at 5, so purged by a horizon of 6.
      assertEquals(1, store.applyRetention(6, 0).purgedTombstones());
    }
    assertEquals(known(), applied());
  }

  @Test
  void fileFromANewerServer_isRefusedWithAClearError_andLeftAsItWas() throws Exception {
    writeV1File();
    try (Connection c = raw(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO schema_migrations VALUES (5, 'from_the_future', 'x', 1)");
    }
    ServerStoreException e = assertThrows(ServerStoreException.class, this::open);
    assertTrue(e.getMessage().contains("schema version 5"), e.getMessage());
    assertTrue(e.getMessage().contains("newer server"), e.getMessage());
    try (Connection c = raw(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pragma_table_info('records')"
            + " WHERE name = 'stored_at'")) {
      rs.next();
      assertEquals(0, rs.getInt(1), "V2 must not have run");
    }
    assertFalse(applied().contains(known().get(1)));
  }
}
