package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.DataChange.Source;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Tandem#observe}: one change stream for local writes, remote changes and other processes'
 * writes, delivered after the write committed and never under the engine's lock. Other processes
 * are simulated here by {@link InMemoryStore#simulateExternalWrite()} under virtual time; the real
 * SQLite case, with a second process, is in sync-sqlite's {@code ObserveOtherProcessTest}.
 */
class ObserveTest {
  private static final long WAIT_SECONDS = 60;
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private Tandem open(String device, InMemoryStore store, ManualScheduler scheduler) {
    Tandem.Builder b = Tandem.builder().store(store).deviceId(device)
        .transport(server.transport(device)).clock(clock).autoSync(false);
    if (scheduler != null) {
      b.scheduler(scheduler).observeInterval(Duration.ofMillis(200));
    }
    Tandem t = b.build();
    opened.add(t);
    return t;
  }

  private Tandem open(String device) {
    return open(device, new InMemoryStore(clock), null);
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  @Test
  void localWrites_areReportedWithTheirTypes_afterTheyCommitted() {
    Tandem a = open("a");
    List<DataChange> heard = new CopyOnWriteArrayList<>();
    AtomicReference<Record> seenInCallback = new AtomicReference<>();
    a.observe(change -> {
      heard.add(change);
      seenInCallback.set(a.records("message").get("m-1"));
    }, Runnable::run);

    a.records("message").put("m-1", "{\"conversationId\":\"c-1\"}");
    assertEquals(Collections.singletonList(change(Source.LOCAL, "message")), heard);
    assertNotNull(seenInCallback.get(), "the observer reads what was written: it committed");

    heard.clear();
    a.batch(b -> {
      b.put("conversation", "c-1", "{}");
      b.put("message", "m-2", "{\"conversationId\":\"c-1\"}");
    });
    assertEquals(Collections.singletonList(change(Source.LOCAL, "conversation", "message")),
        heard);

    heard.clear();
    assertTrue(a.records("message").delete("m-2"));
    assertFalse(a.records("message").delete("m-2"));
    assertEquals(Collections.singletonList(change(Source.LOCAL, "message")), heard,
        "a delete that deleted nothing is no change");

    heard.clear();
    a.batch(b -> b.putLocalState("k", "v"));
    assertTrue(heard.isEmpty(), "host state is not record data: " + heard);
  }

  @Test
  void remoteChanges_areReported_onceAPull_onlyWhenSomethingArrived() {
    Tandem a = open("a");
    Tandem b = open("b");
    List<DataChange> heard = new CopyOnWriteArrayList<>();
    a.observe(heard::add, Runnable::run);

    b.records("message").put("m-1", "{}");
    b.records("tool_call").put("t-1", "{}");
    b.syncNow();
    assertTrue(a.syncNow().ok());
    assertEquals(Collections.singletonList(change(Source.REMOTE, "message", "tool_call")), heard);

    heard.clear();
    assertTrue(a.syncNow().ok());
    assertTrue(heard.isEmpty(), "a pull that brought nothing changed nothing: " + heard);
  }

  @Test
  void defaultDelivery_isOnTheListenerThread_notTheWritersThread() throws Exception {
    Tandem a = open("a");
    BlockingQueue<String> threads = new LinkedBlockingQueue<>();
    a.observe(change -> threads.add(Thread.currentThread().getName()));

    a.records("message").put("m-1", "{}");

    String thread = threads.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertEquals("Sync Listeners", thread);
    assertNotEquals(Thread.currentThread().getName(), thread);
  }

  @Test
  void remoteChanges_areDeliveredOffTheEnginesLock_soAnObserverMaySyncAgain() throws Exception {
    Tandem a = open("a");
    Tandem b = open("b");
    List<Boolean> otherThreadSynced = new CopyOnWriteArrayList<>();
    List<Boolean> finishedInTime = new CopyOnWriteArrayList<>();
    // A direct executor runs the callback on the syncing thread: if the engine still held its
    // lock there, the other thread's syncNow() would wait for this callback, which waits for it.
    a.observe(change -> {
      if (change.source() != Source.REMOTE) {
        return;
      }
      Thread other = new Thread(() -> otherThreadSynced.add(a.syncNow().ok()), "other-sync");
      other.start();
      try {
        other.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      finishedInTime.add(!other.isAlive());
    }, Runnable::run);
    b.records("message").put("m-1", "{}");
    b.syncNow();

    assertTrue(a.syncNow().ok());

    assertEquals(Collections.singletonList(true), finishedInTime);
    assertEquals(Collections.singletonList(true), otherThreadSynced);
  }

  @Test
  void writesByAnotherProcess_areFoundByPollingTheDataVersion_whileObserved() {
    ManualScheduler scheduler = new ManualScheduler(clock);
    InMemoryStore store = new InMemoryStore(clock);
    Tandem a = open("a", store, scheduler);
    List<DataChange> heard = new CopyOnWriteArrayList<>();
    int queuedBefore = scheduler.queued();

    ListenerToken token = a.observe(heard::add, Runnable::run);
    assertEquals(queuedBefore + 1, scheduler.queued(), "one poll, only while observed");
    scheduler.advance(200);
    assertTrue(heard.isEmpty(), "nothing changed: " + heard);

    store.simulateExternalWrite();
    scheduler.advance(199);
    assertTrue(heard.isEmpty(), "not before the interval: " + heard);
    scheduler.advance(1);
    assertEquals(Collections.singletonList(new DataChange(Source.EXTERNAL,
        Collections.<String>emptySet())), heard);
    assertTrue(heard.get(0).affects("message"), "unknown types: anything may have changed");
    assertTrue(heard.get(0).affects("conversation"));

    heard.clear();
    a.records("message").put("m-1", "{}");
    scheduler.advance(200);
    assertEquals(Collections.singletonList(change(Source.LOCAL, "message")), heard,
        "an own write is local, not external");

    token.close();
    assertEquals(queuedBefore, scheduler.queued(), "no poll without an observer");
    store.simulateExternalWrite();
    scheduler.advance(1_000);
    assertEquals(1, heard.size());
  }

  @Test
  void aBurstOfWrites_coalescesIntoOneCallback_whileOneIsQueued() {
    Tandem a = open("a");
    List<Runnable> queued = new ArrayList<>();
    List<DataChange> heard = new ArrayList<>();
    a.observe(heard::add, queued::add);

    for (int i = 0; i < 100; i++) {
      a.records("message").put("m-" + i, "{}");
    }
    a.records("conversation").put("c-1", "{}");

    assertEquals(1, queued.size(), "one delivery queued for 101 writes");
    queued.remove(0).run();
    assertEquals(Collections.singletonList(change(Source.LOCAL, "message", "conversation")),
        heard);
    a.records("message").put("m-x", "{}");
    assertEquals(1, queued.size(), "the next change queues the next delivery");
  }

  @Test
  void anObserverThatThrows_doesNotSilenceTheOthers_andAClosedTokenHearsNothing() {
    Tandem a = open("a");
    List<DataChange> heard = new CopyOnWriteArrayList<>();
    List<DataChange> closedOnes = new CopyOnWriteArrayList<>();
    a.observe(change -> {
      throw new IllegalStateException("observer bug");
    }, Runnable::run);
    a.observe(heard::add, Runnable::run);
    ListenerToken t = a.observe(closedOnes::add, Runnable::run);
    t.close();
    t.close();

    a.records("message").put("m-1", "{}");

    assertEquals(1, heard.size());
    assertTrue(closedOnes.isEmpty());
    assertThrows(NullPointerException.class, () -> a.observe(null));
  }

  @Test
  void observeInterval_isBounded() {
    assertThrows(IllegalArgumentException.class,
        () -> Tandem.builder().observeInterval(Duration.ofMillis(9)));
    assertThrows(IllegalArgumentException.class,
        () -> Tandem.builder().observeInterval(Duration.ofMinutes(2)));
  }

  private static DataChange change(Source source, String... types) {
    return new DataChange(source, new LinkedHashSet<>(Arrays.asList(types)));
  }
}
