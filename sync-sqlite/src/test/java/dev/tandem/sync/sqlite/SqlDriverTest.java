package dev.tandem.sync.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Clock;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.testing.LocalStoreContract;
import dev.tandem.sync.testing.ManualClock;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on a host-supplied {@link SqlDriver}: everything it runs goes through the seam. */
class SqlDriverTest {
  @TempDir Path dir;

  /** The whole store contract, on a driver that only passes statements through. */
  @Nested
  class Contract extends LocalStoreContract {
    @Override
    protected LocalStore openStore(Clock clock) {
      return HybridStorageBackend.open(TestStores.config(dir.resolve("contract.db"), clock),
          new RecordingDriver());
    }
  }

  @Test
  void writesReadsAndSearchGoThroughTheDriver() {
    RecordingDriver driver = new RecordingDriver();
    try (HybridStorageBackend store = HybridStorageBackend.open(
        TestStores.config(dir.resolve("a.db"), new ManualClock(TestStores.START)), driver)) {
      store.inTransaction(tx -> {
        tx.writeLocal(TestStores.conversation("c-1", "Tokenizer", 1));
        tx.writeLocal(TestStores.message("m-1", "c-1", 10, "streaming tokenizer"));
        return null;
      });
      assertEquals(1, store.history().search("tokenizer", 5).size());
      assertEquals(2, store.countOutbox(OutboxEntry.Status.PENDING));
      assertTrue(driver.ran("INSERT INTO messages_fts"), "index maintenance");
      assertTrue(driver.ran("INSERT INTO sync_queue"), "outbox");
      assertTrue(driver.ran("MATCH"), "search");
      assertTrue(driver.ran("PRAGMA journal_mode"), "the store sets its own pragmas");
      // One for the migration, one for the write.
      assertTrue(driver.transactions.get() >= 2, "transactions: " + driver.transactions);
      assertTrue(driver.opened.get() >= 2, "a writer and at least one reader");
    }
  }

  @Test
  void aDriverReportingCorruptionGivesCorruptDatabase() {
    SqlDriver corrupt = (path, readOnly) -> {
      throw new SQLException("file is not a database", null, 26);
    };
    StoreException e = assertThrows(StoreException.class, () -> HybridStorageBackend.open(
        TestStores.config(dir.resolve("b.db"), Clock.SYSTEM), corrupt));
    assertEquals(Reason.CORRUPT_DATABASE, e.reason());
  }

  @Test
  void otherDriverFailuresGiveStoreFailureWithTheCause() {
    SqlDriver broken = (path, readOnly) -> {
      throw new SQLException("disk I/O error", null, 10);
    };
    StoreException e = assertThrows(StoreException.class, () -> HybridStorageBackend.open(
        TestStores.config(dir.resolve("c.db"), Clock.SYSTEM), broken));
    assertEquals(Reason.STORE_FAILURE, e.reason());
    assertTrue(e.getMessage().contains("disk I/O error"), e.getMessage());
  }
}
