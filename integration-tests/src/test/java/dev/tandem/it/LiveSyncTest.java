package dev.tandem.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Live sync through the WebSocket channel. Every device's sweep is set to an hour, so a change
 * that arrives within seconds arrived because the server said so, not because of a poll.
 */
class LiveSyncTest extends ClusterTest {
  private static final Duration NO_POLLING = Duration.ofHours(1);

  private Tandem liveDevice(String id) {
    return cluster.device(id, b -> b.autoSync(true).sweepInterval(NO_POLLING));
  }

  private static void awaitLive(Tandem... devices) {
    for (Tandem t : devices) {
      await().atMost(Duration.ofSeconds(60))
          .until(() -> t.status().mode() == SyncStatus.Mode.LIVE);
    }
  }

  @Test
  void changeOnA_reachesB_withoutAnyPoll() {
    Tandem a = liveDevice("a");
    Tandem b = liveDevice("b");
    awaitLive(a, b);
    a.records("message").put("m-1", "{\"conversationId\":\"c\",\"content\":\"hi\"}");
    await().atMost(Duration.ofSeconds(60)).until(() -> b.records("message").get("m-1") != null);
    assertEquals("{\"conversationId\":\"c\",\"content\":\"hi\"}",
        b.records("message").get("m-1").json());
  }

  @Test
  void networkCut_clientReconnects_andCatchesUpOnWhatItMissed() throws Exception {
    Tandem a = liveDevice("a");
    try (TcpProxy proxy = new TcpProxy(cluster.uri().getPort())) {
      URI viaProxy = URI.create("http://127.0.0.1:" + proxy.port());
      Tandem b = cluster.device("b", bld -> Tandem.builder()
          .database(dir.resolve("b-proxied.db")).deviceId("b")
          .server(viaProxy, cluster.server().createToken(Cluster.TEAM, "b"), Cluster.TEAM)
          .sweepInterval(NO_POLLING));
      awaitLive(a, b);
      proxy.cut();
      a.records("message").put("during-cut", "{\"n\":1}");
      await().atMost(Duration.ofSeconds(60))
          .until(() -> b.records("message").get("during-cut") != null);
      awaitLive(b);
      a.records("message").put("after-reconnect", "{\"n\":2}");
      await().atMost(Duration.ofSeconds(60))
          .until(() -> b.records("message").get("after-reconnect") != null);
    }
  }

  @Test
  void serverRestart_allDevicesReconnect_andStayInStep() {
    Tandem a = liveDevice("a");
    Tandem b = liveDevice("b");
    Tandem c = liveDevice("c");
    awaitLive(a, b, c);
    cluster.restartServer();
    awaitLive(a, b, c);
    a.records("conversation").put("after-restart", "{\"title\":\"x\"}");
    for (Tandem t : List.of(b, c)) {
      await().atMost(Duration.ofSeconds(60))
          .until(() -> t.records("conversation").get("after-restart") != null);
    }
    assertNotNull(c.records("conversation").get("after-restart"));
  }
}
