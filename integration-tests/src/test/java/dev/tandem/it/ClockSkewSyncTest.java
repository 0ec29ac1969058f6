package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Clock;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.transport.OkHttpTransportProvider;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Devices whose wall clocks are hours wrong, through the real server (PROTOCOL "Clock bounds"):
 * their edits land and everyone converges; a forged far-future clock is refused and cannot win.
 */
class ClockSkewSyncTest extends ClusterTest {
  private static final long HOURS_3 = 3 * 3_600_000L;
  private static final long BOUND = 5 * 60_000L;


  private Tandem device(String id, long skewMillis) {
    Clock skewed = () -> System.currentTimeMillis() + skewMillis;
    return cluster.device(id, skewed, real -> real);
  }

  private Change stored(String id) {
    return cluster.server().store().inTeamTransaction(Cluster.TEAM,
        tx -> tx.current("message", id));
  }

  private static void assertNearServerTime(String hlc) {
    long wall = Hlc.parse(hlc).wallMillis();
    long now = System.currentTimeMillis();
    assertTrue(wall > now - 60_000 && wall <= now + BOUND, hlc + " is not near " + now);
  }

  private static void assertSame(Tandem a, Tandem b, String id) {
    Record ra = a.records("message").get(id);
    Record rb = b.records("message").get(id);
    assertEquals(ra.json(), rb.json(), a.deviceId() + " vs " + b.deviceId());
    assertEquals(ra.hlc(), rb.hlc(), a.deviceId() + " vs " + b.deviceId());
  }

  @Test
  void deviceHoursAhead_isRefusedOnce_reStampsItsEdits_andTheyLand() {
    Tandem ahead = device("ahead", HOURS_3);
    Tandem right = device("right", 0);
    ahead.records("message").put("m-1", "{\"v\":\"ahead 1\"}");
    SyncResult first = ahead.syncNow();
    assertTrue(first.ok(), first.toString());
    assertEquals(1, first.pushed(), "re-stamped and sent again in the same cycle");
    assertEquals(0, ahead.status().pending());
    assertEquals(0, ahead.status().failed());
    long offset = ahead.status().clockOffsetMillis();
    assertTrue(Math.abs(offset + HOURS_3) < 60_000, "offset " + offset);
    assertNearServerTime(stored("m-1").hlc());

    right.syncNow();
    assertEquals("{\"v\":\"ahead 1\"}", right.records("message").get("m-1").json());
    right.records("message").put("m-1", "{\"v\":\"right 2\"}");
    right.syncNow();
    ahead.syncNow();
    assertEquals("{\"v\":\"right 2\"}", ahead.records("message").get("m-1").json(),
        "a later edit elsewhere beats the device that was ahead");
    ahead.records("message").put("m-1", "{\"v\":\"ahead 3\"}");
    SyncResult third = ahead.syncNow();
    assertEquals(1, third.pushed(), third.toString());
    assertTrue(third.conflicts().isEmpty(), third.conflicts().toString());
    assertNearServerTime(stored("m-1").hlc());
    right.syncNow();
    assertEquals("{\"v\":\"ahead 3\"}", right.records("message").get("m-1").json());
    assertSame(ahead, right, "m-1");
  }

  @Test
  void deviceHoursBehind_catchesUp_andItsLaterEditsWin() {
    Tandem behind = device("behind", -HOURS_3);
    Tandem right = device("right", 0);
    right.records("message").put("m-1", "{\"v\":\"right 1\"}");
    right.syncNow();
    assertTrue(behind.syncNow().ok());
    assertEquals("{\"v\":\"right 1\"}", behind.records("message").get("m-1").json());
    assertEquals(0, behind.status().clampedClocks(), "today's clocks are not clamped");
    long offset = behind.status().clockOffsetMillis();
    assertTrue(Math.abs(offset - HOURS_3) < 60_000, "offset " + offset);

    behind.records("message").put("m-1", "{\"v\":\"behind 2\"}");
    behind.records("message").put("m-2", "{\"v\":\"behind new\"}");
    SyncResult r = behind.syncNow();
    assertEquals(2, r.pushed(), r.toString());
    assertTrue(r.conflicts().isEmpty(), r.conflicts().toString());
    assertNearServerTime(stored("m-1").hlc());
    right.syncNow();
    assertEquals("{\"v\":\"behind 2\"}", right.records("message").get("m-1").json(),
        "the later edit of the device that was behind is not lost");
    assertSame(behind, right, "m-1");
    assertSame(behind, right, "m-2");
  }

  @Test
  void forgedFarFutureClock_isRefused_andCannotWinLaterEdits() {
    Tandem right = device("right", 0);
    Tandem other = device("other", 0);
    right.records("message").put("m-1", "{\"v\":\"real 1\"}");
    right.syncNow();
    Transport mallory = new OkHttpTransportProvider().create(cluster.uri(),
        cluster.server().createToken(Cluster.TEAM, "mallory"), Cluster.TEAM, "mallory");
    try {
      String base = stored("m-1").hlc();
      List<Change> forged = new ArrayList<>();
      forged.add(new Change("message", "m-1", Change.UPSERT, "ffffffffffff-ffff-mallory", base,
          "{\"v\":\"forged\"}", 0, null));
      forged.add(new Change("message", "m-2", Change.UPSERT,
          Hlc.of(System.currentTimeMillis(), 0, "right").toString(), null,
          "{\"v\":\"in right's name\"}", 0, null));
      PushResponse r = mallory.push(new PushRequest("b-forged", "mallory", forged));
      assertEquals(2, r.errors().size(), r.errors().toString());
      assertEquals("clock_skew", r.errors().get(0).code());
      assertEquals("invalid_hlc", r.errors().get(1).code());
    } finally {
      mallory.close();
    }
    assertEquals("{\"v\":\"real 1\"}", stored("m-1").data());
    assertEquals(null, stored("m-2"));

    other.syncNow();
    other.records("message").put("m-1", "{\"v\":\"real 2\"}");
    SyncResult later = other.syncNow();
    assertEquals(1, later.pushed(), later.toString());
    assertTrue(later.conflicts().isEmpty(), later.conflicts().toString());
    right.syncNow();
    assertEquals("{\"v\":\"real 2\"}", right.records("message").get("m-1").json());
    assertSame(right, other, "m-1");
    assertEquals(0, right.status().clampedClocks());
  }
}
