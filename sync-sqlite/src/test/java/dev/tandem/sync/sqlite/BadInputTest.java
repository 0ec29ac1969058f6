package dev.tandem.sync.sqlite;

import static dev.tandem.sync.sqlite.TestStores.conversation;
import static dev.tandem.sync.sqlite.TestStores.hlc;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.sync.ClosedException;
import dev.tandem.sync.Record;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.spi.OutboxEntry.Status;
import dev.tandem.sync.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
  @TempDir Path dir;

  private HybridStorageBackend open(long maxBytes) {
    return HybridStorageBackend.open(TestStores.config(dir.resolve("t.db"), maxBytes));
  }

  @Test
  void get_withInvalidId_throwsIllegalArgument() {
    try (HybridStorageBackend store = open(1000)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> store.get("conversation", "bad id/with slash"));
      assertTrue(e.getMessage().contains("bad id/with slash"), e.getMessage());
    }
  }

  @Test
  void write_ofUnknownType_throwsIllegalArgumentAndWritesNothing() {
    try (HybridStorageBackend store = open(1000)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> store.inTransaction(tx -> {
            tx.writeLocal(Record.of("unregistered", "x-1", hlc(), "{}"));
            return null;
          }));
      assertTrue(e.getMessage().contains("unregistered"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> store.get("unregistered", "x-1"));
      assertThrows(IllegalArgumentException.class, () -> store.get("Bad-Type", "x-1"));
      assertEquals(0, store.countOutbox(Status.PENDING));
    }
  }

  @Test
  void write_ofInvalidJson_throwsIllegalArgument() {
    try (HybridStorageBackend store = open(1000)) {
      assertThrows(IllegalArgumentException.class, () -> store.inTransaction(tx -> {
        tx.writeLocal(Record.of("conversation", "c-1", hlc(), "{not json"));
        return null;
      }));
      assertThrows(IllegalArgumentException.class, () -> store.inTransaction(tx -> {
        tx.writeLocal(Record.of("conversation", "c-1", hlc(), "[1,2]"));
        return null;
      }));
      assertNull(store.get("conversation", "c-1"));
    }
  }

  @Test
  void write_overMaximumSize_throwsRecordTooLargeAndKeepsEarlierState() {
    try (HybridStorageBackend store = open(100)) {
      Record ok = conversation("c-1", "small", 1);
      store.inTransaction(tx -> {
        tx.writeLocal(ok);
        return null;
      });
      StringBuilder big = new StringBuilder("{\"title\":\"");
      for (int i = 0; i < 60; i++) {
        big.append("é"); // 2 bytes in UTF-8: 120 bytes of text in 60 chars
      }
      big.append("\"}");
      StoreException e = assertThrows(StoreException.class, () -> store.inTransaction(tx -> {
        tx.writeLocal(Record.of("conversation", "c-2", hlc(), "{}"));
        tx.writeLocal(Record.of("conversation", "c-1", hlc(), big.toString()));
        return null;
      }));
      assertEquals(Reason.RECORD_TOO_LARGE, e.reason());
      assertTrue(e.getMessage().contains("conversation/c-1"), e.getMessage());
      assertTrue(e.getMessage().contains("132 bytes"), e.getMessage());
      assertTrue(e.getMessage().contains("100"), e.getMessage());
      assertEquals(ok, store.get("conversation", "c-1").current());
      assertNull(store.get("conversation", "c-2"), "the whole transaction rolled back");
      assertEquals(1, store.countOutbox(Status.PENDING));
    }
  }

  @Test
  void defaultMaximum_is4MiB() {
    try (HybridStorageBackend store = HybridStorageBackend.open(
        TestStores.config(dir.resolve("d.db"), new ManualClock(TestStores.START)))) {
      StringBuilder sb = new StringBuilder(4 * 1024 * 1024 + 20).append("{\"t\":\"");
      while (sb.length() < 4 * 1024 * 1024) {
        sb.append("xxxxxxxxxxxxxxxx");
      }
      String big = sb.append("\"}").toString();
      StoreException e = assertThrows(StoreException.class, () -> store.inTransaction(tx -> {
        tx.writeLocal(Record.of("conversation", "c-1", hlc(), big));
        return null;
      }));
      assertEquals(Reason.RECORD_TOO_LARGE, e.reason());
    }
  }

  @Test
  void open_ofFileThatIsNotSqlite_throwsCorruptDatabaseNamingTheFile() throws Exception {
    Path file = dir.resolve("notes.txt");
    Files.write(file, "this is certainly not a database, just some text\n"
        .getBytes(StandardCharsets.UTF_8));
    StoreException e = assertThrows(StoreException.class, () -> HybridStorageBackend.open(
        TestStores.config(file, 1000)));
    assertEquals(Reason.CORRUPT_DATABASE, e.reason());
    assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()), e.getMessage());
    assertEquals("this is certainly not a database, just some text\n",
        new String(Files.readAllBytes(file), StandardCharsets.UTF_8), "file left untouched");
  }

  @Test
  void open_ofFileWithSqliteHeaderButGarbage_throwsCorruptDatabase() throws Exception {
    Path file = dir.resolve("broken.db");
    byte[] bytes = new byte[8192];
    byte[] header = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(header, 0, bytes, 0, header.length);
    for (int i = header.length; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31);
    }
    Files.write(file, bytes);
    StoreException e = assertThrows(StoreException.class, () -> HybridStorageBackend.open(
        TestStores.config(file, 1000)));
    assertEquals(Reason.CORRUPT_DATABASE, e.reason());
    assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()), e.getMessage());
  }

  @Test
  void open_underARegularFile_throwsStoreFailureNamingThePath() throws Exception {
    Path notADir = dir.resolve("plain-file");
    Files.write(notADir, new byte[] {1});
    Path db = notADir.resolve("sub").resolve("t.db");
    StoreException e = assertThrows(StoreException.class, () -> HybridStorageBackend.open(
        TestStores.config(db, 1000)));
    assertEquals(Reason.STORE_FAILURE, e.reason());
    assertTrue(e.getMessage().contains(db.getParent().toString()), e.getMessage());
  }

  @Test
  void open_inUnwritableDirectory_throwsStoreFailureNamingThePath() throws Exception {
    Path ro = dir.resolve("readonly");
    Files.createDirectory(ro);
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      // root ignores permission bits; the check is meaningful only for ordinary users.
      assumeTrue(!Files.isWritable(ro), "running as a user that can write anywhere");
      Path db = ro.resolve("t.db");
      StoreException e = assertThrows(StoreException.class, () -> HybridStorageBackend.open(
          TestStores.config(db, 1000)));
      assertEquals(Reason.STORE_FAILURE, e.reason());
      assertTrue(e.getMessage().contains(ro.toString()), e.getMessage());
    } finally {
      Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void open_ofDirectory_throwsStoreFailure() {
    StoreException e = assertThrows(StoreException.class, () -> HybridStorageBackend.open(
        TestStores.config(dir, 1000)));
    assertEquals(Reason.STORE_FAILURE, e.reason());
    assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
  }

  @Test
  void useAfterClose_throwsClosedException_andCloseIsIdempotent() {
    HybridStorageBackend store = open(1000);
    store.close();
    assertDoesNotThrow(store::close);
    assertThrows(ClosedException.class, () -> store.get("conversation", "c-1"));
    assertThrows(ClosedException.class, () -> store.inTransaction(tx -> null));
    assertThrows(ClosedException.class, () -> store.duePending(0, 1));
    assertThrows(ClosedException.class, () -> store.history().search("hello", 1));
    assertThrows(ClosedException.class, () -> store.query("SELECT 1"));
    assertThrows(ClosedException.class, () -> store.markSynced(Collections.emptyList()));
    assertThrows(ClosedException.class, store::migrations);
  }

  @Test
  void reopen_keepsData() {
    Record c = conversation("c-1", "kept", 1);
    try (HybridStorageBackend store = open(1000)) {
      store.inTransaction(tx -> {
        tx.writeLocal(c);
        return null;
      });
    }
    try (HybridStorageBackend store = open(1000)) {
      assertEquals(c, store.get("conversation", "c-1").current());
      assertEquals(1, store.countOutbox(Status.PENDING));
    }
  }

  @Test
  void limits_mustBePositive() {
    try (HybridStorageBackend store = open(1000)) {
      assertThrows(IllegalArgumentException.class, () -> store.list("conversation", null, 0));
      assertThrows(IllegalArgumentException.class, () -> store.history().conversationsByActivity(1, -1));
      assertThrows(IllegalArgumentException.class, () -> store.duePending(0, -1));
    }
  }
}
