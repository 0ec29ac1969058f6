package dev.tandem.sync.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Clock;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.spi.OutboxEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's pull pattern, {@code tx.get} then {@code tx.applyRemote} in one transaction: the
 * store reuses what {@code get} read, and must still keep search, activity and outbox right.
 */
class PullPathTest {
  @TempDir Path dir;
  HybridStorageBackend store;

  @BeforeEach
  void open() {
    store = HybridStorageBackend.open(TestStores.config(dir.resolve("s.db"), Clock.SYSTEM));
    store.inTransaction(tx -> {
      tx.applyRemote(TestStores.conversation("c-1", "One", 1));
      tx.applyRemote(TestStores.conversation("c-2", "Two", 1));
      return null;
    });
  }

  @AfterEach
  void close() {
    store.close();
  }

  private List<String> ids(String q) {
    List<String> out = new ArrayList<>();
    for (SearchHit h : store.history().search(q, 10)) {
      out.add(h.messageId());
    }
    return out;
  }

  @Test
  void applyRemote_afterGetOfNewMessage_indexesItsText() {
    store.inTransaction(tx -> {
      assertNull(tx.get("message", "m-1"));
      tx.applyRemote(TestStores.message("m-1", "c-1", 10, "alpha"));
      assertNull(tx.get("message", "m-2"));
      tx.applyRemote(TestStores.message("m-2", "c-1", 20, "beta"));
      return null;
    });
    assertEquals(java.util.Collections.singletonList("m-1"), ids("alpha"));
    assertEquals(java.util.Collections.singletonList("m-2"), ids("beta"));
  }

  @Test
  void applyRemote_afterGetOfExistingMessage_replacesTextAndMovesActivity() {
    store.inTransaction(tx -> {
      tx.applyRemote(TestStores.message("m-1", "c-1", 50, "alpha"));
      return null;
    });
    store.inTransaction(tx -> {
      assertEquals("message", tx.get("message", "m-1").current().type());
      tx.applyRemote(TestStores.message("m-1", "c-2", 30, "gamma"));
      return null;
    });
    assertTrue(ids("alpha").isEmpty());
    assertEquals(java.util.Collections.singletonList("m-1"), ids("gamma"));
    assertEquals("c-2", store.history().conversationsByActivity(1, 0).get(0).id());
  }

  @Test
  void applyRemote_afterGetThenOtherWrite_doesNotReuseStaleRow() {
    store.inTransaction(tx -> {
      assertNull(tx.get("message", "m-1"));
      tx.writeLocal(TestStores.message("m-1", "c-1", 10, "alpha"));
      tx.applyRemote(TestStores.message("m-1", "c-1", 10, "delta"));
      return null;
    });
    assertTrue(ids("alpha").isEmpty());
    assertEquals(java.util.Collections.singletonList("m-1"), ids("delta"));
    assertEquals(0, store.countOutbox(OutboxEntry.Status.PENDING), "remote version replaces it");
  }

  @Test
  void applyRemote_whenOutboxEmptyAtStart_stillDropsEntryQueuedInSameTransaction() {
    store.inTransaction(tx -> {
      tx.applyRemote(TestStores.message("m-0", "c-1", 5, "zero"));
      tx.writeLocal(TestStores.message("m-1", "c-1", 10, "alpha"));
      tx.applyRemote(TestStores.message("m-1", "c-1", 11, "beta"));
      return null;
    });
    assertEquals(0, store.countOutbox(OutboxEntry.Status.PENDING));
  }

  @Test
  void applyRemote_afterSeedQueueInSameTransaction_dropsTheEntry() {
    store.inTransaction(tx -> {
      tx.applyRemote(TestStores.message("m-1", "c-1", 10, "alpha"));
      store.queueForSync("message", "m-1", "upsert");
      tx.applyRemote(TestStores.message("m-1", "c-1", 11, "beta"));
      return null;
    });
    assertEquals(0, store.countOutbox(OutboxEntry.Status.PENDING));
  }
}
