package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteBackup}: an online, consistent copy that a server can be restored from. */
class SqliteBackupTest {
  @TempDir Path dir;

  private static String[] changes(int batch, int n, String device) {
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = upsert("note", "n-" + batch + "-" + i, hlc(1000 + batch, i, device), null,
          "{\"b\":" + batch + ",\"i\":" + i + "}");
    }
    return out;
  }

  @Test
  void backupWhileDevicesPush_isConsistent_andAServerRestoredFromItServesIt() throws Exception {
    Path live = dir.resolve("live");
    Path copy = dir.resolve("backup.db");
    AtomicInteger pushed = new AtomicInteger();
    SqliteBackup.Result result;
    try (TandemServer server = TandemServer.builder().port(0).dataDir(live).build().start()) {
      Device laptop = Device.create(server, "team-1", "laptop");
      assertEquals(200, laptop.push(batch("b-0", "laptop", changes(0, 50, "laptop")))
          .statusCode());
      pushed.incrementAndGet();
      // Pushes go on while the copy is taken: at most 40 more batches, and never after it.
      CompletableFuture<Void> pusher = CompletableFuture.runAsync(() -> {
        for (int b = 1; b <= 40; b++) {
          HttpResponse<byte[]> r = laptop.push(batch("b-" + b, "laptop", changes(b, 50,
              "laptop")));
          assertEquals(200, r.statusCode());
          pushed.incrementAndGet();
        }
      });
      result = SqliteBackup.backup(live.resolve(SqliteServerStore.FILE_NAME), copy);
      pusher.get(120, TimeUnit.SECONDS);
    }
    assertTrue(Files.isRegularFile(copy));
    assertEquals(Files.size(copy), result.bytes());
    assertEquals(1, result.teams());
    assertTrue(result.records() >= 50 && result.records() % 50 == 0,
        "whole batches only, as the copy is one moment: " + result.records());
    try (Stream<Path> files = Files.list(dir)) {
      assertFalse(files.anyMatch(p -> p.getFileName().toString().contains(".partial-")),
          "no temporary file is left behind");
    }

    // Restore: the copy becomes the data directory's database.
    Path restored = dir.resolve("restored");
    Files.createDirectories(restored);
    Files.copy(copy, restored.resolve(SqliteServerStore.FILE_NAME));
    try (TandemServer server = TandemServer.builder().port(0).dataDir(restored).build()
        .start()) {
      // Each stored change moved the sequence once: the copy's sequence and records agree.
      assertEquals(result.records(), server.store().currentSeq("team-1"));
      List<Change> all = server.store().changesSince("team-1", 0, 10_000);
      assertEquals(result.records(), all.size());
      Device desk = Device.create(server, "team-1", "desk");
      HttpResponse<byte[]> pull = desk.pull("limit=5000");
      assertEquals(200, pull.statusCode());
      JsonNode body = Json.MAPPER.readTree(pull.body());
      assertEquals(result.records(), body.path("changes").size());
      assertEquals("{\"b\":0,\"i\":7}", Json.write(body.path("changes").get(7).path("data")));
      // A device that had synced further than the backup is told to start again.
      assertError(desk.pull("since=" + (result.records() + 1)), 400, "bad_cursor");
    }
  }

  @Test
  void backup_refusesToOverwrite_toWriteIntoAMissingDirectory_andToCopyWhatIsNoServerDatabase()
      throws Exception {
    Path data = dir.resolve("data");
    SqliteServerStore.open(data).close();
    Path db = data.resolve(SqliteServerStore.FILE_NAME);
    Path existing = dir.resolve("existing.db");
    Files.write(existing, new byte[] {1, 2, 3});
    String m = assertThrows(IllegalArgumentException.class,
        () -> SqliteBackup.backup(db, existing)).getMessage();
    assertTrue(m.contains("already exists"), m);
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(existing), "left as it was");
    m = assertThrows(IllegalArgumentException.class,
        () -> SqliteBackup.backup(db, dir.resolve("no/such/dir/b.db"))).getMessage();
    assertTrue(m.contains("does not exist"), m);
    m = assertThrows(IllegalArgumentException.class,
        () -> SqliteBackup.backup(dir.resolve("nothing.db"), dir.resolve("b.db"))).getMessage();
    assertTrue(m.contains("no server database"), m);

    Path other = dir.resolve("other.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE something (x)");
    }
    m = assertThrows(ServerStoreException.class,
        () -> SqliteBackup.backup(other, dir.resolve("b.db"))).getMessage();
    assertTrue(m.contains("not a Tandem server database"), m);
    assertFalse(Files.exists(dir.resolve("b.db")));
    try (Stream<Path> files = Files.list(dir)) {
      assertFalse(files.anyMatch(p -> p.getFileName().toString().contains(".partial-")));
    }
  }
}
