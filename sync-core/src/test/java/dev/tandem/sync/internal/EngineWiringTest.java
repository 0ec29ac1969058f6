package dev.tandem.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.ClosedException;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncException;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ManualScheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the engine wires its rooms: the live channel's frames reach the host's {@link
 * SyncEngine.LiveFrames}, a failure that is not the transport's is reported as such, and a close
 * in the middle of a cycle stops the pull and push loops. Synchronous throughout: {@code
 * syncNow} on the test's thread, a {@link ManualScheduler} for the live channel.
 */
class EngineWiringTest {
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final FakeSyncServer server = new FakeSyncServer(clock);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<SyncEngine> engines = new ArrayList<>();

  @AfterEach
  void closeAll() {
    engines.forEach(SyncEngine::close);
  }

  /** The device's transport, with a hook before each pull and push (by 1-based call number). */
  private static final class Scripted implements Transport {
    final Transport delegate;
    IntFunction<RuntimeException> beforePull = n -> null;
    IntFunction<RuntimeException> beforePush = n -> null;
    /** The answer to push number n instead of the server's, or null to ask the server. */
    BiFunction<Integer, PushRequest, PushResponse> answerPush = (n, r) -> null;
    int pulls;
    int pushes;
    LiveListener live;
    int liveClosed;

    Scripted(Transport delegate) {
      this.delegate = delegate;
    }

    @Override
    public PushResponse push(PushRequest request) {
      RuntimeException e = beforePush.apply(++pushes);
      if (e != null) {
        throw e;
      }
      PushResponse answer = answerPush.apply(pushes, request);
      return answer != null ? answer : delegate.push(request);
    }

    @Override
    public PullResponse pull(String cursor, int limit) {
      RuntimeException e = beforePull.apply(++pulls);
      if (e != null) {
        throw e;
      }
      return delegate.pull(cursor, limit);
    }

    @Override
    public void health() {
      delegate.health();
    }

    @Override
    public LiveConnection openLive(String cursor, LiveListener listener) {
      live = listener;
      return () -> liveClosed++;
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private final InMemoryStore store = new InMemoryStore(clock);

  private SyncEngine engine(Transport transport, EngineSettings settings) {
    SyncEngine e = new SyncEngine(store, transport, new HlcClock(clock, "b"), clock, settings);
    engines.add(e);
    return e;
  }

  /** Stores {@code count} messages on the server as device "a", one request. */
  private void seed(int count) {
    HlcClock hlc = new HlcClock(clock, "a");
    List<Change> changes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      changes.add(new Change("message", "m" + i, "upsert", hlc.now().toString(), null,
          "{\"n\":" + i + "}", 0, null));
    }
    PushResponse r = server.transport("a").push(new PushRequest("seed", "a", changes));
    assertTrue(r.errors().isEmpty(), () -> "seeding refused: " + r.errors());
  }

  @Test
  void liveFrames_hearTheChannelOpen_andItsOtherFrames() {
    Scripted t = new Scripted(server.transport("b"));
    SyncEngine b = engine(t, EngineSettings.builder().scheduler(scheduler).build());
    List<String> heard = new ArrayList<>();
    b.setLiveFrames(new SyncEngine.LiveFrames() {
      @Override
      public void onLiveOpen() {
        heard.add("open");
      }

      @Override
      public void onFrame(String type, String json) {
        heard.add(type + " " + json);
      }
    });
    assertTrue(b.syncNow().ok());
    assertNotNull(t.live, "a good cycle opens the live channel");
    assertFalse(b.isLiveOpen());
    assertFalse(b.liveOpen());

    t.live.onOpen();
    t.live.onFrame("devices", "{\"n\":1}");

    assertEquals(List.of("open", "devices {\"n\":1}"), heard);
    assertTrue(b.isLiveOpen());
    assertTrue(b.liveOpen());
  }

  @Test
  void failureThatIsNotTheTransports_isReportedAsInternal_andTheEngineStaysUsable() {
    Scripted t = new Scripted(server.transport("b"));
    t.beforePull = n -> n == 1 ? new IllegalStateException("store broke") : null;
    SyncEngine b = engine(t, EngineSettings.builder().autoSync(false).build());

    SyncResult r = b.syncNow();

    assertFalse(r.ok());
    assertEquals(SyncException.Reason.INTERNAL, r.downloadError().reason(), String.valueOf(r));
    assertTrue(r.downloadError().getMessage().contains("store broke"), String.valueOf(r));
    assertEquals(SyncException.Reason.INTERNAL, b.status().downloadError().reason());
    assertTrue(b.syncNow().ok(), "the next cycle runs as usual");
  }

  @Test
  void storeClosedUnderACycle_isReportedAsClosed() {
    Scripted t = new Scripted(server.transport("b"));
    t.beforePull = n -> new ClosedException("store");
    SyncEngine b = engine(t, EngineSettings.builder().autoSync(false).build());

    SyncResult r = b.syncNow();

    assertFalse(r.ok());
    assertEquals(SyncException.Reason.CLOSED, r.downloadError().reason(), String.valueOf(r));
  }

  @Test
  void closeDuringAPull_stopsPagingAtThatPage() {
    seed(30);
    Scripted t = new Scripted(server.transport("b"));
    SyncEngine b = engine(t, EngineSettings.builder().autoSync(false).pullPageSize(10).build());
    t.beforePull = n -> {
      if (n == 2) {
        b.close(); // on the cycle's own thread: the lock is re-entrant, close returns at once
      }
      return null;
    };

    SyncResult r = b.syncNow();

    assertEquals(2, t.pulls, "no page is asked for after close");
    assertEquals(20, r.pulled(), String.valueOf(r));
  }

  @Test
  void closeDuringAPush_sendsNoFurtherBatch() {
    Scripted t = new Scripted(server.transport("b"));
    SyncEngine b = engine(t, EngineSettings.builder().autoSync(false).batchSize(1).build());
    HlcClock hlc = new HlcClock(clock, "b");
    for (int i = 0; i < 3; i++) {
      String id = "m" + i;
      store.inTransaction(tx -> {
        tx.writeLocal(Record.of("message", id, hlc.now(), "{}"));
        return null;
      });
    }
    t.beforePush = n -> {
      if (n == 1) {
        b.close();
      }
      return null;
    };

    b.syncNow();

    assertEquals(1, t.pushes, "no batch is sent after close");
  }

  @Test
  void whatTheServerAccepted_isAFloorTheClockNeverComesBackBelow() {
    // Written by an earlier run whose wall clock was one and two minutes ahead of this one's.
    ManualClock ahead = new ManualClock(clock.millis() + 60_000);
    HlcClock earlier = new HlcClock(ahead, "b");
    Record first = Record.of("message", "m1", earlier.now(), "{}");
    ahead.advance(60_000);
    Record newest = Record.of("message", "m2", earlier.now(), "{}");
    store.inTransaction(tx -> {
      tx.writeLocal(first);
      tx.writeLocal(newest);
      return null;
    });
    HlcClock hlc = new HlcClock(clock, "b");
    SyncEngine b = new SyncEngine(store, server.transport("b"), hlc, clock,
        EngineSettings.builder().autoSync(false).build());
    engines.add(b);
    assertFalse(hlc.now().isAfter(first.hlc()), "the fresh clock starts below both");

    SyncResult r = b.syncNow();

    assertEquals(2, r.pushed(), String.valueOf(r));
    assertTrue(hlc.now().isAfter(newest.hlc()), "a later edit must rank after the newest push");
  }

  @Test
  void eventsOfAPushThatFailsHalfway_areStillDelivered() {
    Scripted t = new Scripted(server.transport("b"));
    // The batch of two is refused as a whole; its first half is answered with a conflict the
    // server decided, and the second half meets a server error that ends the cycle.
    t.beforePush = n -> n == 1
        ? new TransportException(SyncException.Reason.BAD_REQUEST, 400, null, "refused whole")
        : n == 3 ? new TransportException(SyncException.Reason.SERVER_ERROR, 503, null, "down")
        : null;
    t.answerPush = (n, request) -> {
      if (n != 2) {
        return null;
      }
      Change c = request.changes().get(0);
      return new PushResponse(true, Collections.emptyMap(), Collections.singletonList(
          new PushResponse.Conflict(c.type(), c.id(), "local_wins", c.hlc())),
          Collections.emptyList(), null);
    };
    SyncEngine b = engine(t, EngineSettings.builder().autoSync(false).build());
    HlcClock hlc = new HlcClock(clock, "b");
    store.inTransaction(tx -> {
      tx.writeLocal(Record.of("message", "x", hlc.now(), "{}"));
      tx.writeLocal(Record.of("message", "y", hlc.now(), "{}"));
      return null;
    });
    List<String> heard = new ArrayList<>();
    b.addListener(new SyncListener() {
      @Override
      public void onConflict(Conflict conflict) {
        heard.add(conflict.id());
      }
    }, Runnable::run);

    SyncResult r = b.syncNow();

    assertEquals(3, t.pushes);
    assertEquals(SyncException.Reason.SERVER_ERROR, r.uploadError().reason(), String.valueOf(r));
    assertEquals(1, r.conflicts().size());
    assertEquals(Collections.singletonList("x"), heard,
        "the conflict recorded before the failure is heard");
  }

  @Test
  void failureAfterCloseBegan_isReportedAsClosed() {
    Scripted t = new Scripted(server.transport("b"));
    SyncEngine b = engine(t, EngineSettings.builder().autoSync(false).build());
    t.beforePull = n -> {
      b.close();
      return new IllegalStateException("the store went away under the cycle");
    };

    SyncResult r = b.syncNow();

    assertEquals(SyncException.Reason.CLOSED, r.downloadError().reason(), String.valueOf(r));
  }

  @Test
  void deleteWhosePushGetsNoAnswer_failsAsANetworkError() {
    Scripted t = new Scripted(server.transport("b"));
    SyncEngine b = engine(t, EngineSettings.builder().autoSync(false).build());
    HlcClock hlc = new HlcClock(clock, "b");
    store.inTransaction(tx -> {
      tx.writeLocal(Record.of("message", "x", hlc.now(), "{}"));
      return null;
    });
    assertTrue(b.syncNow().ok());
    store.inTransaction(tx -> {
      tx.writeLocal(Record.tombstone("message", "x", hlc.now()));
      return null;
    });
    t.beforePush = n -> new TransportException(SyncException.Reason.NETWORK, 0, null, "no route");

    SyncResult r = b.syncNow();

    assertEquals(SyncException.Reason.NETWORK, r.uploadError().reason(), String.valueOf(r));
    assertEquals(1, b.status().pending(), "the delete waits for the next cycle");
  }

  @Test
  void eventsOfEachPushBatch_areHandedOnBeforeTheNextBatch() throws Exception {
    Scripted t = new Scripted(server.transport("b"));
    t.answerPush = (n, request) -> {
      Change c = request.changes().get(0);
      return new PushResponse(true, Collections.emptyMap(), Collections.singletonList(
          new PushResponse.Conflict(c.type(), c.id(), "local_wins", c.hlc())),
          Collections.emptyList(), null);
    };
    SyncEngine b = engine(t, EngineSettings.builder().autoSync(false).batchSize(1).build());
    HlcClock hlc = new HlcClock(clock, "b");
    store.inTransaction(tx -> {
      for (int i = 0; i < 3; i++) {
        tx.writeLocal(Record.of("message", "m" + i, hlc.now(), "{}"));
      }
      return null;
    });
    List<String> heard = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch all = new CountDownLatch(3);
    b.addListener(new SyncListener() {
      @Override
      public void onConflict(Conflict conflict) {
        heard.add(conflict.id());
        all.countDown();
      }
    }, null); // the engine's own listener thread, which gets each batch as soon as it is done

    SyncResult r = b.syncNow();

    assertEquals(3, r.conflicts().size(), String.valueOf(r));
    assertTrue(all.await(60, TimeUnit.SECONDS), "not every conflict was heard: " + heard);
    assertEquals(List.of("m0", "m1", "m2"), heard);
    assertEquals(1, b.listeners().peakEventsHeld(), "one batch's events at a time, not the cycle's");
  }
}
