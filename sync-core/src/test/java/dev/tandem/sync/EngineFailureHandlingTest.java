package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.internal.EngineSettings;
import dev.tandem.sync.internal.SyncEngine;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ManualScheduler;
import dev.tandem.sync.testing.ProbeTransport;
import dev.tandem.sync.testing.TrackingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the engine does with each kind of failure: refusals isolate the bad entry, credential
 * errors wait without counting tries, server errors back off, and nothing is ever lost.
 */
class EngineFailureHandlingTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem open(LocalStore store, Transport transport) {
    Tandem t = Tandem.builder().store(store).deviceId("a").transport(transport).clock(clock)
        .autoSync(false).build();
    opened.add(t);
    return t;
  }

  private ProbeTransport probe() {
    return new ProbeTransport(server.transport("a"), clock);
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  private static boolean contains(dev.tandem.sync.protocol.PushRequest req, String id) {
    for (Change c : req.changes()) {
      if (c.id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  private static List<OutboxEntry> outbox(Tandem t) {
    return ((InMemoryStore) t.store()).outbox();
  }

  @Test
  void batchRefusedAsAWhole_isSplitUntilTheBadEntryIsAlone_andTheRestSyncs() {
    ProbeTransport p = probe().failPushes(req -> contains(req, "poison")
        ? new TransportException(SyncException.Reason.BAD_REQUEST, 400, "invalid_data",
            "batch refused") : null);
    Tandem a = open(new InMemoryStore(clock), p);
    for (String id : new String[] {"m-1", "m-2", "poison", "m-3", "m-4"}) {
      a.records("message").put(id, "{}");
    }

    SyncResult r = a.syncNow();

    assertEquals(4, r.pushed(), r.toString());
    assertEquals(1, r.failed());
    assertEquals(4, server.contents().size());
    assertNull(server.contents().get("message/poison"));
    OutboxEntry parked = outbox(a).get(0);
    assertEquals("poison", parked.entityId());
    assertEquals(OutboxEntry.Status.FAILED, parked.status());
    assertEquals("invalid_data: batch refused", parked.errorMessage());
    assertEquals(1, a.status().failed());
    // All 5, refused; then 2 (sent) and 3, refused; then "poison" alone, refused, and 2 (sent).
    assertEquals(5, p.pushes().size());
  }

  @Test
  void refusalWithoutAnErrorCode_isRecordedWithItsMessage() {
    ProbeTransport p = probe().failPushes(req -> new TransportException(
        SyncException.Reason.PAYLOAD_TOO_LARGE, 413, null, "request too large"));
    Tandem a = open(new InMemoryStore(clock), p);
    a.records("message").put("m", "{}");

    a.syncNow();

    assertEquals("request too large", outbox(a).get(0).errorMessage());
    assertEquals(1, a.status().failed());
  }

  @Test
  void unauthorizedOrForbidden_stopsTheCycle_withoutCountingTries() {
    for (SyncException.Reason reason : new SyncException.Reason[] {
        SyncException.Reason.UNAUTHORIZED, SyncException.Reason.FORBIDDEN}) {
      clock.advance(1_000);
      ProbeTransport p = probe().failPushes(req -> new TransportException(reason, 401,
          "unauthorized", "token revoked"));
      Tandem a = open(new InMemoryStore(clock), p);
      a.records("message").put("m-1", "{}");
      a.records("message").put("m-2", "{}");

      SyncResult r = a.syncNow();

      assertFalse(r.ok(), reason.toString());
      assertEquals("token revoked", r.error());
      assertEquals(1, p.pushes().size(), "no halving: the token is wrong, not the entries");
      for (OutboxEntry e : outbox(a)) {
        assertEquals(OutboxEntry.Status.PENDING, e.status());
        assertEquals(0, e.retryCount(), reason.toString());
        assertEquals(0, e.nextAttemptAt());
      }
      assertEquals(2, a.status().pending());
      assertEquals("token revoked", a.status().lastError());
      p.failPushes(null);
      assertEquals(2, a.syncNow().pushed(), "sent as soon as the credentials work again");
    }
  }

  @Test
  void entryErrorThatMayPass_backsOff_whileAPermanentOneParksTheEntry() {
    ProbeTransport p = probe().answerNextPush(req -> new PushResponse(true,
        Collections.<String, Integer>emptyMap(), Collections.<PushResponse.Conflict>emptyList(),
        java.util.Arrays.asList(
            new PushResponse.EntryError("message", "later", "busy", "try later"),
            new PushResponse.EntryError("message", "never", "invalid_id", "bad")), "0"));
    Tandem a = open(new InMemoryStore(clock), p);
    a.records("message").put("later", "{}");
    a.records("message").put("never", "{}");
    a.records("message").put("fine", "{}");
    long sentAt = clock.millis();

    SyncResult r = a.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(1, r.pushed());
    assertEquals(1, r.failed(), "only the permanent refusal counts as failed");
    OutboxEntry later = outbox(a).get(0);
    assertEquals("later", later.entityId());
    assertEquals(OutboxEntry.Status.PENDING, later.status());
    assertEquals(1, later.retryCount());
    assertEquals("busy: try later", later.errorMessage());
    long delay = later.nextAttemptAt() - sentAt;
    assertTrue(delay >= 24_000 && delay <= 36_000, "" + delay);
    OutboxEntry never = outbox(a).get(1);
    assertEquals(OutboxEntry.Status.FAILED, never.status());
    assertEquals("invalid_id: bad", never.errorMessage());
  }

  @Test
  void tenthServerError_parksTheEntry_andOnlyThatCycleCountsItFailed() {
    Tandem a = open(new InMemoryStore(clock), server.transport("a"));
    a.records("message").put("m", "{}");
    server.failNextPushesWith500(10);
    for (int attempt = 1; attempt <= 10; attempt++) {
      SyncResult r = a.syncNow();
      assertFalse(r.ok());
      assertEquals(attempt == 10 ? 1 : 0, r.failed(), "attempt " + attempt);
      clock.advance(400_000);
    }
    assertEquals(1, a.status().failed());
    assertEquals(0, a.status().pending());
  }

  @Test
  void serverError_keepsTheEngineOnline_sinceTheServerAnswered() {
    Tandem a = open(new InMemoryStore(clock), server.transport("a"));
    assertEquals(SyncStatus.Mode.OFFLINE, a.status().mode(), "nothing reached yet");
    a.syncNow();
    a.records("message").put("m", "{}");
    server.failNextPushesWith500(1);

    SyncResult r = a.syncNow();

    assertFalse(r.ok());
    assertEquals(SyncStatus.Mode.POLLING, a.status().mode());
    assertEquals("simulated server error", a.status().lastError());
  }

  @Test
  void outboxEntryWithoutItsRecord_isParkedAsFailed_andNeverSent() {
    TrackingStore store = new TrackingStore(new InMemoryStore(clock), false);
    ProbeTransport p = probe();
    Tandem a = open(store, p);
    a.records("message").put("lost", "{}");
    a.records("message").put("kept", "{}");
    store.hide("message", "lost");

    SyncResult r = a.syncNow();

    assertEquals(1, r.pushed());
    assertEquals(1, r.failed());
    assertEquals(1, p.pushes().get(0).changes().size());
    assertEquals(1, a.status().failed());
    assertEquals(0, a.status().pending());
  }

  @Test
  void storeThatNeverSettlesEntries_cannotTrapACycle_inEndlessPushes() {
    TrackingStore store = new TrackingStore(new InMemoryStore(clock), false);
    ProbeTransport p = probe();
    Tandem a = Tandem.builder().store(store).deviceId("a").transport(p).clock(clock)
        .autoSync(false).batchSize(2).build();
    opened.add(a);
    for (int i = 0; i < 3; i++) {
      a.records("message").put("m-" + i, "{}");
    }
    store.ignoreMarkSynced();

    assertTrue(a.syncNow().ok());

    // Bounded by pending / batchSize + 2 batches: 3 / 2 + 2.
    assertEquals(3, p.pushes().size());
  }

  @Test
  void failedHealthProbeOfTheSweep_isPublishedAsOffline_withTheReason() {
    ManualScheduler scheduler = new ManualScheduler(clock);
    server.setOffline("a", true);
    Tandem a = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).scheduler(scheduler).live(false)
        .sweepInterval(Duration.ofSeconds(10)).build();
    opened.add(a);
    List<SyncStatus> published = new ArrayList<>();
    a.addListener(new SyncListener() {
      @Override
      public void onStatus(SyncStatus status) {
        published.add(status);
      }
    }, Runnable::run);

    scheduler.runDue();

    assertEquals(1, published.size());
    assertEquals(SyncStatus.Mode.OFFLINE, published.get(0).mode());
    assertEquals("connection refused (simulated)", published.get(0).lastError());
    assertEquals("connection refused (simulated)", a.status().lastError());
  }

  @Test
  void statusIsPublished_onlyWhenItChanged() {
    Tandem a = open(new InMemoryStore(clock), server.transport("a"));
    List<SyncStatus> published = new ArrayList<>();
    a.addListener(new SyncListener() {
      @Override
      public void onStatus(SyncStatus status) {
        published.add(status);
      }
    }, Runnable::run);
    a.syncNow();
    a.syncNow();
    assertEquals(1, published.size());
    a.records("message").put("m", "{}");
    server.setOffline("a", true);
    a.syncNow();
    assertEquals(2, published.size());
    assertEquals(SyncStatus.Mode.OFFLINE, published.get(1).mode());
    assertEquals(1, published.get(1).pending());
  }

  @Test
  void closedEngine_answersSyncAtOnce_fromAnyThread() {
    InMemoryStore store = new InMemoryStore(clock);
    EngineSettings config = EngineSettings.builder().autoSync(false).build();
    SyncEngine engine = new SyncEngine(store, server.transport("a"), new HlcClock(clock, "a"),
        clock, config);
    assertTrue(engine.syncNow().ok());
    engine.close();
    engine.close();

    SyncResult r = assertTimeoutPreemptively(Duration.ofSeconds(60), engine::syncNow);

    assertEquals("closed", r.error());
    assertEquals(0, r.pushed());
  }

  @Test
  void engineWithoutAServer_saysSo_andHasNothingToClose() {
    InMemoryStore store = new InMemoryStore(clock);
    SyncEngine engine = new SyncEngine(store, null, new HlcClock(clock, "a"), clock,
        EngineSettings.defaults());
    engine.start();
    engine.onLocalWrite();
    SyncResult r = engine.syncNow();
    assertEquals("no server configured", r.error());
    assertEquals(SyncStatus.Mode.LOCAL_ONLY, engine.status().mode());
    assertEquals(0, engine.retryFailed());
    engine.close();
  }

  @Test
  void ownedDispatcher_isADaemonThread_thatStopsOnClose() throws Exception {
    Tandem a = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).live(false)
        .sweepInterval(Duration.ofHours(1)).build();
    Thread dispatcher = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (dispatcher == null && System.nanoTime() < deadline) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().equals("Sync Dispatcher") && t.isAlive()) {
          dispatcher = t;
        }
      }
      if (dispatcher == null) {
        Thread.sleep(10);
      }
    }
    assertNotNull(dispatcher, "the first sweep starts the dispatcher thread");
    assertTrue(dispatcher.isDaemon(), "a forgotten Tandem must not keep the JVM alive");

    a.close();
    dispatcher.join(60_000);

    assertFalse(dispatcher.isAlive());
  }
}
