package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Record;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.conflict.LastWriteWins;
import dev.tandem.sync.spi.ConflictResolver;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Both last-write-wins resolvers through the real engine and server, with clocks set by hand. */
class LastWriteWinsSyncTest extends ClusterTest {
  /** Near the server's own clock, which refuses clocks far ahead of it. */
  final long t0 = System.currentTimeMillis() - 60_000;
  final AtomicLong wallA = new AtomicLong(t0);
  final AtomicLong wallB = new AtomicLong(t0);
  final AtomicLong wallC = new AtomicLong(t0);

  private Tandem device(String id, AtomicLong wall, ConflictResolver resolver) {
    return cluster.device(id, wall::get, t -> t,
        b -> b.registerType("note").conflictResolver(resolver));
  }

  @Test
  void byHlc_theLaterOfTwoDeletions_beatsAnEditMadeBetweenThem() {
    Tandem a = device("a", wallA, LastWriteWins.byHlc());
    Tandem b = device("b", wallB, LastWriteWins.byHlc());
    Tandem c = device("c", wallC, LastWriteWins.byHlc());
    a.records("note").put("n", "{\"v\":0}");
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());
    assertTrue(c.syncNow().ok());

    wallB.set(t0 + 3_000);
    b.records("note").delete("n");
    assertTrue(b.syncNow().ok());
    wallC.set(t0 + 4_000);
    c.records("note").put("n", "{\"v\":\"c, between the deletions\"}");
    wallA.set(t0 + 5_000);
    assertTrue(a.records("note").delete("n"));
    // a meets b's deletion while its own, later one is pending: the later one must survive.
    assertTrue(a.syncNow().ok());
    assertTrue(c.syncNow().ok());
    for (int round = 0; round < 2; round++) {
      for (Tandem t : new Tandem[] {a, b, c}) {
        assertTrue(t.syncNow().ok());
      }
    }

    for (Tandem t : new Tandem[] {a, b, c}) {
      assertNull(t.records("note").get("n"), t.deviceId() + " keeps the latest deletion");
      assertEquals("a", t.store().get("note", "n").current().hlc().deviceId());
      assertEquals(0, t.status().pending());
    }
  }

  @Test
  void byServerArrival_thePendingEditWins_everywhere_thoughItsClockIsOlder() {
    Tandem a = device("a", wallA, LastWriteWins.byServerArrival());
    Tandem b = device("b", wallB, LastWriteWins.byServerArrival());
    a.records("note").put("n", "{\"v\":0}");
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());

    wallA.set(t0 + 1_000);
    Record older = a.records("note").put("n", "{\"v\":\"a, earlier clock, arrives last\"}");
    wallB.set(t0 + 2_000);
    Record newer = b.records("note").put("n", "{\"v\":\"b, later clock, arrives first\"}");
    assertTrue(newer.hlc().isAfter(older.hlc()));
    assertTrue(b.syncNow().ok());
    // a pulls b's version with its own pending: by arrival a's wins, so a must stamp it anew
    // or the server, which ranks by clock, keeps b's and the two devices disagree for ever.
    assertTrue(a.syncNow().ok());
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());

    for (Tandem t : new Tandem[] {a, b}) {
      Record r = t.store().get("note", "n").current();
      assertEquals("{\"v\":\"a, earlier clock, arrives last\"}", r.json(), t.deviceId());
      assertTrue(r.hlc().isAfter(newer.hlc()), "re-stamped past the version it beat");
      assertEquals(0, t.status().pending());
    }
    assertEquals(a.store().get("note", "n").current(), b.store().get("note", "n").current());
  }
}
