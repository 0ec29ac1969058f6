package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Random operations on three replicas with random offline periods, lost responses and sync
 * order: after everyone is back online and has synced, every replica holds the same records and
 * tombstones, with the same clocks, as the server (a tombstone of a record that never reached the
 * server stays on its device only).
 */
class ConvergenceProperties {
  @Property(tries = 60)
  void replicasConverge_afterQuiescence(@ForAll long seed) {
    Random rnd = new Random(seed);
    FakeSyncServer server = new FakeSyncServer();
    ManualClock clock = new ManualClock(1_700_000_000_000L);
    String[] names = {"a", "b", "c"};
    List<Tandem> devices = new ArrayList<>();
    try {
      for (String n : names) {
        // Each device gets its own skewed wall clock: HLCs must not depend on agreement.
        long skew = rnd.nextInt(2000) - 1000;
        Clock deviceClock = () -> clock.millis() + skew;
        devices.add(Tandem.builder().store(new InMemoryStore(deviceClock)).deviceId(n)
            .transport(server.transport(n)).clock(deviceClock).autoSync(false)
            .batchSize(1 + rnd.nextInt(5)).pullPageSize(1 + rnd.nextInt(7)).build());
      }
      String[] ids = {"r1", "r2", "r3", "r4"};
      int steps = 20 + rnd.nextInt(60);
      for (int i = 0; i < steps; i++) {
        int d = rnd.nextInt(devices.size());
        Tandem t = devices.get(d);
        clock.advance(rnd.nextInt(50));
        switch (rnd.nextInt(6)) {
          case 0:
          case 1:
            t.records("conversation").put(ids[rnd.nextInt(ids.length)],
                "{\"v\":" + rnd.nextInt(1000) + ",\"by\":\"" + names[d] + "\"}");
            break;
          case 2:
            t.records("conversation").delete(ids[rnd.nextInt(ids.length)]);
            break;
          case 3:
            server.setOffline(names[d], rnd.nextBoolean());
            break;
          case 4:
            if (rnd.nextInt(4) == 0) {
              server.loseNextResponse(names[d]);
            }
            t.syncNow();
            break;
          default:
            t.syncNow();
        }
      }
      for (String n : names) {
        server.setOffline(n, false);
      }
      for (int round = 0; round < 3; round++) {
        for (Tandem t : devices) {
          t.syncNow();
        }
      }
      Map<String, Record> first = shared(devices.get(0), server);
      for (Tandem t : devices) {
        assertEquals(0, t.status().pending(), "seed " + seed);
        assertEquals(first, shared(t, server), "seed " + seed);
      }
      assertEquals(first.keySet(), server.contents().keySet(), "seed " + seed);
      for (Map.Entry<String, Record> e : first.entrySet()) {
        assertEquals(e.getValue().hlc().toString(), server.contents().get(e.getKey()).hlc(),
            "seed " + seed);
      }
    } finally {
      devices.forEach(Tandem::close);
    }
  }

  /**
   * A replica's records without the tombstones of records that never reached the server: a
   * record created and deleted between two syncs of one device is never sent, so only that
   * device keeps its tombstone, which is the same as not having the record.
   */
  private static Map<String, Record> shared(Tandem t, FakeSyncServer server) {
    Map<String, Record> records = new TreeMap<>(((InMemoryStore) t.store()).snapshot());
    Map<String, Change> held = server.contents();
    records.entrySet().removeIf(e -> e.getValue().deleted() && !held.containsKey(e.getKey()));
    return records;
  }
}
