package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ManualScheduler;
import dev.tandem.sync.testing.ProbeTransport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The host's hints, {@link Tandem#setNetworkAvailable} and {@link Tandem#setLivePaused}, under
 * virtual time: what the platform says about the network and the foreground decides what the
 * worker may do, and nothing is lost while it waits.
 */
class EngineHostHintsTest {
  private static final long T0 = 1_700_000_000_000L;
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem open(ProbeTransport transport) {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(transport).clock(clock).scheduler(scheduler).build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  @Test
  void networkLost_stopsEveryBackgroundRequest_andItsReturnSyncsAtOnce() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p);
    scheduler.runDue();
    p.fireOpen();
    assertEquals(SyncStatus.Mode.LIVE, a.status().mode());

    a.setNetworkAvailable(false);

    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());
    assertEquals(1, p.liveClosed(), "the live channel is closed with the network");
    a.records("message").put("m-1", "{}");
    scheduler.advance(120_000);
    assertEquals(Arrays.asList(T0), p.healthChecksAt(), "no probing while the OS says offline");
    assertEquals(Arrays.asList(T0), p.pullsAt());
    assertTrue(p.pushes().isEmpty());
    assertEquals(Arrays.asList(T0), p.liveOpensAt(), "no reconnect while offline");
    assertEquals(1, a.status().pending(), "the write waits locally");

    a.setNetworkAvailable(true);
    scheduler.runDue();

    assertEquals(Arrays.asList(T0 + 120_000), p.pushesAt(), "synced at once, not at the sweep");
    assertEquals(0, a.status().pending());
    assertEquals(2, p.liveOpensAt().size(), "the cycle reopens the live channel");
    assertTrue(server.contents().containsKey("message/m-1"));
  }

  @Test
  void syncNow_stillTries_whileTheNetworkIsSaidToBeDown() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open(p);
    a.setNetworkAvailable(false);
    a.records("message").put("m-1", "{}");

    SyncResult r = a.syncNow();

    assertTrue(r.ok(), String.valueOf(r));
    assertEquals(1, p.pushes().size());
  }

  @Test
  void livePaused_closesTheChannel_keepsPolling_andResumeReopensIt() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p);
    scheduler.runDue();
    p.fireOpen();

    a.setLivePaused(true);

    assertEquals(1, p.liveClosed());
    assertEquals(SyncStatus.Mode.POLLING, a.status().mode());
    scheduler.advance(30_000);
    assertEquals(Arrays.asList(T0, T0 + 10_000, T0 + 20_000, T0 + 30_000), p.pullsAt(),
        "the sweep goes on while paused");
    assertEquals(Arrays.asList(T0), p.liveOpensAt(), "no live channel while paused");

    clock.advance(4_000);
    a.setLivePaused(false);
    scheduler.runDue();

    assertEquals(Arrays.asList(T0, T0 + 34_000), p.liveOpensAt(), "reopened at once");
    assertEquals(T0 + 34_000, (long) p.pullsAt().get(p.pullsAt().size() - 1),
        "resuming catches up with a pull");
    p.fireOpen();
    assertEquals(SyncStatus.Mode.LIVE, a.status().mode());
  }

  @Test
  void hintsRepeated_doNothingMore() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p);
    scheduler.runDue();

    a.setNetworkAvailable(true);
    a.setLivePaused(false);
    scheduler.runDue();

    assertEquals(Arrays.asList(T0), p.pullsAt(), "a hint that changes nothing runs no cycle");
    a.setLivePaused(true);
    a.setLivePaused(true);
    assertEquals(1, p.liveClosed());
  }
}
