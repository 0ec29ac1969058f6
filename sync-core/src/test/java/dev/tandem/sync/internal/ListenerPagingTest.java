package dev.tandem.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A long pull with a listener registered holds one page of listener events at a time, not the
 * whole cycle's: the default listener thread hears each page once it is committed, while the
 * pull goes on. Every wait is bounded (60 s); against the old engine, which kept every event
 * until the cycle ended, the second test fails by that bound instead of hanging.
 */
class ListenerPagingTest {
  private static final long PATIENCE_S = 60;

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final FakeSyncServer server = new FakeSyncServer(clock);
  private final List<SyncEngine> engines = new ArrayList<>();

  @AfterEach
  void closeAll() {
    engines.forEach(SyncEngine::close);
  }

  /** Stores {@code count} messages on the server as device "a", 1,000 to a request. */
  private void seed(int count) {
    Transport a = server.transport("a");
    HlcClock hlc = new HlcClock(clock, "a");
    for (int start = 0; start < count; start += 1000) {
      List<Change> changes = new ArrayList<>();
      for (int i = start; i < Math.min(count, start + 1000); i++) {
        changes.add(new Change("message", "m" + i, "upsert", hlc.now().toString(), null,
            "{\"n\":" + i + "}", 0, null));
      }
      PushResponse r = a.push(new PushRequest("seed-" + start, "a", changes));
      assertTrue(r.errors().isEmpty(), () -> "seeding refused: " + r.errors());
    }
  }

  private SyncEngine engineB(Transport transport, int pageSize) {
    SyncEngine engine = new SyncEngine(new InMemoryStore(clock), transport,
        new HlcClock(clock, "b"), clock,
        EngineSettings.builder().autoSync(false).pullPageSize(pageSize).build());
    engines.add(engine);
    return engine;
  }

  @Test
  void pullOf20000Changes_holdsAtMostOnePageOfEvents_andEveryChangeIsHeardOnce()
      throws Exception {
    int total = 20_000;
    int page = 500;
    seed(total);
    SyncEngine b = engineB(server.transport("b"), page);
    Map<String, AtomicInteger> heard = new ConcurrentHashMap<>();
    CountDownLatch all = new CountDownLatch(total);
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record r) {
        heard.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet();
        all.countDown();
      }
    }, null);

    SyncResult result = b.syncNow();

    assertTrue(result.ok(), () -> "sync failed: " + result);
    assertEquals(total, result.pulled());
    assertTrue(all.await(PATIENCE_S, TimeUnit.SECONDS), "not every change was heard");
    assertEquals(total, heard.size());
    for (Map.Entry<String, AtomicInteger> e : heard.entrySet()) {
      assertEquals(1, e.getValue().get(), () -> e.getKey() + " heard more than once");
    }
    int peak = b.listeners().peakEventsHeld();
    assertTrue(peak > 0 && peak <= page, "events held at once: " + peak);
  }

  @Test
  void theListenerHearsTheFirstPage_beforeTheLastPageIsPulled() throws Exception {
    seed(30);
    CountDownLatch firstHeard = new CountDownLatch(1);
    AtomicBoolean heardInTime = new AtomicBoolean();
    AtomicInteger pulls = new AtomicInteger();
    Transport delegate = server.transport("b");
    Transport waitingAfterFirstPage = new Transport() {
      @Override
      public PushResponse push(PushRequest request) {
        return delegate.push(request);
      }

      @Override
      public PullResponse pull(String cursor, int limit) {
        if (pulls.incrementAndGet() == 3) {
          // The first page is committed by now; its events must not wait for the cycle's end.
          try {
            heardInTime.set(firstHeard.await(PATIENCE_S, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return delegate.pull(cursor, limit);
      }

      @Override
      public void health() {
        delegate.health();
      }

      @Override
      public void close() {
        delegate.close();
      }
    };
    SyncEngine b = engineB(waitingAfterFirstPage, 10);
    List<String> order = new ArrayList<>();
    CountDownLatch all = new CountDownLatch(30);
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record r) {
        synchronized (order) {
          order.add(r.id());
        }
        firstHeard.countDown();
        all.countDown();
      }
    }, null);

    SyncResult result = b.syncNow();

    assertTrue(result.ok(), () -> "sync failed: " + result);
    assertTrue(heardInTime.get(), "the first page was heard only after the pull ended");
    assertTrue(all.await(PATIENCE_S, TimeUnit.SECONDS), "not every change was heard");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      expected.add("m" + i);
    }
    synchronized (order) {
      assertEquals(expected, order, "events out of order");
    }
  }

  @Test
  void withoutAListener_aPullHoldsNoEvents() {
    seed(30);
    SyncEngine b = engineB(server.transport("b"), 10);

    SyncResult result = b.syncNow();

    assertTrue(result.ok(), () -> "sync failed: " + result);
    assertEquals(30, result.pulled());
    assertEquals(0, b.listeners().peakEventsHeld(), "events kept for no listener");
  }
}
