package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ProbeTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener contract: callbacks never run while the engine holds its cycle lock, so a listener
 * that blocks, or that calls back into {@code syncNow()}, stalls no sync. The default executor is
 * the engine's own ordered thread; a host's executor, even a direct one, gets events only after the
 * lock is released.
 *
 * <p>Every wait is bounded (60 s): against the old dispatch, which ran listeners inside the pull,
 * these tests fail by timing out instead of hanging the build.
 */
class ListenerDispatchTest {
  private static final long PATIENCE_S = 60;
  private static final Duration PATIENCE = Duration.ofSeconds(PATIENCE_S);

  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();
  private final ExecutorService otherThread = Executors.newSingleThreadExecutor();
  private final CountDownLatch release = new CountDownLatch(1);

  private Tandem device(String deviceId) {
    return open(deviceId, new ProbeTransport(server.transport(deviceId), clock));
  }

  private Tandem open(String deviceId, dev.tandem.sync.spi.Transport transport) {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId(deviceId)
        .transport(transport).clock(clock).autoSync(false).build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    release.countDown();
    opened.forEach(Tandem::close);
    otherThread.shutdownNow();
  }

  /** Runs a sync of {@code t} on another thread and waits for it, boundedly. */
  private SyncResult syncFromAnotherThread(Tandem t) throws Exception {
    return CompletableFuture.supplyAsync(t::syncNow, otherThread).get(PATIENCE_S,
        TimeUnit.SECONDS);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      assertTrue(latch.await(PATIENCE_S, TimeUnit.SECONDS), "timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void blockingListener_stallsNeitherItsOwnSyncNorAnotherThreads() throws Exception {
    Tandem a = device("a");
    Tandem b = device("b");
    List<String> heard = new CopyOnWriteArrayList<>();
    AtomicReference<Thread> deliveredOn = new AtomicReference<>();
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch bothHeard = new CountDownLatch(2);
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        deliveredOn.set(Thread.currentThread());
        heard.add(record.id());
        if (record.id().equals("m-1")) {
          blocked.countDown();
          awaitLatch(release);
        }
        bothHeard.countDown();
      }
    });
    a.records("message").put("m-1", "{}");
    a.syncNow();

    SyncResult first = assertTimeoutPreemptively(PATIENCE, b::syncNow,
        "syncNow waited for a blocked listener");
    assertTrue(first.ok(), first.toString());
    assertEquals(1, first.pulled());
    awaitLatch(blocked);

    a.records("message").put("m-2", "{}");
    a.syncNow();
    SyncResult second = syncFromAnotherThread(b);

    assertTrue(second.ok(), second.toString());
    assertEquals(1, second.pulled());
    assertNotNull(b.records("message").get("m-2"), "the second sync applied its change");
    assertEquals(Arrays.asList("m-1"), heard, "the listener is still blocked on the first event");

    release.countDown();
    awaitLatch(bothHeard);
    assertEquals(Arrays.asList("m-1", "m-2"), heard, "delivered once each, in order");
    assertEquals("Sync Listeners", deliveredOn.get().getName());
    assertTrue(deliveredOn.get().isDaemon(), "must not keep the host's JVM alive");
  }

  @Test
  void listenerCallingSyncNow_neitherDeadlocksNorNestsInsideTheCycle() throws Exception {
    Tandem a = device("a");
    Tandem b = device("b");
    CompletableFuture<SyncResult> nested = new CompletableFuture<>();
    AtomicReference<Thread> deliveredOn = new AtomicReference<>();
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        deliveredOn.set(Thread.currentThread());
        b.records("message").put("reply-to-" + record.id(), "{}");
        try {
          nested.complete(b.syncNow());
        } catch (RuntimeException e) {
          nested.completeExceptionally(e);
        }
      }
    });
    a.records("message").put("m-1", "{}");
    a.syncNow();

    AtomicReference<Thread> caller = new AtomicReference<>();
    SyncResult outer = assertTimeoutPreemptively(PATIENCE, () -> {
      caller.set(Thread.currentThread());
      return b.syncNow();
    });
    SyncResult inner = nested.get(PATIENCE_S, TimeUnit.SECONDS);

    assertTrue(outer.ok(), outer.toString());
    assertTrue(inner.ok(), inner.toString());
    // The page of m-1 is heard as soon as it is committed, while the outer cycle goes on to its
    // push: the reply is written then, so whichever cycle reads the outbox after it sends it.
    assertEquals(1, outer.pushed() + inner.pushed(), "the reply is pushed once: " + outer
        + " / " + inner);
    assertNotNull(server.contents().get("message/reply-to-m-1"));
    assertNotEquals(caller.get(), deliveredOn.get(), "heard on the thread of the sync");
    assertEquals("Sync Listeners", deliveredOn.get().getName());
  }

  @Test
  void directHostExecutor_getsRemoteChanges_onlyAfterTheLockIsReleased() throws Exception {
    Tandem a = device("a");
    Tandem b = device("b");
    List<SyncResult> syncedMeanwhile = new CopyOnWriteArrayList<>();
    AtomicReference<Thread> deliveredOn = new AtomicReference<>();
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        deliveredOn.set(Thread.currentThread());
        try {
          // Under the lock this would wait for the cycle that is calling us: a deadlock.
          syncedMeanwhile.add(syncFromAnotherThread(b));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }, Runnable::run);
    a.records("message").put("m-1", "{}");
    a.syncNow();

    SyncResult r = b.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(1, syncedMeanwhile.size());
    assertTrue(syncedMeanwhile.get(0).ok(), syncedMeanwhile.toString());
    assertSame(Thread.currentThread(), deliveredOn.get(), "a direct executor runs on the caller");
  }

  @Test
  void conflictListener_onADirectExecutor_runsAfterTheLockIsReleased() throws Exception {
    Tandem a = device("a");
    ProbeTransport probe = new ProbeTransport(server.transport("b"), clock);
    Tandem b = open("b", probe);
    List<String> heard = new CopyOnWriteArrayList<>();
    b.addListener(new SyncListener() {
      @Override
      public void onConflict(Conflict conflict) {
        try {
          heard.add(conflict.id() + ":" + syncFromAnotherThread(b).ok());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }, Runnable::run);
    a.records("conversation").put("c", "{\"title\":\"a\"}");
    clock.advance(100);
    b.records("conversation").put("c", "{\"title\":\"b\"}");
    // a's older edit reaches the server between b's pull and b's push: the server decides.
    probe.beforeNextPush(a::syncNow);
    clock.advance(100);

    SyncResult r = b.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(1, r.conflicts().size(), r.toString());
    assertEquals(Arrays.asList("c:true"), heard);
  }

  @Test
  void statusOfAFailedCycle_isPublishedAfterTheLockIsReleased() throws Exception {
    Tandem b = device("b");
    server.setOffline("b", true);
    List<String> heard = new CopyOnWriteArrayList<>();
    b.addListener(new SyncListener() {
      @Override
      public void onStatus(SyncStatus status) {
        try {
          heard.add(status.mode() + ":" + syncFromAnotherThread(b).error());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }, Runnable::run);

    SyncResult r = b.syncNow();

    assertFalse(r.ok());
    assertEquals(Arrays.asList("OFFLINE:connection refused (simulated)"), heard,
        "published once, by the failed cycle, after its lock was released");
  }

  @Test
  void eventsOfACycleThatFailsHalfway_areStillDelivered() {
    Tandem a = device("a");
    ProbeTransport probe = new ProbeTransport(server.transport("b"), clock);
    Tandem b = open("b", probe);
    List<String> heard = new CopyOnWriteArrayList<>();
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        heard.add(record.id());
      }
    }, Runnable::run);
    a.records("message").put("m-1", "{}");
    a.syncNow();
    b.records("message").put("mine", "{}");
    probe.beforeNextPush(() -> server.setOffline("b", true));

    SyncResult r = b.syncNow();

    assertFalse(r.ok(), r.toString());
    assertEquals(1, r.pulled());
    assertEquals(Arrays.asList("m-1"), heard, "the pulled page was committed before the failure");
  }

  @Test
  void defaultListenerThread_endsWithTheEngine_andNothingIsHeardAfterClose() throws Exception {
    Tandem a = device("a");
    Tandem b = device("b");
    AtomicReference<Thread> deliveredOn = new AtomicReference<>();
    List<String> heard = new CopyOnWriteArrayList<>();
    CountDownLatch first = new CountDownLatch(1);
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        deliveredOn.set(Thread.currentThread());
        heard.add(record.id());
        first.countDown();
      }
    });
    a.records("message").put("m-1", "{}");
    a.syncNow();
    b.syncNow();
    awaitLatch(first);
    Thread listenerThread = deliveredOn.get();

    b.close();
    listenerThread.join(TimeUnit.SECONDS.toMillis(PATIENCE_S));

    assertFalse(listenerThread.isAlive(), "the engine's listener thread outlived close()");
    assertEquals(Arrays.asList("m-1"), heard);
  }

  @Test
  void closeFromAListener_returnsWithoutWaitingForItself() throws Exception {
    Tandem a = device("a");
    Tandem b = device("b");
    CompletableFuture<Boolean> interruptedAfterClose = new CompletableFuture<>();
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        b.close();
        interruptedAfterClose.complete(Thread.currentThread().isInterrupted());
      }
    });
    a.records("message").put("m-1", "{}");
    a.syncNow();
    b.syncNow();

    // Waiting for itself would end, after 5 s, in interrupting its own thread.
    assertFalse(interruptedAfterClose.get(PATIENCE_S, TimeUnit.SECONDS));
    assertThrows(ClosedException.class, b::status);
  }

  @Test
  void listenerStillBlockedWhenCloseGivesUp_isInterrupted() throws Exception {
    Tandem a = device("a");
    Tandem b = device("b");
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        blocked.countDown();
        try {
          never.await(PATIENCE_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          interrupted.countDown();
        }
      }
    });
    a.records("message").put("m-1", "{}");
    a.syncNow();
    b.syncNow();
    awaitLatch(blocked);

    b.close();

    awaitLatch(interrupted);
  }

  @Test
  void hostExecutor_isUsedForEveryListener_andNoListenerThreadIsStarted() {
    Tandem a = device("a");
    List<Runnable> queued = new CopyOnWriteArrayList<>();
    Tandem b = Tandem.builder().store(new InMemoryStore(clock)).deviceId("b")
        .transport(server.transport("b")).clock(clock).autoSync(false)
        .listenerExecutor(queued::add).build();
    opened.add(b);
    List<Thread> deliveredOn = new CopyOnWriteArrayList<>();
    b.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        deliveredOn.add(Thread.currentThread());
      }
    });
    a.records("message").put("m-1", "{}");
    a.syncNow();
    b.syncNow();
    assertTrue(deliveredOn.isEmpty(), "nothing runs until the host's executor runs it");

    queued.forEach(Runnable::run);

    assertEquals(Arrays.asList(Thread.currentThread()), deliveredOn);
  }
}
