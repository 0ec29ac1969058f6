package dev.tandem.sync.sqlite;

import static dev.tandem.sync.sqlite.TestStores.conversation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Record;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.spi.OutboxEntry.Status;
import dev.tandem.sync.testing.ManualClock;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedSurfaceTest {
  @TempDir Path dir;
  ManualClock clock = new ManualClock(TestStores.START);
  HybridStorageBackend store;

  @BeforeEach
  void open() {
    store = HybridStorageBackend.open(TestStores.config(dir.resolve("seed.db"), clock));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private Record write(Record r) {
    store.inTransaction(tx -> {
      tx.writeLocal(r);
      return null;
    });
    return r;
  }

  @Test
  void executeAndQuery_runRawSql() {
    store.execute("CREATE TABLE host_table (k TEXT PRIMARY KEY, v INTEGER)");
    assertEquals(1, store.execute("INSERT INTO host_table VALUES (?, ?)", "a", 1));
    assertEquals(1, store.execute("INSERT INTO host_table VALUES (?, ?)", "b", 2));
    assertEquals(2, store.execute("UPDATE host_table SET v = v + 10"));
    assertEquals(0, store.execute("PRAGMA wal_autocheckpoint = 1000"), "returns rows, changes none");
    List<Map<String, Object>> rows = store.query("SELECT k, v FROM host_table WHERE v > ?"
        + " ORDER BY k", 11);
    assertEquals(1, rows.size());
    assertEquals("b", rows.get(0).get("k"));
    assertEquals(12, ((Number) rows.get(0).get("v")).intValue());
  }

  @Test
  void badSql_throwsStoreFailureWithCause() {
    StoreException e = assertThrows(StoreException.class, () -> store.query("SELEC nonsense"));
    assertEquals(Reason.STORE_FAILURE, e.reason());
    assertTrue(e.getCause() instanceof java.sql.SQLException);
    assertThrows(StoreException.class, () -> store.execute("INSERT INTO missing VALUES (1)"));
  }

  @Test
  void getPendingSync_joinsCurrentData_andMarkSyncedClearsIt() {
    Record c = write(conversation("c-1", "hello", 1));
    List<SyncQueueItem> items = store.getPendingSync(10);
    assertEquals(1, items.size());
    SyncQueueItem i = items.get(0);
    assertEquals("conversation", i.type());
    assertEquals("c-1", i.entityId());
    assertEquals("upsert", i.action());
    assertEquals(c.json(), i.data());
    assertEquals("pending", i.status());
    assertEquals(c.hlc().toString(), i.hlc());
    store.markSyncedItems(items);
    assertTrue(store.getPendingSync(10).isEmpty());
    assertEquals(c, store.get("conversation", "c-1").base());
  }

  @Test
  void queueForSync_coalescesWithExistingEntry_andRequiresTheRecord() {
    write(conversation("c-1", "hello", 1));
    store.queueForSync("conversation", "c-1", "update");
    assertEquals(1, store.countOutbox(Status.PENDING));
    store.markSyncedItems(store.getPendingSync(10));
    store.queueForSync("conversation", "c-1", "create");
    assertEquals(1, store.countOutbox(Status.PENDING));
    assertThrows(IllegalArgumentException.class,
        () -> store.queueForSync("conversation", "nope", "upsert"));
    assertThrows(IllegalArgumentException.class,
        () -> store.queueForSync("conversation", "c-1", "explode"));
    assertThrows(IllegalArgumentException.class,
        () -> store.queueForSync("nosuchtype", "c-1", "upsert"));
    assertEquals(1, store.countOutbox(Status.PENDING));
  }

  @Test
  void markFailed_backsOffThenParksAfterTenTries() {
    write(conversation("c-1", "hello", 1));
    SyncQueueItem item = store.getPendingSync(10).get(0);
    store.markFailed(item, "server said no");
    assertTrue(store.getPendingSync(10).isEmpty(), "waits 30 s");
    clock.advance(30_000);
    item = store.getPendingSync(10).get(0);
    assertEquals(1, item.retryCount());
    assertEquals("server said no", item.errorMessage());
    for (int i = 0; i < 9; i++) {
      store.markFailed(item, "again");
      clock.advance(300_000);
      List<SyncQueueItem> due = store.getPendingSync(10);
      if (!due.isEmpty()) {
        item = due.get(0);
      }
    }
    assertEquals(1, store.countOutbox(Status.FAILED));
    assertEquals(0, store.countOutbox(Status.PENDING));
    assertEquals(1, store.retryFailed(clock.millis()));
    assertEquals(0, store.getPendingSync(10).get(0).retryCount());
  }

  @Test
  void markSyncedItems_afterCoalescedChange_keepsNewerVersionPending() {
    write(conversation("c-1", "one", 1));
    List<SyncQueueItem> sent = store.getPendingSync(10);
    Record newer = write(conversation("c-1", "two", 2));
    store.markSyncedItems(sent);
    SyncQueueItem left = store.getPendingSync(10).get(0);
    assertEquals(newer.json(), left.data());
    assertNull(store.get("conversation", "c-1").base());
    store.markSyncedItems(Collections.singletonList(left));
    assertEquals(0, store.countOutbox(Status.PENDING));
  }
}
