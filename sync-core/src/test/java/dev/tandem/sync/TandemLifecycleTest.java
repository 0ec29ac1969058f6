package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.testing.ManualScheduler;
import dev.tandem.sync.testing.ProbeTransport;
import dev.tandem.sync.testing.TrackingStore;
import java.net.URI;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Opening, configuring and closing a {@link Tandem}. */
class TandemLifecycleTest {
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final FakeSyncServer server = new FakeSyncServer();

  @Test
  void close_closesTheEngineTransportAndStore_once() {
    TrackingStore store = new TrackingStore(new InMemoryStore(clock), false);
    ProbeTransport transport = new ProbeTransport(server.transport("a"), clock);
    Tandem t = Tandem.builder().store(store).deviceId("a").transport(transport).clock(clock)
        .autoSync(false).build();

    t.close();
    t.close();

    assertTrue(transport.closed(), "the engine closes the transport");
    assertEquals(1, store.closes());
    assertThrows(ClosedException.class, () -> store.state("x"));
  }

  @Test
  void close_closesTheStore_evenWhenTheTransportFailsToClose() {
    TrackingStore store = new TrackingStore(new InMemoryStore(clock), false);
    dev.tandem.sync.spi.Transport failing = server.transport("a");
    dev.tandem.sync.spi.Transport broken = new dev.tandem.sync.spi.Transport() {
      @Override
      public dev.tandem.sync.protocol.PushResponse push(
          dev.tandem.sync.protocol.PushRequest request) {
        return failing.push(request);
      }

      @Override
      public dev.tandem.sync.protocol.PullResponse pull(String cursor, int limit) {
        return failing.pull(cursor, limit);
      }

      @Override
      public void health() {}

      @Override
      public void close() {
        throw new IllegalStateException("socket already gone");
      }
    };
    Tandem t = Tandem.builder().store(store).deviceId("a").transport(broken).clock(clock)
        .autoSync(false).build();

    assertThrows(IllegalStateException.class, t::close);

    assertEquals(1, store.closes());
  }

  @Test
  void everyMethod_afterClose_throwsClosedException() {
    // A store that stays usable after close: the refusal must come from Tandem itself.
    Tandem t = Tandem.builder().store(new TrackingStore(new InMemoryStore(clock), true))
        .deviceId("a").clock(clock).build();
    t.close();
    List<Executable> calls = new ArrayList<>();
    calls.add(t::conversations);
    calls.add(t::messages);
    calls.add(() -> t.records("message"));
    calls.add(t::syncNow);
    calls.add(t::status);
    calls.add(t::retryFailed);
    calls.add(() -> t.addListener(new SyncListener() {}));
    calls.add(() -> t.addListener(new SyncListener() {}, Runnable::run));
    calls.add(() -> t.search("x", 1));
    calls.add(() -> t.batch(b -> {}));
    calls.add(() -> t.localState("k"));
    calls.add(() -> t.conflicts(1));
    calls.add(t::store);
    for (Executable call : calls) {
      assertThrows(ClosedException.class, call);
    }
    assertEquals("a", t.deviceId(), "the id stays readable");
  }

  @Test
  void repositoriesObtainedBeforeClose_refuseWritesAndDeletesAfterIt() {
    Tandem t = Tandem.builder().store(new TrackingStore(new InMemoryStore(clock), true))
        .deviceId("a").clock(clock).build();
    Records messages = t.records("message");
    Conversations conversations = t.conversations();
    messages.put("m", "{}");
    conversations.save(Conversation.builder("c").build());
    t.close();
    assertThrows(ClosedException.class, () -> messages.put("m", "{}"));
    assertThrows(ClosedException.class, () -> messages.delete("m"));
    assertThrows(ClosedException.class, () -> conversations.delete("c"));
    assertThrows(ClosedException.class,
        () -> conversations.setPrivacy("c", Conversation.PRIVACY_SYNC));
  }

  @Test
  void syncNow_fromAnotherThread_afterACycle_isNotBlocked() {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).autoSync(false).build();
    try {
      t.records("message").put("m", "{}");
      assertTrue(t.syncNow().ok());
      t.records("message").put("m2", "{}");
      SyncResult r = assertTimeoutPreemptively(Duration.ofSeconds(60), t::syncNow);
      assertEquals(1, r.pushed());
    } finally {
      t.close();
    }
  }

  @Test
  void writes_wakeTheWorker_butDeletesOfNothingAndEmptyBatchesDoNot() {
    ManualScheduler scheduler = new ManualScheduler(clock);
    ProbeTransport transport = new ProbeTransport(server.transport("a"), clock);
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a").transport(transport)
        .clock(clock).scheduler(scheduler).live(false).build();
    try {
      scheduler.runDue();
      assertEquals(1, scheduler.queued(), "only the sweep");
      assertFalse(t.records("message").delete("never"));
      t.batch(b -> b.putLocalState("k", "v"));
      assertFalse(t.conversations().delete("never"));
      assertEquals(1, scheduler.queued(), "nothing to send, nothing scheduled");

      t.batch(b -> b.put("message", "m", "{}"));
      assertEquals(2, scheduler.queued());
      scheduler.advance(50);
      assertEquals(1, transport.pushes().size());

      t.batch(b -> assertTrue(b.delete("message", "m")));
      assertEquals(2, scheduler.queued(), "a batch of one delete is a write too");
      scheduler.advance(50);
      assertEquals(2, transport.pushes().size());

      t.conversations().save(Conversation.builder("c").build());
      scheduler.advance(50);
      assertTrue(t.conversations().delete("c"));
      scheduler.advance(50);
      assertEquals(4, transport.pushes().size());
      assertTrue(server.contents().get("conversation/c").isDelete());

      t.records("message").put("m2", "{}");
      scheduler.advance(50);
      assertTrue(t.records("message").delete("m2"));
      assertEquals(2, scheduler.queued(), "a delete wakes the worker like a put");
      scheduler.advance(50);
      assertTrue(server.contents().get("message/m2").isDelete());
    } finally {
      t.close();
    }
  }

  @Test
  void switchingAConversationBackToSync_sendsItsMessagesWithoutASyncNow() {
    ManualScheduler scheduler = new ManualScheduler(clock);
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).scheduler(scheduler).live(false).build();
    try {
      scheduler.runDue();
      t.conversations().save(Conversation.builder("c")
          .privacy(Conversation.PRIVACY_LOCAL_ONLY).build());
      t.messages().save(Message.builder("m", "c").role("user").build());
      scheduler.advance(50);
      assertTrue(server.contents().isEmpty());

      t.conversations().setPrivacy("c", Conversation.PRIVACY_SYNC);
      scheduler.advance(50);

      assertNotNull(server.contents().get("message/m"));
      assertNotNull(server.contents().get("conversation/c"));
    } finally {
      t.close();
    }
  }

  @Test
  void listenerExecutor_runsEveryCallback_andTheTokenRemovesTheListener() {
    Tandem a = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).autoSync(false).build();
    List<Runnable> queued = new ArrayList<>();
    Executor later = queued::add;
    Tandem b = Tandem.builder().store(new InMemoryStore(clock)).deviceId("b")
        .transport(server.transport("b")).clock(clock).autoSync(false).listenerExecutor(later)
        .build();
    try {
      List<Record> heard = new ArrayList<>();
      List<Record> heardDirectly = new ArrayList<>();
      ListenerToken direct = b.addListener(new SyncListener() {
        @Override
        public void onRemoteChange(Record record) {
          heardDirectly.add(record);
        }
      }, Runnable::run);
      ListenerToken token = b.addListener(new SyncListener() {
        @Override
        public void onRemoteChange(Record record) {
          heard.add(record);
        }
      });
      a.records("message").put("m-1", "{}");
      a.syncNow();
      b.syncNow();
      assertTrue(heard.isEmpty(), "callbacks go through the listener executor");
      assertEquals(1, heardDirectly.size(), "an executor given to addListener wins");
      direct.close();
      queued.forEach(Runnable::run);
      queued.clear();
      assertEquals(1, heard.size());

      token.close();
      token.close();
      a.records("message").put("m-2", "{}");
      a.syncNow();
      b.syncNow();
      queued.forEach(Runnable::run);
      assertEquals(1, heard.size(), "a removed listener hears nothing");
      assertEquals(1, heardDirectly.size());
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void aThrowingListenerOrRejectingExecutor_doesNotStopSyncOrOtherListeners() {
    Tandem a = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).autoSync(false).build();
    Tandem b = Tandem.builder().store(new InMemoryStore(clock)).deviceId("b")
        .transport(server.transport("b")).clock(clock).autoSync(false).build();
    try {
      List<Record> heard = new ArrayList<>();
      b.addListener(new SyncListener() {
        @Override
        public void onRemoteChange(Record record) {
          throw new IllegalStateException("host bug");
        }
      });
      b.addListener(new SyncListener() {}, r -> {
        throw new java.util.concurrent.RejectedExecutionException("full");
      });
      b.addListener(new SyncListener() {
        @Override
        public void onRemoteChange(Record record) {
          heard.add(record);
        }
      }, Runnable::run);
      a.records("message").put("m", "{}");
      a.syncNow();

      SyncResult r = b.syncNow();

      assertTrue(r.ok(), r.toString());
      assertEquals(1, heard.size());
      assertThrows(NullPointerException.class, () -> b.addListener(new SyncListener() {}, null));
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void lastSyncTime_isRememberedAcrossARestart() {
    InMemoryStore disk = new InMemoryStore(clock);
    Tandem first = Tandem.builder().store(new TrackingStore(disk, true)).deviceId("a")
        .transport(server.transport("a")).clock(clock).autoSync(false).build();
    first.syncNow();
    long syncedAt = clock.millis();
    first.close();
    clock.advance(60_000);

    Tandem again = Tandem.builder().store(new TrackingStore(disk, true)).deviceId("a")
        .transport(server.transport("a")).clock(clock).autoSync(false).build();
    try {
      assertEquals(syncedAt, again.status().lastSyncAt());
    } finally {
      again.close();
    }
  }

  @Test
  void builder_singleValuedSettings_failWhenSetTwice() {
    ConflictResolver r = (base, local, remote) -> ConflictResolver.Resolution.remote(
        java.util.Collections.<Conflict>emptyList());
    List<Executable> twice = new ArrayList<>();
    twice.add(() -> Tandem.builder().store(new InMemoryStore(clock)).store(new InMemoryStore(clock)));
    twice.add(() -> Tandem.builder().database(Paths.get("a.db")).database(Paths.get("b.db")));
    twice.add(() -> Tandem.builder().store(new InMemoryStore(clock)).database(Paths.get("a.db")));
    twice.add(() -> Tandem.builder().database(Paths.get("a.db")).store(new InMemoryStore(clock)));
    twice.add(() -> Tandem.builder().transport(server.transport("a"))
        .transport(server.transport("a")));
    twice.add(() -> Tandem.builder().server(URI.create("http://127.0.0.1:1"), "t", "team")
        .transport(server.transport("a")));
    twice.add(() -> Tandem.builder().transport(server.transport("a"))
        .server(URI.create("http://127.0.0.1:1"), "t", "team"));
    twice.add(() -> Tandem.builder().conflictResolver(r).conflictResolver(r));
    twice.add(() -> Tandem.builder().conflictResolver("note", r).conflictResolver("note", r));
    twice.add(() -> Tandem.builder().redactor((ty, id, j) -> j).redactor((ty, id, j) -> j));
    twice.add(() -> Tandem.builder().syncFilter(x -> true).syncFilter(x -> true));
    twice.add(() -> Tandem.builder().scheduler(new ManualScheduler(clock))
        .scheduler(new ManualScheduler(clock)));
    twice.add(() -> Tandem.builder().listenerExecutor(Runnable::run)
        .listenerExecutor(Runnable::run));
    for (Executable e : twice) {
      IllegalStateException ex = assertThrows(IllegalStateException.class, e);
      assertTrue(ex.getMessage().contains("already set"), ex.getMessage());
    }
    Tandem.builder().conflictResolver("note", r).conflictResolver("task", r);
  }

  @Test
  void builder_numericSettings_acceptTheirWholeRange_andRefuseOutside() {
    Tandem.Builder b = Tandem.builder();
    assertEquals(b, b.synchronousFull(true).synchronousFull(false).autoSync(true).live(true));
    b.batchSize(1).batchSize(1000).pullPageSize(1).pullPageSize(5000).maxRecordBytes(1)
        .sweepInterval(Duration.ofMillis(1)).flushDelay(Duration.ZERO);
    assertThrows(IllegalArgumentException.class, () -> b.batchSize(0));
    assertThrows(IllegalArgumentException.class, () -> b.batchSize(1001));
    assertThrows(IllegalArgumentException.class, () -> b.pullPageSize(0));
    assertThrows(IllegalArgumentException.class, () -> b.pullPageSize(5001));
    assertThrows(IllegalArgumentException.class, () -> b.maxRecordBytes(0));
    assertThrows(IllegalArgumentException.class, () -> b.sweepInterval(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.sweepInterval(Duration.ofMillis(-1)));
    assertThrows(NullPointerException.class, () -> b.sweepInterval(null));
    assertThrows(NullPointerException.class, () -> b.flushDelay(null));
    assertThrows(NullPointerException.class, () -> b.clock(null));
    assertThrows(IllegalArgumentException.class, () -> b.registerType("Bad"));
    assertThrows(IllegalArgumentException.class, () -> b.conflictResolver("Bad", null));
  }

  @Test
  void builder_withoutAStoreProviderOrTransportProvider_saysWhichArtifactIsMissing() {
    IllegalStateException noStore = assertThrows(IllegalStateException.class,
        () -> Tandem.builder().database(Paths.get("x.db")).build());
    assertTrue(noStore.getMessage().contains("tandem-sync-sqlite"), noStore.getMessage());
    TrackingStore store = new TrackingStore(new InMemoryStore(clock), false);
    IllegalStateException noTransport = assertThrows(IllegalStateException.class,
        () -> Tandem.builder().store(store).deviceId("a")
            .server(URI.create("http://127.0.0.1:1"), "t", "team").build());
    assertTrue(noTransport.getMessage().contains("tandem-sync-transport"),
        noTransport.getMessage());
    assertEquals(0, store.closes(), "a store the host passed in stays the host's");
  }

  @Test
  void deviceId_givenToTheBuilder_isUsed_andAGeneratedOneIsKeptAcrossOpens() {
    InMemoryStore disk = new InMemoryStore(clock);
    String generated;
    try (Tandem t = Tandem.builder().store(new TrackingStore(disk, true)).build()) {
      generated = t.deviceId();
      assertTrue(generated.matches("dev-[0-9a-f]{12}"), generated);
    }
    try (Tandem t = Tandem.builder().store(new TrackingStore(disk, true)).build()) {
      assertEquals(generated, t.deviceId());
    }
    StringBuilder highNibbles = new StringBuilder();
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < 3; i++) {
      try (Tandem t = Tandem.builder().store(new InMemoryStore(clock)).build()) {
        ids.add(t.deviceId());
        for (int k = 4; k < 16; k += 2) {
          highNibbles.append(t.deviceId().charAt(k));
        }
      }
    }
    assertEquals(3, ids.size(), "every new device gets its own random id");
    assertFalse(highNibbles.toString().matches("0+"), "every hex digit is random");
    try (Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("laptop").build()) {
      assertEquals("laptop", t.deviceId());
      assertEquals("laptop", t.records("message").put("m", "{}").hlc().deviceId());
    }
    assertThrows(IllegalArgumentException.class, () -> Tandem.builder().deviceId("bad id"));
  }

  @Test
  void conflictsAndSearch_checkTheirArguments() {
    try (Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a").build()) {
      assertThrows(IllegalArgumentException.class, () -> t.conflicts(0));
      assertTrue(t.conflicts(1).isEmpty());
      assertThrows(IllegalArgumentException.class, () -> t.search("  ", 5));
      assertThrows(NullPointerException.class, () -> t.search(null, 5));
      assertThrows(IllegalArgumentException.class, () -> t.search("x", 0));
      // The in-memory store has no full-text index: reaching it proves the arguments passed.
      assertThrows(UnsupportedOperationException.class, () -> t.search("x", 1));
      assertThrows(NullPointerException.class, () -> t.batch(null));
    }
  }

  @Test
  void hostRedactor_replacesTheBuiltInOne_forOutgoingDataOnly() {
    String key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789";
    try (Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).autoSync(false)
        .redactor((type, id, json) -> json.replace("hunter2", "*******")).build()) {
      t.records("message").put("m", "{\"t\":\"hunter2 " + key + "\"}");
      t.syncNow();
      String sent = server.contents().get("message/m").data();
      assertEquals("{\"t\":\"******* " + key + "\"}", sent);
      assertTrue(t.records("message").get("m").json().contains("hunter2"));
    }
  }
}
