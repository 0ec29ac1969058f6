package dev.tandem.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.LiveHub;
import dev.tandem.sync.server.ServerStore;
import dev.tandem.sync.server.SqliteServerStore;
import dev.tandem.sync.server.TandemServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server nodes share one store; a hub fans each node's notices out to both, as PostgreSQL's
 * LISTEN/NOTIFY will. A device live on node 2 hears about a write pushed to node 1 without
 * polling.
 */
class MultiNodeLiveTest {
  @TempDir Path dir;

  /** Delivers every notice to every node's local hub. */
  static final class FanOut implements LiveHub {
    final List<LiveHub> nodes = new CopyOnWriteArrayList<>();

    @Override
    public void notify(String teamId, long seq) {
      for (LiveHub node : nodes) {
        node.notify(teamId, seq);
      }
    }
  }

  @Test
  void noticeFromAnotherNode_reachesThisNodesConnections() {
    ServerStore shared = SqliteServerStore.open(dir.resolve("server"));
    FanOut fanOut = new FanOut();
    try (TandemServer node1 = TandemServer.builder().port(0).store(shared).liveHub(fanOut).build();
        TandemServer node2 = TandemServer.builder().port(0).store(shared).liveHub(fanOut)
            .build()) {
      node1.start();
      node2.start();
      fanOut.nodes.add(node1.localLiveHub());
      fanOut.nodes.add(node2.localLiveHub());
      try (Tandem writer = Tandem.builder().database(dir.resolve("a.db")).deviceId("a")
              .server(node1.uri(), node1.createToken("team", "a"), "team").autoSync(false)
              .build();
          Tandem reader = Tandem.builder().database(dir.resolve("b.db")).deviceId("b")
              .server(node2.uri(), node2.createToken("team", "b"), "team")
              .sweepInterval(Duration.ofHours(1)).build()) {
        await().atMost(Duration.ofSeconds(60))
            .until(() -> reader.status().mode() == SyncStatus.Mode.LIVE);
        writer.records("message").put("m", "{\"via\":\"node1\"}");
        writer.syncNow();
        await().atMost(Duration.ofSeconds(60))
            .until(() -> reader.records("message").get("m") != null);
        assertEquals("{\"via\":\"node1\"}", reader.records("message").get("m").json());
      }
    }
  }
}
