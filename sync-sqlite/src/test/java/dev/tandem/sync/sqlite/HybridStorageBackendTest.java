package dev.tandem.sync.sqlite;

import static dev.tandem.sync.sqlite.TestStores.conversation;
import static dev.tandem.sync.sqlite.TestStores.hlc;
import static dev.tandem.sync.sqlite.TestStores.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.OutboxEntry.Status;
import dev.tandem.sync.testing.ManualClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HybridStorageBackendTest {
  @TempDir Path dir;
  ManualClock clock = new ManualClock(TestStores.START);
  HybridStorageBackend store;

  @BeforeEach
  void open() {
    store = HybridStorageBackend.open(TestStores.config(dir.resolve("t.db"), clock, "note"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void write(Record... records) {
    store.inTransaction(tx -> {
      for (Record r : records) {
        tx.writeLocal(r);
      }
      return null;
    });
  }

  private void applyRemote(Record r) {
    store.inTransaction(tx -> {
      tx.applyRemote(r);
      return null;
    });
  }

  private List<OutboxEntry> due() {
    return store.duePending(Long.MAX_VALUE, 1000);
  }

  @Test
  void open_setsWalMode() {
    assertEquals("wal", store.query("PRAGMA journal_mode").get(0).get("journal_mode"));
  }

  @Test
  void writeLocal_storesRecordAndOneOutboxEntry() {
    Record c = conversation("c-1", "Hello", 5);
    write(c);
    LocalRecord got = store.get("conversation", "c-1");
    assertEquals(c, got.current());
    assertNull(got.base());
    List<OutboxEntry> due = due();
    assertEquals(1, due.size());
    assertEquals("c-1", due.get(0).entityId());
    assertEquals("upsert", due.get(0).action());
    assertEquals(c.hlc(), due.get(0).hlc());
    assertEquals(1, store.countOutbox(Status.PENDING));
  }

  @Test
  void writeLocal_repeated_coalescesIntoOneEntryWithLatestVersion() {
    write(conversation("c-1", "one", 1));
    write(conversation("c-1", "two", 2));
    Record last = conversation("c-1", "three", 3);
    write(last);
    List<OutboxEntry> due = due();
    assertEquals(1, due.size());
    assertEquals(last.hlc(), due.get(0).hlc());
    assertEquals(last, store.get("conversation", "c-1").current());
  }

  @Test
  void writeLocal_tombstone_isReturnedByGetAndQueuedAsDelete() {
    write(conversation("c-1", "one", 1));
    Record tomb = Record.tombstone("conversation", "c-1", hlc());
    write(tomb);
    LocalRecord got = store.get("conversation", "c-1");
    assertTrue(got.current().deleted());
    assertEquals(tomb, got.current());
    assertEquals("delete", due().get(0).action());
    assertTrue(store.list("conversation", null, 10).isEmpty());
  }

  @Test
  void markSynced_deletesEntryAndMakesSentVersionTheBase() {
    Record c = conversation("c-1", "one", 1);
    write(c);
    store.markSynced(due());
    assertEquals(0, store.countOutbox(Status.PENDING));
    LocalRecord got = store.get("conversation", "c-1");
    assertEquals(c, got.base());
    Record c2 = conversation("c-1", "two", 2);
    write(c2);
    got = store.get("conversation", "c-1");
    assertEquals(c2, got.current());
    assertEquals(c, got.base(), "base survives a local edit");
  }

  @Test
  void markSynced_afterNewerChangeCoalesced_leavesEntryPending() {
    write(conversation("c-1", "one", 1));
    List<OutboxEntry> sent = due();
    Record newer = conversation("c-1", "two", 2);
    write(newer);
    store.markSynced(sent);
    List<OutboxEntry> due = due();
    assertEquals(1, due.size());
    assertEquals(newer.hlc(), due.get(0).hlc());
    assertNull(store.get("conversation", "c-1").base());
  }

  @Test
  void markFailed_schedulesRetryOrParks_andNewWriteRevivesFailedEntry() {
    write(conversation("c-1", "one", 1));
    OutboxEntry e = due().get(0);
    long now = clock.millis();
    store.markFailed(e, "boom", now + 30_000, false);
    assertTrue(store.duePending(now, 10).isEmpty());
    assertTrue(store.duePending(now + 29_999, 10).isEmpty());
    OutboxEntry retried = store.duePending(now + 30_000, 10).get(0);
    assertEquals(1, retried.retryCount());
    assertEquals("boom", retried.errorMessage());

    store.markFailed(retried, "fatal", now, true);
    assertEquals(1, store.countOutbox(Status.FAILED));
    assertTrue(store.duePending(Long.MAX_VALUE, 10).isEmpty());
    Record c2 = conversation("c-1", "two", 2);
    write(c2);
    assertEquals(0, store.countOutbox(Status.FAILED));
    OutboxEntry revived = store.duePending(clock.millis(), 10).get(0);
    assertEquals(0, revived.retryCount());
    assertEquals(Status.PENDING, revived.status());
    assertEquals(c2.hlc(), revived.hlc());
  }

  @Test
  void failedEntries_listsParkedEntriesOldestFirst_withTheirError_upToTheLimit() {
    write(conversation("c-1", "one", 1), conversation("c-2", "two", 1),
        conversation("c-3", "three", 1));
    List<OutboxEntry> due = due();
    store.markFailed(due.get(0), "invalid_data: first", 0, true);
    store.markFailed(due.get(1), "retry later", clock.millis() + 30_000, false);
    store.markFailed(due.get(2), "record_too_large: third", 0, true);

    List<OutboxEntry> failed = store.failedEntries(10);
    assertEquals(2, failed.size(), "the one waiting for its retry is not parked");
    assertEquals("c-1", failed.get(0).entityId());
    assertEquals("invalid_data: first", failed.get(0).errorMessage());
    assertEquals(Status.FAILED, failed.get(0).status());
    assertEquals("c-3", failed.get(1).entityId());
    assertEquals(1, store.failedEntries(1).size());
    assertThrows(IllegalArgumentException.class, () -> store.failedEntries(0));
  }

  @Test
  void retryFailed_movesEveryFailedEntryBackToPending() {
    write(conversation("c-1", "one", 1), conversation("c-2", "two", 1));
    for (OutboxEntry e : due()) {
      store.markFailed(e, "x", 0, true);
    }
    assertEquals(2, store.countOutbox(Status.FAILED));
    assertEquals(2, store.retryFailed(clock.millis()));
    assertEquals(2, store.duePending(clock.millis(), 10).size());
  }

  @Test
  void duePending_returnsOldestFirstAndHonoursLimit() {
    write(conversation("c-3", "a", 1));
    write(conversation("c-1", "b", 1));
    write(conversation("c-2", "c", 1));
    List<String> ids = store.duePending(clock.millis(), 2).stream().map(OutboxEntry::entityId)
        .collect(Collectors.toList());
    assertEquals(Arrays.asList("c-3", "c-1"), ids);
  }

  @Test
  void applyRemote_writesCurrentAndBase_andDropsUnsyncedEntry() {
    write(conversation("c-1", "local", 1));
    Record remote = conversation("c-1", "remote", 2);
    applyRemote(remote);
    LocalRecord got = store.get("conversation", "c-1");
    assertEquals(remote, got.current());
    assertEquals(remote, got.base());
    assertEquals(0, store.countOutbox(Status.PENDING));
  }

  @Test
  void setBase_thenWriteLocal_keepsThatBase() {
    write(conversation("c-1", "local", 1));
    Record remote = conversation("c-1", "remote", 2);
    Record merged = conversation("c-1", "merged", 3);
    store.inTransaction(tx -> {
      tx.setBase(remote);
      tx.writeLocal(merged);
      assertTrue(tx.hasUnsyncedChanges("conversation", "c-1"));
      return null;
    });
    LocalRecord got = store.get("conversation", "c-1");
    assertEquals(merged, got.current());
    assertEquals(remote, got.base());
  }

  @Test
  void inTransaction_whenWorkThrows_rollsBackEveryWrite() {
    RuntimeException boom = new RuntimeException("boom");
    RuntimeException thrown = assertThrows(RuntimeException.class, () -> store.inTransaction(tx -> {
      tx.writeLocal(conversation("c-1", "a", 1));
      tx.writeLocal(message("m-1", "c-1", 1, "hi"));
      throw boom;
    }));
    assertSame(boom, thrown);
    assertNull(store.get("conversation", "c-1"));
    assertNull(store.get("message", "m-1"));
    assertEquals(0, store.countOutbox(Status.PENDING));
  }

  @Test
  void inTransaction_nested_joinsTheOuterTransaction() {
    store.inTransaction(tx -> {
      tx.writeLocal(conversation("c-1", "a", 1));
      return store.inTransaction(inner -> inner.get("conversation", "c-1"));
    });
    assertNotNull(store.get("conversation", "c-1"));
  }

  @Test
  void list_pagesById() {
    for (int i = 0; i < 5; i++) {
      write(Record.of("note", "n-" + i, hlc(), "{\"i\":" + i + "}"));
    }
    write(Record.of("note", "n-2", hlc(), "{}"), Record.tombstone("note", "n-3", hlc()));
    List<Record> page1 = store.list("note", null, 2);
    assertEquals(Arrays.asList("n-0", "n-1"), ids(page1));
    List<Record> page2 = store.list("note", "n-1", 2);
    assertEquals(Arrays.asList("n-2", "n-4"), ids(page2));
    assertTrue(store.list("note", "n-4", 2).isEmpty());
  }

  @Test
  void listByConversation_ordersByTsThenId_andCounts() {
    write(conversation("c-1", "a", 1), message("m-b", "c-1", 20, "x"),
        message("m-a", "c-1", 20, "y"), message("m-c", "c-1", 10, "z"),
        message("m-other", "c-2", 5, "w"));
    assertEquals(Arrays.asList("m-c", "m-a", "m-b"),
        ids(store.history().listByConversation("message", "c-1")));
    assertEquals(3, store.history().countByConversation("message", "c-1"));
  }

  @Test
  void latestMessages_pagesNewestFirst() {
    write(conversation("c-1", "a", 1));
    for (int i = 1; i <= 5; i++) {
      write(message("m-" + i, "c-1", i * 10, "text " + i));
    }
    assertEquals(Arrays.asList("m-5", "m-4"), ids(store.history().latestMessages("c-1", Long.MAX_VALUE, 2)));
    assertEquals(Arrays.asList("m-3", "m-2"), ids(store.history().latestMessages("c-1", 40, 2)));
    assertEquals(Collections.singletonList("m-1"), ids(store.history().latestMessages("c-1", 20, 2)));
  }

  @Test
  void conversationsByActivity_usesNewestMessageAndIsStable() {
    write(conversation("c-1", "a", 100), conversation("c-2", "b", 200),
        conversation("c-3", "c", 200));
    assertEquals(Arrays.asList("c-2", "c-3", "c-1"), ids(store.history().conversationsByActivity(10, 0)));
    write(message("m-1", "c-1", 300, "late"));
    assertEquals(Arrays.asList("c-1", "c-2", "c-3"), ids(store.history().conversationsByActivity(10, 0)));
    assertEquals(Collections.singletonList("c-2"), ids(store.history().conversationsByActivity(1, 1)));
    // A message that arrived before its conversation still counts.
    write(message("m-9", "c-9", 1000, "early"));
    write(conversation("c-9", "late conversation", 1));
    assertEquals("c-9", store.history().conversationsByActivity(1, 0).get(0).id());
    // Deleting the newest message moves the conversation back.
    write(Record.tombstone("message", "m-9", hlc()));
    assertEquals("c-1", store.history().conversationsByActivity(1, 0).get(0).id());
  }

  @Test
  void conversationsByActivity_pagingCoversEveryConversationOnce() {
    List<Record> all = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      all.add(conversation("c-" + i, "t", i % 3));
    }
    write(all.toArray(new Record[0]));
    List<String> seen = new ArrayList<>();
    for (int offset = 0; offset < 25; offset += 7) {
      seen.addAll(ids(store.history().conversationsByActivity(7, offset)));
    }
    assertEquals(25, seen.size());
    assertEquals(25, seen.stream().distinct().count());
    assertEquals(seen, ids(store.history().conversationsByActivity(100, 0)));
  }

  @Test
  void conflictsAndState_roundTrip() {
    Conflict c = new Conflict("conversation", "c-1", "/title", "\"a\"", "\"b\"",
        Conflict.REMOTE_WINS, hlc(), hlc(), 0);
    store.inTransaction(tx -> {
      tx.recordConflict(c);
      tx.putState("cursor", "42");
      assertEquals("42", tx.state("cursor"));
      return null;
    });
    List<Conflict> got = store.conflicts(10);
    assertEquals(1, got.size());
    assertEquals(c.withDecidedAt(clock.millis()), got.get(0));
    assertEquals("42", store.state("cursor"));
    store.inTransaction(tx -> {
      tx.putState("cursor", null);
      return null;
    });
    assertNull(store.state("cursor"));
  }

  @Test
  void readers_doNotWaitForAnOpenWriteTransaction() throws Exception {
    write(conversation("c-1", "a", 1));
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread writer = new Thread(() -> store.inTransaction(tx -> {
      tx.writeLocal(conversation("c-2", "b", 1));
      inside.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    writer.start();
    assertTrue(inside.await(10, TimeUnit.SECONDS));
    try {
      assertNotNull(store.get("conversation", "c-1"));
      assertNull(store.get("conversation", "c-2"), "uncommitted write is invisible");
    } finally {
      release.countDown();
      writer.join(10_000);
    }
    assertNotNull(store.get("conversation", "c-2"));
  }

  @Test
  void outboxRow_doesNotCopyRecordData() {
    write(conversation("c-1", "a", 1));
    List<Map<String, Object>> rows = store.query("SELECT data FROM sync_queue");
    assertEquals(1, rows.size());
    assertNull(rows.get(0).get("data"));
  }

  @Test
  void transaction_usedAfterItsCallback_throws() {
    dev.tandem.sync.spi.StoreTransaction leaked = store.inTransaction(tx -> tx);
    assertThrows(IllegalStateException.class, () -> leaked.get("conversation", "c-1"));
    assertFalse(leaked == null);
  }

  @Test
  void writesFromManyThreads_areSerializedAndAllCommitted() throws Exception {
    int threads = 4;
    int perThread = 50;
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w = new Thread(() -> {
        try {
          for (int i = 0; i < perThread; i++) {
            write(Record.of("note", "t" + id + "-" + i, hlc(), "{\"i\":" + i + "}"));
            store.list("note", null, 5);
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join(30_000);
    }
    assertEquals(Collections.emptyList(), errors);
    assertEquals(threads * perThread, store.list("note", null, 1000).size());
    assertEquals(threads * perThread, store.countOutbox(Status.PENDING));
  }

  static List<String> ids(List<Record> records) {
    return records.stream().map(Record::id).collect(Collectors.toList());
  }
}
