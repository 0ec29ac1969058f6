package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Clock;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.protocol.Change;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A device never downloads its own pushes again, its cursor reaches the team's sequence after a
 * sync, and other devices' changes interleaved with its own still arrive.
 */
class OwnEchoesSyncTest extends ClusterTest {
  private static void putMany(Tandem t, String prefix, int n) {
    t.batch(b -> {
      for (int i = 0; i < n; i++) {
        b.put("message", prefix + i, "{\"i\":" + i + "}");
      }
    });
  }

  @Test
  void ownPushesAreNotDownloaded_andInterleavedChangesOfOthersArrive() {
    HookedTransport[] wire = new HookedTransport[1];
    // batchSize set: a backlog would otherwise go in one batch of up to 1,000.
    Tandem a = cluster.device("a", Clock.SYSTEM, real -> wire[0] = new HookedTransport(real),
        builder -> builder.batchSize(100));
    Tandem b = cluster.device("b");
    putMany(a, "a1-", 250);
    assertEquals(250, a.syncNow().pushed());
    b.records("message").put("b-1", "{\"from\":\"b\"}");
    b.syncNow();
    putMany(a, "a2-", 250);
    a.records("message").put("b-1", "{\"from\":\"a, after b\"}");
    b.records("message").put("b-2", "{\"from\":\"b\"}");
    // a sends 251 changes in three batches; b's change reaches the server after a's pull, between
    // a's first and second batch, so a's next pull starts among its own changes.
    int secondBatch = wire[0].pushes.get() + 2;
    wire[0].beforePush = n -> {
      if (n == secondBatch) {
        assertTrue(b.syncNow().ok());
      }
    };
    SyncResult r = a.syncNow();
    assertTrue(r.ok(), r.toString());
    assertEquals(251, r.pushed());
    long teamSeq = cluster.server().store().currentSeq(Cluster.TEAM);
    assertEquals(Long.toString(teamSeq), a.status().cursor(), "cursor at the end after a sync");
    assertEquals("{\"from\":\"b\"}", a.records("message").get("b-2").json());
    for (Change c : wire[0].received) {
      assertEquals("b", c.deviceId(), "a downloaded its own change " + c);
    }
    List<String> ids = wire[0].received.stream().map(Change::id).toList();
    assertEquals(List.of("b-1", "b-2"), ids);
    Change b2 = wire[0].received.get(1);
    assertTrue(b2.seq() > 252 && b2.seq() < teamSeq, "b-2 was stored among a's batches: " + b2);

    SyncResult again = a.syncNow();
    assertEquals(0, again.pulled());
    assertEquals(2, wire[0].received.size(), "nothing more came down");
    b.syncNow();
    assertEquals(502, b.store().list("message", null, 10_000).size());
    assertEquals("{\"from\":\"a, after b\"}", b.records("message").get("b-1").json());
  }
}
