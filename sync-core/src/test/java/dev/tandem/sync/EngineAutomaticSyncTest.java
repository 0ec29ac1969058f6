package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ManualScheduler;
import dev.tandem.sync.testing.ProbeTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The background worker under virtual time: a {@link ManualScheduler} and a {@link ManualClock}
 * stand in for the dispatcher thread and the wall clock, so every delay is checked exactly and
 * nothing waits for real time.
 */
class EngineAutomaticSyncTest {
  private static final long T0 = 1_700_000_000_000L;
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem.Builder builder(String deviceId, ProbeTransport transport) {
    return Tandem.builder().store(new InMemoryStore(clock)).deviceId(deviceId).transport(transport)
        .clock(clock).scheduler(scheduler);
  }

  private Tandem open(Tandem.Builder b) {
    Tandem t = b.build();
    opened.add(t);
    return t;
  }

  private ProbeTransport probe(String deviceId) {
    return new ProbeTransport(server.transport(deviceId), clock);
  }

  /** A second device that syncs by hand, to put changes on the server. */
  private Tandem other(String deviceId) {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId(deviceId)
        .transport(server.transport(deviceId)).clock(clock).autoSync(false).build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  @Test
  void firstSweep_runsAtStart_andBringsTheEngineOnline() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).live(false));
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());
    assertTrue(p.pullsAt().isEmpty());

    scheduler.runDue();

    assertEquals(Arrays.asList(T0), p.healthChecksAt());
    assertEquals(Arrays.asList(T0), p.pullsAt());
    assertEquals(SyncStatus.Mode.POLLING, a.status().mode());
    assertEquals(T0, a.status().lastSyncAt());
  }

  @Test
  void writeWhileOnline_isPushedAfterTheFlushDelay_andCoalescedWithWritesMadeMeanwhile() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).live(false).flushDelay(Duration.ofMillis(50)));
    scheduler.runDue();
    a.records("message").put("m-1", "{}");
    scheduler.advance(20);
    a.records("message").put("m-2", "{}");
    scheduler.advance(29);
    assertTrue(p.pushes().isEmpty(), "pushed before the flush delay");

    scheduler.advance(1);

    assertEquals(Arrays.asList(T0 + 50), p.pushesAt());
    assertEquals(2, p.pushes().get(0).changes().size());
    assertEquals(0, a.status().pending());
    assertNotNull(server.contents().get("message/m-2"));
  }

  @Test
  void writeWhileOffline_waitsForTheSweep_thatFindsTheServerBack() {
    ProbeTransport p = probe("a");
    server.setOffline("a", true);
    Tandem a = open(builder("a", p).live(false));
    scheduler.runDue();
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());
    a.records("message").put("m", "{}");
    scheduler.advance(5_000);
    assertTrue(p.pushes().isEmpty(), "an offline engine does not try every write");
    server.setOffline("a", false);

    scheduler.advance(5_000);

    assertEquals(Arrays.asList(T0 + 10_000), p.pushesAt());
    assertEquals(0, a.status().pending());
    assertEquals(SyncStatus.Mode.POLLING, a.status().mode());
    assertEquals(0, ((InMemoryStore) a.store()).outbox().size());
  }

  @Test
  void writeMadeWhileAPushIsInFlight_isSentByAFollowUpCycle() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).live(false));
    scheduler.runDue();
    a.records("message").put("first", "{}");
    p.beforeNextPush(() -> a.records("message").put("second", "{}"));

    scheduler.advance(50);

    assertEquals(Arrays.asList(T0 + 50, T0 + 50), p.pushesAt());
    assertEquals("first", p.pushes().get(0).changes().get(0).id());
    assertEquals("second", p.pushes().get(1).changes().get(0).id());
    assertEquals(0, a.status().pending());
    scheduler.advance(50);
    assertEquals(2, p.pushesAt().size(), "the follow-up already sent it");
  }

  @Test
  void sweep_runsEveryInterval_andPullsWhatOthersPushed() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).live(false).sweepInterval(Duration.ofSeconds(10)));
    Tandem b = other("b");
    scheduler.runDue();
    b.records("message").put("from-b", "{}");
    b.syncNow();
    scheduler.advance(9_999);
    assertNull(a.records("message").get("from-b"));

    scheduler.advance(1);
    assertNotNull(a.records("message").get("from-b"));

    scheduler.advance(40_000);
    assertEquals(Arrays.asList(T0, T0 + 10_000, T0 + 20_000, T0 + 30_000, T0 + 40_000,
        T0 + 50_000), p.pullsAt());
  }

  @Test
  void sweep_whileOffline_onlyProbesHealth_untilTheServerAnswers() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).live(false));
    scheduler.runDue();
    server.setOffline("a", true);
    scheduler.advance(10_000);
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());
    int pulls = p.pullsAt().size();

    scheduler.advance(20_000);
    assertEquals(pulls, p.pullsAt().size(), "no pulls while the health probe fails");
    assertEquals(Arrays.asList(T0, T0 + 20_000, T0 + 30_000), p.healthChecksAt());

    server.setOffline("a", false);
    scheduler.advance(10_000);
    assertEquals(SyncStatus.Mode.POLLING, a.status().mode());
    assertEquals(pulls + 1, p.pullsAt().size());
    assertNull(a.status().lastError());
  }

  @Test
  void serverErrors_underAutomaticSync_retryAfter30_60_120_300sWithJitter_andNeverSooner() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).live(false));
    scheduler.runDue();
    server.failNextPushesWith500(5);
    a.records("message").put("m", "{}");
    scheduler.advance(50);
    long[] bases = {30_000, 60_000, 120_000, 300_000, 300_000};
    for (int attempt = 1; attempt <= bases.length; attempt++) {
      List<Long> pushes = p.pushesAt();
      assertEquals(attempt, pushes.size());
      long failedAt = pushes.get(attempt - 1);
      OutboxEntry e = ((InMemoryStore) a.store()).outbox().get(0);
      assertEquals(attempt, e.retryCount());
      long delay = e.nextAttemptAt() - failedAt;
      long base = bases[attempt - 1];
      assertTrue(delay >= base * 8 / 10 && delay <= base * 12 / 10, attempt + ": " + delay);
      // The sweep keeps running every 10 s but sends nothing before the entry is due.
      scheduler.advance(e.nextAttemptAt() - clock.millis() - 1);
      assertEquals(attempt, p.pushesAt().size(), "retried before its backoff ran out");
      scheduler.advance(10_000);
      long retriedAt = p.pushesAt().get(attempt);
      assertTrue(retriedAt >= e.nextAttemptAt() && retriedAt < e.nextAttemptAt() + 10_000,
          attempt + ": retried at +" + (retriedAt - failedAt));
    }
    assertEquals(0, a.status().pending(), "the sixth try succeeded");
    assertNotNull(server.contents().get("message/m"));
  }

  @Test
  void liveNotice_triggersAPullAtOnce_withoutWaitingForTheSweep() {
    ProbeTransport p = probe("a").withLive();
    Tandem a = open(builder("a", p).sweepInterval(Duration.ofMinutes(10)));
    Tandem b = other("b");
    scheduler.runDue();
    assertTrue(p.liveOpen(), "the first successful cycle opens the live channel");
    p.fireOpen();
    assertEquals(SyncStatus.Mode.LIVE, a.status().mode());
    b.records("message").put("from-b", "{}");
    b.syncNow();

    p.fireChanges("1");
    scheduler.runDue();

    assertNotNull(a.records("message").get("from-b"));
    assertEquals(Arrays.asList(T0, T0), p.pullsAt());
    assertEquals("1", a.status().cursor());
  }

  @Test
  void liveStatus_isPublishedToListenersWhenTheChannelOpensAndCloses() {
    ProbeTransport p = probe("a").withLive();
    Tandem a = open(builder("a", p).sweepInterval(Duration.ofMinutes(10)));
    List<SyncStatus.Mode> modes = new ArrayList<>();
    a.addListener(new SyncListener() {
      @Override
      public void onStatus(SyncStatus status) {
        modes.add(status.mode());
      }
    }, Runnable::run);
    scheduler.runDue();
    assertEquals(Arrays.asList(SyncStatus.Mode.POLLING), modes);

    p.fireOpen();
    scheduler.runDue();
    assertEquals(Arrays.asList(SyncStatus.Mode.POLLING, SyncStatus.Mode.LIVE), modes);

    p.fireClosed();
    scheduler.runDue();
    assertEquals(Arrays.asList(SyncStatus.Mode.POLLING, SyncStatus.Mode.LIVE,
        SyncStatus.Mode.POLLING), modes);
  }

  @Test
  void droppedLiveChannel_isReopenedAfterAJitteredDelay() {
    ProbeTransport p = probe("a").withLive();
    Tandem a = open(builder("a", p).sweepInterval(Duration.ofMinutes(10)));
    scheduler.runDue();
    p.fireOpen();
    p.fireClosed();
    assertEquals(SyncStatus.Mode.POLLING, a.status().mode());
    assertFalse(p.liveOpen());

    scheduler.advance(999);
    assertEquals(1, p.liveOpensAt().size(), "reconnected sooner than the shortest delay");
    scheduler.advance(1_001);

    assertEquals(2, p.liveOpensAt().size());
    long reopenedAfter = p.liveOpensAt().get(1) - T0;
    assertTrue(reopenedAfter >= 1_000 && reopenedAfter <= 2_000, "" + reopenedAfter);
    assertTrue(p.liveOpen());
    p.fireOpen();
    assertEquals(SyncStatus.Mode.LIVE, a.status().mode());
  }

  @Test
  void reconnect_whileTheServerIsDown_backsOffDoublingUpTo30s_andResetsOnceOpen() {
    ProbeTransport p = probe("a").withLive();
    Tandem a = open(builder("a", p).sweepInterval(Duration.ofHours(1)));
    scheduler.runDue();
    p.fireOpen();
    server.setOffline("a", true);
    p.fireClosed();
    long closedAt = clock.millis();
    scheduler.runDue();

    // The first try is a full cycle: its failed pull takes the engine offline.
    scheduler.advanceToNext();
    assertEquals(2, p.pullsAt().size());
    long firstTry = p.pullsAt().get(1) - closedAt;
    assertTrue(firstTry >= 1_000 && firstTry <= 2_000, "" + firstTry);
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode());

    // Then each try probes health, after half to all of 4, 8, 16, 30, 30 s.
    long[] bases = {4_000, 8_000, 16_000, 30_000, 30_000};
    long previous = p.pullsAt().get(1);
    for (int i = 0; i < bases.length; i++) {
      int before = p.healthChecksAt().size();
      scheduler.advanceToNext();
      assertEquals(before + 1, p.healthChecksAt().size(), "try " + (i + 2));
      long at = p.healthChecksAt().get(before);
      long gap = at - previous;
      assertTrue(gap >= bases[i] / 2 && gap <= bases[i], "gap before try " + (i + 2) + ": " + gap);
      previous = at;
    }
    assertEquals(2, p.pullsAt().size(), "no pulls while the server is down");
    assertTrue(clock.millis() < T0 + 3_600_000, "the sweep did not run meanwhile");

    server.setOffline("a", false);
    scheduler.advanceToNext();
    assertEquals(2, p.liveOpensAt().size(), "the try that finds the server reopens the channel");
    assertEquals(3, p.pullsAt().size());
    p.fireOpen();
    assertEquals(SyncStatus.Mode.LIVE, a.status().mode());
    long reopenedAt = clock.millis();
    p.fireClosed();
    scheduler.advance(2_000);
    assertEquals(3, p.liveOpensAt().size(), "after a good open the delay starts small again");
    assertTrue(p.liveOpensAt().get(2) - reopenedAt <= 2_000);
  }

  @Test
  void liveChannelThatCannotOpen_leavesTheSweepPolling_andIsTriedAgainEachCycle() {
    ProbeTransport p = probe("a").failOpenLive(new IllegalStateException("no websocket"));
    Tandem a = open(builder("a", p).sweepInterval(Duration.ofSeconds(10)));

    scheduler.runDue();
    scheduler.advance(20_000);

    assertEquals(SyncStatus.Mode.POLLING, a.status().mode());
    assertEquals(Arrays.asList(T0, T0 + 10_000, T0 + 20_000), p.liveOpensAt());
    assertNull(a.status().lastError());
  }

  @Test
  void liveDisabled_neverOpensTheChannel() {
    ProbeTransport p = probe("a").withLive();
    open(builder("a", p).live(false));

    scheduler.runDue();
    scheduler.advance(30_000);

    assertTrue(p.liveOpensAt().isEmpty());
  }

  @Test
  void retryFailed_underAutomaticSync_sendsAtOnce() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).live(false));
    scheduler.runDue();
    server.rejectId("m");
    a.records("message").put("m", "{}");
    scheduler.advance(50);
    assertEquals(1, a.status().failed());
    server.acceptId("m");

    assertEquals(1, a.retryFailed());
    scheduler.runDue();

    assertEquals(2, p.pushesAt().size());
    assertEquals(T0 + 50, (long) p.pushesAt().get(1));
    assertEquals(0, a.status().failed());
    assertEquals(0, a.status().pending());
  }

  @Test
  void retryFailed_withNothingFailed_schedulesNothing() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).live(false));
    scheduler.runDue();
    int queued = scheduler.queued();

    assertEquals(0, a.retryFailed());

    assertEquals(queued, scheduler.queued());
  }

  @Test
  void close_cancelsTheSweep_closesTheLiveChannelAndTheTransport() {
    ProbeTransport p = probe("a").withLive();
    Tandem a = open(builder("a", p));
    scheduler.runDue();
    assertTrue(p.liveOpen());
    assertEquals(1, scheduler.queued());

    a.close();

    assertEquals(0, scheduler.queued());
    assertEquals(1, p.liveClosed());
    assertTrue(p.closed());
    assertFalse(scheduler.isShutdown(), "a host's scheduler is the host's to shut down");
    int runs = scheduler.runs();
    scheduler.advance(60_000);
    assertEquals(runs, scheduler.runs());
  }

  @Test
  void autoSyncOff_schedulesNothing_andWritesWaitForSyncNow() {
    ProbeTransport p = probe("a");
    Tandem a = open(builder("a", p).autoSync(false));
    a.syncNow();
    a.records("message").put("m", "{}");

    scheduler.advance(60_000);

    assertEquals(0, scheduler.runs());
    assertEquals(1, a.status().pending());
    assertTrue(p.pushes().isEmpty());
  }
}
