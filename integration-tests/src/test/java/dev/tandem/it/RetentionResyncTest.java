package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.SyncResult;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real device whose cursor is older than a delete the server purged: the server answers
 * {@code bad_cursor}, the engine pulls from the beginning, and the sync succeeds.
 */
class RetentionResyncTest {
  @TempDir Path dir;

  @Test
  void deviceBehindTheRetentionHorizon_resyncsFromTheBeginning() {
    // The server's clock starts at the real time (devices stamp real clocks, which must not be
    // ahead of the server's) and is moved forward by hand.
    AtomicLong now = new AtomicLong(System.currentTimeMillis());
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir.resolve("server"))
        .clock(now::get).tombstoneRetention(Duration.ofDays(30)).build().start()) {
      try (Tandem laptop = device(server, "laptop"); Tandem desk = device(server, "desk")) {
        laptop.records("message").put("keep", "{\"v\":1}");
        laptop.records("message").put("gone", "{\"v\":2}");
        assertTrue(laptop.syncNow().ok());
        assertEquals(2, desk.syncNow().pulled());

        assertTrue(laptop.records("message").delete("gone"));
        assertTrue(laptop.syncNow().ok());
        now.addAndGet(Duration.ofDays(31).toMillis());
        assertEquals(1, server.runRetention().purgedTombstones());
        laptop.records("message").put("later", "{\"v\":3}");
        assertTrue(laptop.syncNow().ok());

        SyncResult r = desk.syncNow();
        assertTrue(r.ok(), r.toString());
        assertNotNull(desk.records("message").get("later"), "pulled after the reset");
        assertNotNull(desk.records("message").get("keep"));
        // Documented (docs/server.md "Retention"): the purged delete never reaches a device that
        // was behind the horizon, so it keeps that record.
        assertNotNull(desk.records("message").get("gone"));
        assertNull(laptop.records("message").get("gone"));

        // From now on the desk's cursor is past the purge: an ordinary incremental pull.
        laptop.records("message").put("next", "{\"v\":4}");
        assertTrue(laptop.syncNow().ok());
        SyncResult again = desk.syncNow();
        assertTrue(again.ok(), again.toString());
        assertEquals(1, again.pulled());
      }
    }
  }

  private Tandem device(TandemServer server, String id) {
    return Tandem.builder().database(dir.resolve(id + ".db")).deviceId(id)
        .server(server.uri(), server.createToken("team-1", id), "team-1").autoSync(false)
        .build();
  }
}
