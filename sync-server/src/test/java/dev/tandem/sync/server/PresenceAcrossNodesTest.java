package dev.tandem.sync.server;

import static dev.tandem.sync.server.CommandRelayTest.online;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.server.ServerTestSupport.Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /devices} answers {@code online} for a device connected to another node: two servers
 * with stores of their own on one SQLite file stand for two nodes on one database.
 */
class PresenceAcrossNodesTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final AtomicLong now = new AtomicLong(CommandRelayTest.T0);
  private final List<CommandRelayTest.Live> open = new ArrayList<>();
  private TandemServer nodeA;
  private TandemServer nodeB;

  private TandemServer node() {
    // The sweep (which renews presence) runs only when the test asks, on the test's clock.
    return TandemServer.builder().port(0).store(SqliteServerStore.open(dir, now::get))
        .clock(now::get).commandSweepInterval(Duration.ofHours(1)).build().start();
  }

  @BeforeEach
  void start() {
    nodeA = node();
    nodeB = node();
  }

  @AfterEach
  void stop() {
    for (CommandRelayTest.Live l : open) {
      l.ws.abort();
    }
    nodeB.close();
    nodeA.close();
  }

  @Test
  void deviceLiveOnNodeA_isOnlineOnNodeB_untilItLeaves() throws Exception {
    Device desk = Device.create(nodeA, "team-1", "desk");
    Device phoneOnB = Device.create(nodeB, "team-1", "phone");
    assertFalse(online(phoneOnB, "desk"));
    CommandRelayTest.Live ws = CommandRelayTest.connect(desk, open);
    await().atMost(PATIENCE).until(() -> online(phoneOnB, "desk"));
    ws.ws.sendClose(1000, "bye").join();
    await().atMost(PATIENCE).until(() -> !online(phoneOnB, "desk"));
  }

  @Test
  void nodeThatStopsRenewing_hasItsDevicesOfflineElsewhere_afterThirtySeconds() throws Exception {
    Device desk = Device.create(nodeA, "team-1", "desk");
    Device phoneOnB = Device.create(nodeB, "team-1", "phone");
    CommandRelayTest.connect(desk, open);
    await().atMost(PATIENCE).until(() -> online(phoneOnB, "desk"));
    now.addAndGet(CommandRelay.PRESENCE_STALE_MILLIS - 1);
    assertTrue(online(phoneOnB, "desk"), "fresh for 30 s");
    now.addAndGet(2);
    // Node A has not renewed (as if it had died): stale, so offline on node B.
    assertFalse(online(phoneOnB, "desk"));
    nodeA.sweepCommands();
    assertTrue(online(phoneOnB, "desk"), "renewed by node A's sweep");
    // On node A itself, its own connection decides.
    assertTrue(online(new Device(nodeA, "team-1", "phone", phoneOnB.token()), "desk"));
  }
}
