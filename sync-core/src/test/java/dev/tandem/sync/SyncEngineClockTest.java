package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import org.junit.jupiter.api.Test;

/** The engine's side of clock bounds and own echoes, against the in-memory server. */
class SyncEngineClockTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(System.currentTimeMillis());

  private Tandem device(String id, InMemoryStore store) {
    return Tandem.builder().store(store).deviceId(id).transport(server.transport(id))
        .clock(clock).autoSync(false).build();
  }

  @Test
  void changesStampedUnderAnotherDeviceId_areStampedAgainAsThisDevice() {
    InMemoryStore store = new InMemoryStore(clock);
    // Written before the host chose this device id (e.g. a database imported into first).
    Hlc before = Hlc.of(clock.millis(), 0, "generated-1");
    store.inTransaction(tx -> {
      tx.writeLocal(Record.of("message", "m-1", before, "{\"v\":1}"));
      return null;
    });
    try (Tandem t = device("laptop", store)) {
      SyncResult r = t.syncNow();
      assertEquals(1, r.pushed(), r.toString());
      Change stored = server.contents().get("message/m-1");
      Hlc sent = Hlc.parse(stored.hlc());
      assertEquals("laptop", sent.deviceId());
      assertTrue(sent.wallMillis() >= before.wallMillis(), sent + " vs " + before);
      assertEquals("{\"v\":1}", stored.data());
      assertEquals(sent, t.store().get("message", "m-1").current().hlc());
      assertEquals(0, t.status().pending());
    }
  }

  @Test
  void afterASync_theCursorIsPastOwnPushes_andOthersInterleavedChangesArrive() {
    try (Tandem a = device("a", new InMemoryStore(clock));
        Tandem b = device("b", new InMemoryStore(clock))) {
      a.records("message").put("a-1", "{}");
      a.syncNow();
      b.records("message").put("b-1", "{}");
      b.syncNow();
      a.records("message").put("a-2", "{}");
      SyncResult r = a.syncNow();
      assertEquals(1, r.pushed());
      assertEquals(1, r.pulled(), "b's change, not a's own");
      assertEquals(Long.toString(server.changes().size()), a.status().cursor());
      assertEquals(0, a.syncNow().pulled());
    }
  }

  @Test
  void pull_teachesTheDeviceTheServersTime_andLaterWritesUseIt() {
    ManualClock serverClock = new ManualClock(1_750_000_000_000L);
    FakeSyncServer timed = new FakeSyncServer(serverClock);
    long threeHours = 3 * 3_600_000L;
    Clock behind = () -> serverClock.millis() - threeHours;
    try (Tandem t = Tandem.builder().store(new InMemoryStore(behind)).deviceId("behind")
        .transport(timed.transport("behind")).clock(behind).autoSync(false).build()) {
      assertEquals(0, t.status().clockOffsetMillis());
      assertTrue(t.syncNow().ok());
      assertEquals(threeHours, t.status().clockOffsetMillis());
      assertTrue(t.status().toString().contains("clockOffset=" + threeHours + "ms"));
      Record r = t.records("message").put("m-1", "{}");
      assertEquals(serverClock.millis(), r.hlc().wallMillis());
    }
  }
}
