package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;

import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ManualScheduler;
import dev.tandem.sync.testing.ProbeTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
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
    return open(transport, Tandem.builder());
  }

  private Tandem open(Transport transport, Tandem.Builder b) {
    Tandem t = b.store(new InMemoryStore(clock)).deviceId("a")
        .transport(transport).clock(clock).scheduler(scheduler).build();
    opened.add(t);
    return t;
  }

  /**
   * The probe, with {@code duringOpen} run once inside the first {@code openLive}: the host's
   * hint arrives while the channel is being opened.
   */
  private static Transport hintWhileOpening(ProbeTransport p, AtomicReference<Runnable> duringOpen) {
    return new Transport() {
      @Override
      public PushResponse push(PushRequest request) {
        return p.push(request);
      }

      @Override
      public PullResponse pull(String cursor, int limit) {
        return p.pull(cursor, limit);
      }

      @Override
      public void health() {
        p.health();
      }

      @Override
      public LiveConnection openLive(String cursor, LiveListener listener) {
        Runnable hint = duringOpen.getAndSet(null);
        if (hint != null) {
          hint.run();
        }
        return p.openLive(cursor, listener);
      }

      @Override
      public void close() {
        p.close();
      }
    };
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
    assertEquals(SyncStatus.Mode.POLLING, a.status().mode(),
        "a manual cycle that got through proves the server is there");
  }

  /** Records every status mode published, on the calling thread. */
  private static List<SyncStatus.Mode> modesHeardBy(Tandem a) {
    List<SyncStatus.Mode> modes = new ArrayList<>();
    a.addListener(new SyncListener() {
      @Override
      public void onStatus(SyncStatus status) {
        modes.add(status.mode());
      }
    }, Runnable::run);
    return modes;
  }

  @Test
  void networkLost_isPublishedToListeners() {
    assertEquals(SyncStatus.Mode.OFFLINE, modeAfter(a -> a.setNetworkAvailable(false)));
  }

  @Test
  void livePaused_isPublishedToListeners() {
    assertEquals(SyncStatus.Mode.POLLING, modeAfter(a -> a.setLivePaused(true)));
  }

  /** Opens a live device, applies {@code hint} to it and returns the last mode its listener heard. */
  private SyncStatus.Mode modeAfter(java.util.function.Consumer<Tandem> hint) {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p);
    List<SyncStatus.Mode> modes = modesHeardBy(a);
    scheduler.runDue();
    p.fireOpen();
    scheduler.runDue();
    assertEquals(SyncStatus.Mode.LIVE, modes.get(modes.size() - 1));

    hint.accept(a);
    scheduler.runDue();
    return modes.get(modes.size() - 1);
  }

  @Test
  void channelDroppingAfterClose_schedulesNoReconnect() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p);
    scheduler.runDue();
    p.fireOpen();
    a.close();
    int queued = scheduler.queued();

    p.fireClosed();

    assertEquals(queued, scheduler.queued(), "nothing scheduled for a closed engine");
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

  @Test
  void pausedWhileTheChannelIsOpening_closesItAtOnce() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    AtomicReference<Runnable> hint = new AtomicReference<>();
    AtomicReference<Tandem> ref = new AtomicReference<>();
    hint.set(() -> ref.get().setLivePaused(true));
    Tandem a = open(hintWhileOpening(p, hint), Tandem.builder());
    ref.set(a);

    scheduler.runDue();

    assertEquals(1, p.liveOpensAt().size());
    assertEquals(1, p.liveClosed(), "the channel the pause overtook is closed");
    assertEquals(SyncStatus.Mode.POLLING, a.status().mode());
  }

  @Test
  void networkLostWhileTheChannelIsOpening_closesItAtOnce() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    AtomicReference<Runnable> hint = new AtomicReference<>();
    AtomicReference<Tandem> ref = new AtomicReference<>();
    hint.set(() -> ref.get().setNetworkAvailable(false));
    Tandem a = open(hintWhileOpening(p, hint), Tandem.builder());
    ref.set(a);

    scheduler.runDue();

    assertEquals(1, p.liveClosed(), "the channel the lost network overtook is closed");
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());
  }

  @Test
  void reconnectDueWhilePaused_doesNothing_theSweepAloneGoesOn() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p, Tandem.builder().sweepInterval(Duration.ofMinutes(10)));
    scheduler.runDue();
    p.fireOpen();
    p.fireClosed(); // a reconnect is due in 1 to 2 s

    a.setLivePaused(true);
    scheduler.advance(60_000);

    assertEquals(Arrays.asList(T0), p.pullsAt(), "no cycle for the reconnect while paused");
    assertEquals(Arrays.asList(T0), p.liveOpensAt());
  }

  @Test
  void reconnectDueAfterTheNetworkWentAway_probesNothing() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p, Tandem.builder().sweepInterval(Duration.ofMinutes(10)));
    scheduler.runDue();
    p.fireOpen();
    p.fireClosed(); // a reconnect is due in 1 to 2 s

    a.setNetworkAvailable(false);
    scheduler.advance(60_000);

    assertEquals(Arrays.asList(T0), p.healthChecksAt(), "no health probe without a network");
    assertEquals(Arrays.asList(T0), p.pullsAt());
  }

  @Test
  void resumeWithoutAutoSync_runsNoCycle() {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p, Tandem.builder().autoSync(false));
    a.setLivePaused(true);

    a.setLivePaused(false);
    scheduler.advance(60_000);

    assertTrue(p.pullsAt().isEmpty(), "only syncNow syncs without auto sync");
    assertTrue(p.liveOpensAt().isEmpty());
  }

  @Test
  void resumingAfterFailedReconnects_startsAgainFromTheShortestDelay() {
    assertReconnectDelayIsShortAfter(a -> {
      a.setLivePaused(true);
      scheduler.advance(120_000); // the pending reconnect comes due and finds the engine paused
      server.setOffline("a", false);
      a.setLivePaused(false);
    });
  }

  @Test
  void networkBackAfterFailedReconnects_startsAgainFromTheShortestDelay() {
    assertReconnectDelayIsShortAfter(a -> {
      a.setNetworkAvailable(false);
      scheduler.advance(120_000);
      server.setOffline("a", false);
      a.setNetworkAvailable(true);
    });
  }

  /**
   * Lets three reconnects fail (the next delay would be 8 to 16 s), then runs {@code comeBack},
   * which must bring the channel back; its next drop is retried within 2 s.
   */
  private void assertReconnectDelayIsShortAfter(java.util.function.Consumer<Tandem> comeBack) {
    ProbeTransport p = new ProbeTransport(server.transport("a"), clock).withLive();
    Tandem a = open(p, Tandem.builder().sweepInterval(Duration.ofHours(1)));
    scheduler.runDue();
    p.fireOpen();
    server.setOffline("a", true);
    p.fireClosed();
    for (int i = 0; i < 3; i++) {
      assertTrue(scheduler.advanceToNext(), "a reconnect is waiting");
    }
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());

    comeBack.accept(a);
    scheduler.runDue();
    assertEquals(2, p.liveOpensAt().size(), "coming back reopens the channel");
    assertNotEquals(SyncStatus.Mode.OFFLINE, a.status().mode());

    long droppedAt = clock.millis();
    p.fireClosed(); // dropped before it ever opened: no reset from an open channel
    scheduler.advance(2_000);

    assertEquals(3, p.liveOpensAt().size(), "the next reconnect waits 1 to 2 s, not longer");
    assertFalse(p.liveOpensAt().get(2) - droppedAt > 2_000);
  }
}
