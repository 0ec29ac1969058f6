package dev.tandem.sync.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Clock;
import dev.tandem.sync.ClosedException;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.StoreTransaction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The behaviour every {@link LocalStore} owes the sync engine, as JUnit 5 tests: extend this class,
 * implement {@link #openStore(Clock)}, and the tests run against your store.
 *
 * <pre>{@code
 * class MyStoreContractTest extends LocalStoreContract {
 *   @TempDir Path dir;
 *
 *   @Override
 *   protected LocalStore openStore(Clock clock) {
 *     return MyStore.open(dir.resolve("contract.db"), clock);
 *   }
 * }
 * }</pre>
 *
 * <p>Each test opens a fresh, empty store and closes it afterwards. The records are of the built-in
 * types {@code conversation} and {@code message}, with the fields the history queries read
 * ({@code conversationId}, {@code ts}, {@code updatedAt}). Full-text search is left out (the
 * in-memory store has none; {@code tandem-sync-sqlite} tests its own), and so are size limits,
 * which are a store's configuration.
 */
public abstract class LocalStoreContract {
  /** The instant the store's clock starts at. */
  protected static final long START = 1_700_000_000_000L;

  /** The store's clock; tests move it to stamp outbox rows and to make entries due. */
  protected final ManualClock clock = new ManualClock(START);

  private LocalStore store;
  private int counter;

  /**
   * Returns a new, empty store that reads time from {@code clock}. Called once before each test.
   *
   * @throws Exception if the store cannot be opened, which fails the test
   */
  protected abstract LocalStore openStore(Clock clock) throws Exception;

  /** Returns the store of the running test. */
  protected final LocalStore store() {
    return store;
  }

  @BeforeEach
  final void openTheStore() throws Exception {
    store = openStore(clock);
  }

  @AfterEach
  final void closeTheStore() {
    if (store != null) {
      store.close();
    }
  }

  private Hlc nextHlc() {
    counter++;
    return Hlc.of(START + counter, 0, "device-a");
  }

  private Record conversation(String id, long updatedAt) {
    return Record.of("conversation", id, nextHlc(),
        "{\"id\":\"" + id + "\",\"title\":\"title of " + id + "\",\"updatedAt\":" + updatedAt + "}");
  }

  private Record message(String id, String conversationId, long ts) {
    return Record.of("message", id, nextHlc(), "{\"id\":\"" + id + "\",\"conversationId\":\""
        + conversationId + "\",\"role\":\"user\",\"content\":\"text of " + id + "\",\"ts\":" + ts
        + "}");
  }

  /** Runs {@code work} in one transaction of the store. */
  private void inTx(Consumer<StoreTransaction> work) {
    store.inTransaction(tx -> {
      work.accept(tx);
      return null;
    });
  }

  private void write(Record... records) {
    inTx(tx -> Arrays.asList(records).forEach(tx::writeLocal));
  }

  private OutboxEntry onlyDueEntry() {
    List<OutboxEntry> due = store.duePending(clock.millis(), 100);
    assertEquals(1, due.size(), () -> "due entries: " + due);
    return due.get(0);
  }

  private boolean unsynced(String type, String id) {
    Boolean b = store.inTransaction(tx -> tx.hasUnsyncedChanges(type, id));
    return b;
  }

  private static List<String> ids(List<Record> records) {
    List<String> out = new ArrayList<>();
    for (Record r : records) {
      out.add(r.id());
    }
    return out;
  }

  @Test
  void get_ofARecordNeverWritten_isNull() {
    assertNull(store.get("conversation", "c-none"));
    assertNull(store.inTransaction(tx -> tx.get("conversation", "c-none")));
  }

  @Test
  void writeLocal_storesTheRecordWithoutABase_andQueuesOnePendingEntry() {
    Record c = conversation("c-1", 10);
    write(c);

    LocalRecord stored = store.get("conversation", "c-1");
    assertEquals(c, stored.current());
    assertNull(stored.base(), "never synced, so no base");
    OutboxEntry e = onlyDueEntry();
    assertEquals("conversation", e.type());
    assertEquals("c-1", e.entityId());
    assertEquals("upsert", e.action());
    assertEquals(c.hlc(), e.hlc());
    assertEquals(OutboxEntry.Status.PENDING, e.status());
    assertEquals(0, e.retryCount());
    assertEquals(START, e.createdAt());
    assertEquals(1, store.countOutbox(OutboxEntry.Status.PENDING));
    assertTrue(unsynced("conversation", "c-1"));
  }

  @Test
  void repeatedWrites_beforeSync_coalesceIntoOneEntryForTheLatestVersion() {
    write(conversation("c-1", 10));
    clock.advance(1_000);
    write(conversation("c-1", 20));
    Record gone = Record.tombstone("conversation", "c-1", nextHlc());
    write(gone);

    OutboxEntry e = onlyDueEntry();
    assertEquals("delete", e.action());
    assertEquals(gone.hlc(), e.hlc());
    assertEquals(START, e.createdAt(), "the entry is the first write's");
    assertEquals(1, store.countOutbox(OutboxEntry.Status.PENDING));
  }

  @Test
  void tombstone_isReturnedByGet_butLeftOutOfEveryList() {
    write(conversation("c-1", 10), message("m-1", "c-1", 5));
    write(Record.tombstone("message", "m-1", nextHlc()));

    LocalRecord m = store.get("message", "m-1");
    assertTrue(m.current().deleted());
    assertEquals(Collections.emptyList(), store.list("message", null, 10));
    assertEquals(Collections.emptyList(), store.history().listByConversation("message", "c-1"));
    assertEquals(Collections.emptyList(), store.history().latestMessages("c-1", Long.MAX_VALUE, 10));
    assertEquals(0, store.history().countByConversation("message", "c-1"));
  }

  @Test
  void transaction_returnsItsWorksResult_andSeesItsOwnWrites() {
    Record c = conversation("c-1", 10);
    Record seen = store.inTransaction(tx -> {
      tx.writeLocal(c);
      return tx.get("conversation", "c-1").current();
    });
    assertEquals(c, seen);
  }

  @Test
  void transaction_thatThrows_rollsBackEverything_andPropagatesTheSameException() {
    write(conversation("c-0", 1));
    Record before = store.get("conversation", "c-0").current();
    RuntimeException boom = new IllegalStateException("boom");

    RuntimeException thrown = assertThrows(RuntimeException.class, () -> store.inTransaction(tx -> {
      tx.writeLocal(conversation("c-1", 10));
      tx.writeLocal(conversation("c-0", 2));
      tx.applyRemote(conversation("c-2", 10));
      tx.putState("cursor", "42");
      tx.recordConflict(new Conflict("conversation", "c-0", "", null, null, Conflict.LOCAL_WINS,
          null, null, START));
      throw boom;
    }));

    assertSame(boom, thrown);
    assertNull(store.get("conversation", "c-1"));
    assertNull(store.get("conversation", "c-2"));
    assertEquals(before, store.get("conversation", "c-0").current());
    assertNull(store.state("cursor"));
    assertEquals(Collections.emptyList(), store.conflicts(10));
    assertEquals("c-0", onlyDueEntry().entityId());
    assertEquals(before.hlc(), onlyDueEntry().hlc());
  }

  @Test
  void transaction_usedAfterItsCallback_isRefused() {
    AtomicReference<StoreTransaction> kept = new AtomicReference<>();
    inTx(kept::set);
    assertThrows(IllegalStateException.class, () -> kept.get().writeLocal(conversation("c-1", 1)));
    assertNull(store.get("conversation", "c-1"));
  }

  @Test
  void markSynced_removesTheEntry_andMakesTheSentVersionTheBase() {
    Record c = conversation("c-1", 10);
    write(c);
    store.markSynced(Collections.singletonList(onlyDueEntry()));

    assertEquals(0, store.countOutbox(OutboxEntry.Status.PENDING));
    assertEquals(Collections.emptyList(), store.duePending(Long.MAX_VALUE, 10));
    assertEquals(c, store.get("conversation", "c-1").base());
    assertFalse(unsynced("conversation", "c-1"));
  }

  @Test
  void markSynced_ofAnEntryCoalescedSinceItWasRead_leavesTheNewerVersionPending() {
    Record sent = conversation("c-1", 10);
    write(sent);
    OutboxEntry read = onlyDueEntry();
    Record newer = conversation("c-1", 20);
    write(newer);

    store.markSynced(Collections.singletonList(read));

    OutboxEntry left = onlyDueEntry();
    assertEquals(newer.hlc(), left.hlc());
    LocalRecord r = store.get("conversation", "c-1");
    assertEquals(newer, r.current());
    assertFalse(newer.equals(r.base()), "the unsent version is not the base");
  }

  @Test
  void markFailed_countsTheAttempt_andDefersTheEntryUntilItsNextAttempt() {
    write(conversation("c-1", 10));
    long next = clock.millis() + 30_000;
    store.markFailed(onlyDueEntry(), "network down", next, false);

    assertEquals(Collections.emptyList(), store.duePending(next - 1, 10));
    List<OutboxEntry> due = store.duePending(next, 10);
    assertEquals(1, due.size());
    OutboxEntry e = due.get(0);
    assertEquals(OutboxEntry.Status.PENDING, e.status());
    assertEquals(1, e.retryCount());
    assertEquals("network down", e.errorMessage());
    assertEquals(next, e.nextAttemptAt());
  }

  @Test
  void markFailed_terminal_parksTheEntry_whileTheOthersStayDue() {
    write(conversation("c-1", 10), conversation("c-2", 10));
    OutboxEntry first = store.duePending(clock.millis(), 10).get(0);
    store.markFailed(first, "invalid_data", 0, true);

    assertEquals(1, store.countOutbox(OutboxEntry.Status.FAILED));
    assertEquals(1, store.countOutbox(OutboxEntry.Status.PENDING));
    List<OutboxEntry> due = store.duePending(Long.MAX_VALUE, 10);
    assertEquals(1, due.size());
    assertFalse(due.get(0).entityId().equals(first.entityId()));
    assertTrue(unsynced(first.type(), first.entityId()), "a failed entry is still unsynced");
  }

  @Test
  void markFailed_ofAnEntryCoalescedSinceItWasRead_leavesTheNewerVersionDue() {
    write(conversation("c-1", 10));
    OutboxEntry read = onlyDueEntry();
    Record newer = conversation("c-1", 20);
    write(newer);

    store.markFailed(read, "invalid_data", clock.millis() + 60_000, true);

    assertEquals(0, store.countOutbox(OutboxEntry.Status.FAILED));
    OutboxEntry e = onlyDueEntry();
    assertEquals(newer.hlc(), e.hlc());
    assertEquals(OutboxEntry.Status.PENDING, e.status());
  }

  @Test
  void writeLocal_onAFailedEntry_makesItPendingAndDueAgain() {
    write(conversation("c-1", 10));
    store.markFailed(onlyDueEntry(), "invalid_data", 0, true);
    Record fixed = conversation("c-1", 20);
    write(fixed);

    assertEquals(0, store.countOutbox(OutboxEntry.Status.FAILED));
    OutboxEntry e = onlyDueEntry();
    assertEquals(fixed.hlc(), e.hlc());
    assertEquals(OutboxEntry.Status.PENDING, e.status());
  }

  @Test
  void retryFailed_movesEveryFailedEntryBackToPending_dueNow() {
    write(conversation("c-1", 10), conversation("c-2", 10), conversation("c-3", 10));
    List<OutboxEntry> due = store.duePending(clock.millis(), 10);
    store.markFailed(due.get(0), "invalid_data", Long.MAX_VALUE, true);
    store.markFailed(due.get(1), "invalid_data", Long.MAX_VALUE, true);
    clock.advance(5_000);

    assertEquals(2, store.retryFailed(clock.millis()));

    assertEquals(0, store.countOutbox(OutboxEntry.Status.FAILED));
    assertEquals(3, store.duePending(clock.millis(), 10).size());
    assertEquals(0, store.retryFailed(clock.millis()), "nothing left to retry");
  }

  @Test
  void duePending_isOldestFirst_andHonoursTheLimit() {
    write(conversation("c-b", 1));
    write(conversation("c-a", 1));
    write(conversation("c-c", 1));
    write(conversation("c-b", 2));

    List<OutboxEntry> due = store.duePending(clock.millis(), 2);
    assertEquals(2, due.size());
    assertEquals("c-b", due.get(0).entityId(), "a coalesced entry keeps its place");
    assertEquals("c-a", due.get(1).entityId());
  }

  @Test
  void applyRemote_storesTheVersionAsItsOwnBase_withoutQueueing() {
    Record remote = conversation("c-1", 10);
    inTx(tx -> tx.applyRemote(remote));

    LocalRecord r = store.get("conversation", "c-1");
    assertEquals(remote, r.current());
    assertEquals(remote, r.base());
    assertEquals(0, store.countOutbox(OutboxEntry.Status.PENDING));
    assertEquals(Arrays.asList("c-1"), ids(store.list("conversation", null, 10)));
  }

  @Test
  void applyRemote_overAnUnsyncedLocalChange_dropsItsEntry() {
    write(conversation("c-1", 10));
    Record remote = conversation("c-1", 20);
    inTx(tx -> tx.applyRemote(remote));

    assertEquals(remote, store.get("conversation", "c-1").current());
    assertEquals(Collections.emptyList(), store.duePending(Long.MAX_VALUE, 10));
    assertFalse(unsynced("conversation", "c-1"));
  }

  @Test
  void setBase_changesTheBaseOnly() {
    Record local = conversation("c-1", 20);
    write(local);
    Record agreed = conversation("c-1", 10);
    inTx(tx -> tx.setBase(agreed));

    LocalRecord r = store.get("conversation", "c-1");
    assertEquals(local, r.current());
    assertEquals(agreed, r.base());
    assertEquals(local.hlc(), onlyDueEntry().hlc(), "the local change is still to be sent");
  }

  @Test
  void state_isWrittenInATransaction_readOutside_andNullRemovesIt() {
    inTx(tx -> {
      tx.putState("cursor", "7");
      assertEquals("7", tx.state("cursor"));
    });
    assertEquals("7", store.state("cursor"));
    inTx(tx -> tx.putState("cursor", "8"));
    assertEquals("8", store.state("cursor"));
    inTx(tx -> tx.putState("cursor", null));
    assertNull(store.state("cursor"));
  }

  @Test
  void conflicts_areKeptWithEveryField_andReturnedNewestFirst_upToTheLimit() {
    Hlc local = nextHlc();
    Hlc remote = nextHlc();
    Conflict first = new Conflict("conversation", "c-1", "title", "\"mine\"", "\"theirs\"",
        Conflict.REMOTE_WINS, local, remote, START + 1);
    Conflict second = new Conflict("message", "m-1", "", null, "{}", Conflict.LOCAL_WINS, null,
        remote, START + 2);
    Conflict third = new Conflict("conversation", "c-2", "", "{}", null, Conflict.MERGED, local,
        null, START + 3);
    for (Conflict c : Arrays.asList(first, second, third)) {
      inTx(tx -> tx.recordConflict(c));
    }

    assertEquals(Arrays.asList(third, second, first), store.conflicts(10));
    assertEquals(Arrays.asList(third, second), store.conflicts(2));
  }

  @Test
  void list_returnsLiveRecordsOfOneType_byId_inPages() {
    write(conversation("c-3", 1), conversation("c-1", 1), conversation("c-2", 1),
        conversation("c-4", 1), message("m-1", "c-1", 1));
    write(Record.tombstone("conversation", "c-4", nextHlc()));

    assertEquals(Arrays.asList("c-1", "c-2"), ids(store.list("conversation", null, 2)));
    assertEquals(Arrays.asList("c-3"), ids(store.list("conversation", "c-2", 2)));
    assertEquals(Collections.emptyList(), ids(store.list("conversation", "c-3", 2)));
    assertEquals(Arrays.asList("m-1"), ids(store.list("message", null, 10)));
  }

  @Test
  void listByConversation_isInWritingOrder_byTsThenId_andCountAgrees() {
    write(conversation("c-1", 1), conversation("c-2", 1));
    write(message("m-c", "c-1", 30), message("m-b", "c-1", 10), message("m-a", "c-1", 30),
        message("m-x", "c-2", 20));

    assertEquals(Arrays.asList("m-b", "m-a", "m-c"),
        ids(store.history().listByConversation("message", "c-1")));
    assertEquals(3, store.history().countByConversation("message", "c-1"));
    assertEquals(1, store.history().countByConversation("message", "c-2"));
    assertEquals(0, store.history().countByConversation("message", "c-none"));
  }

  /**
   * Search is the one history query a store may leave out ({@code UnsupportedOperationException},
   * as {@code InMemoryStore} does); a store that has it finds live messages by a word of their text,
   * right after the write, and no longer once they are deleted.
   */
  @Test
  void search_findsLiveMessagesByAWordOfTheirText_orIsUnsupported() {
    write(conversation("c-1", 1), Record.of("message", "m-1", nextHlc(),
        "{\"conversationId\":\"c-1\",\"role\":\"user\",\"ts\":5,"
            + "\"content\":\"the narwhal sings\"}"), message("m-2", "c-1", 6));
    List<dev.tandem.sync.SearchHit> hits;
    try {
      hits = store.history().search("narwhal", 10);
    } catch (UnsupportedOperationException e) {
      Assumptions.abort("this store has no full-text search: " + e.getMessage());
      return;
    }
    assertEquals(1, hits.size(), () -> "hits: " + hits);
    assertEquals("m-1", hits.get(0).messageId());
    assertEquals("c-1", hits.get(0).conversationId());
    write(Record.tombstone("message", "m-1", nextHlc()));
    assertEquals(Collections.emptyList(), store.history().search("narwhal", 10));
  }

  @Test
  void writeLocal_withTheDataAlreadyParsed_isTheSameWrite() {
    write(conversation("c-1", 1));
    Record m = message("m-1", "c-1", 10);
    inTx(tx -> tx.writeLocal(m, m.data()));
    assertEquals(m, store.get("message", "m-1").current());
    assertEquals(Arrays.asList("m-1"), ids(store.history().listByConversation("message", "c-1")));
    assertEquals(Arrays.asList("c-1"), ids(store.history().conversationsByActivity(10, 0)));
    assertEquals("m-1", onlyMessageEntry().entityId());
  }

  private OutboxEntry onlyMessageEntry() {
    List<OutboxEntry> due = store.duePending(clock.millis(), 100).stream()
        .filter(e -> e.type().equals("message")).collect(java.util.stream.Collectors.toList());
    assertEquals(1, due.size(), () -> "due message entries: " + due);
    return due.get(0);
  }

  @Test
  void latestMessages_areNewestFirst_strictlyBeforeTheGivenTs() {
    write(conversation("c-1", 1));
    write(message("m-1", "c-1", 10), message("m-2", "c-1", 20), message("m-3", "c-1", 30),
        message("m-4", "c-1", 40));

    assertEquals(Arrays.asList("m-4", "m-3"), ids(store.history().latestMessages("c-1", Long.MAX_VALUE, 2)));
    assertEquals(Arrays.asList("m-2", "m-1"), ids(store.history().latestMessages("c-1", 30, 5)));
    assertEquals(Collections.emptyList(), ids(store.history().latestMessages("c-1", 10, 5)));
  }

  @Test
  void conversationsByActivity_ordersByTheirLatestUpdateOrMessage_thenId_withOffset() {
    write(conversation("c-old", 100), conversation("c-new", 500), conversation("c-tie", 500));
    write(message("m-1", "c-old", 900));

    assertEquals(Arrays.asList("c-old", "c-new", "c-tie"),
        ids(store.history().conversationsByActivity(10, 0)));
    assertEquals(Arrays.asList("c-new"), ids(store.history().conversationsByActivity(1, 1)));
    assertEquals(Collections.emptyList(), ids(store.history().conversationsByActivity(10, 3)));
  }

  @Test
  void close_isIdempotent_andEveryLaterCallIsRefused() {
    write(conversation("c-1", 1));
    OutboxEntry e = onlyDueEntry();
    store.close();
    store.close();

    List<Executable> calls = Arrays.asList(
        () -> store.inTransaction(tx -> null),
        () -> store.get("conversation", "c-1"),
        () -> store.list("conversation", null, 10),
        () -> store.history().listByConversation("message", "c-1"),
        () -> store.history().latestMessages("c-1", Long.MAX_VALUE, 10),
        () -> store.history().conversationsByActivity(10, 0),
        () -> store.history().countByConversation("message", "c-1"),
        () -> store.duePending(clock.millis(), 10),
        () -> store.markSynced(Collections.singletonList(e)),
        () -> store.markFailed(e, "x", 0, false),
        () -> store.retryFailed(clock.millis()),
        () -> store.countOutbox(OutboxEntry.Status.PENDING),
        () -> store.conflicts(10),
        () -> store.state("cursor"));
    for (int i = 0; i < calls.size(); i++) {
      assertThrows(ClosedException.class, calls.get(i), "call #" + i + " after close");
    }
  }
}
