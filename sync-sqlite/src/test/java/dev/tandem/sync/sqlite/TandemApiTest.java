package dev.tandem.sync.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.ClosedException;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.Record;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.spi.OutboxEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store as hosts meet it: through {@code Tandem.builder().database(path)}. */
class TandemApiTest {
  @TempDir Path dir;

  private Tandem open() {
    return Tandem.builder().database(dir.resolve("tandem.db")).deviceId("laptop-1")
        .registerType("note").autoSync(false).build();
  }

  @Test
  void databasePath_opensSqliteStoreThroughServiceLoader() {
    try (Tandem tandem = open()) {
      assertTrue(tandem.store() instanceof HybridStorageBackend);
    }
  }

  @Test
  void repositories_writeReadListAndSearch() {
    try (Tandem tandem = open()) {
      tandem.conversations().save(Conversation.builder("c-1").title("Refactor parser")
          .createdAt(1000).updatedAt(1000).build());
      tandem.conversations().save(Conversation.builder("c-2").title("Fix build")
          .createdAt(2000).updatedAt(2000).build());
      tandem.messages().save(Message.builder("m-1", "c-1").role("user")
          .content("please refactor the tokenizer").ts(3000).build());
      tandem.messages().save(Message.builder("m-2", "c-1").role("assistant")
          .content("done, the tokenizer is faster").ts(4000).build());

      assertEquals("Refactor parser", tandem.conversations().get("c-1").title());
      assertEquals(2, tandem.conversations().messageCount("c-1"));
      assertEquals(java.util.Arrays.asList("c-1", "c-2"), tandem.conversations().list(10, 0)
          .stream().map(Conversation::id).collect(Collectors.toList()));
      assertEquals("m-2", tandem.messages().latest("c-1", 1).get(0).id());
      assertEquals(2, tandem.messages().all("c-1").size());

      List<SearchHit> hits = tandem.search("tokenizer", 10);
      assertEquals(2, hits.size());
      assertEquals("c-1", hits.get(0).conversationId());
      assertEquals("Refactor parser", hits.get(0).conversationTitle());
      assertTrue(hits.get(0).snippet().contains("[tokenizer]"), hits.get(0).snippet());

      assertEquals(4, tandem.store().countOutbox(OutboxEntry.Status.PENDING));
    }
  }

  @Test
  void genericRecords_andBatch_commitWithOutboxEntries() {
    try (Tandem tandem = open()) {
      Record n = tandem.records("note").put("n-1", "{\"text\":\"hello\"}");
      assertEquals(n, tandem.records("note").get("n-1"));
      tandem.batch(b -> {
        b.put("note", "n-2", "{\"text\":\"two\"}");
        b.put("note", "n-1", "{\"text\":\"changed\"}");
        b.putLocalState("import.fingerprint", "abc");
      });
      assertEquals("{\"text\":\"changed\"}", tandem.records("note").get("n-1").json());
      assertEquals("abc", tandem.localState("import.fingerprint"));
      assertEquals(2, tandem.store().countOutbox(OutboxEntry.Status.PENDING));
      assertTrue(tandem.records("note").delete("n-2"));
      assertNull(tandem.records("note").get("n-2"));
      assertEquals(1, tandem.records("note").list(null, 10).size());
    }
  }

  @Test
  void batch_whenWorkThrows_writesNothing() {
    try (Tandem tandem = open()) {
      assertThrows(IllegalStateException.class, () -> tandem.batch(b -> {
        b.put("note", "n-1", "{}");
        throw new IllegalStateException("abort");
      }));
      assertNull(tandem.records("note").get("n-1"));
      assertEquals(0, tandem.store().countOutbox(OutboxEntry.Status.PENDING));
    }
  }

  @Test
  void deleteConversation_tombstonesItsMessages_andSurvivesReopen() {
    try (Tandem tandem = open()) {
      tandem.conversations().save(Conversation.builder("c-1").title("t").build());
      tandem.messages().save(Message.builder("m-1", "c-1").role("user").content("x").ts(1)
          .build());
      assertTrue(tandem.conversations().delete("c-1"));
      assertNull(tandem.messages().get("m-1"));
      assertTrue(tandem.store().get("message", "m-1").current().deleted());
    }
    try (Tandem tandem = open()) {
      assertNull(tandem.conversations().get("c-1"));
      assertFalse(tandem.conversations().delete("c-1"));
      assertNotNull(tandem.store().get("conversation", "c-1"));
    }
  }

  @Test
  void closedTandem_closesTheStore() {
    Tandem tandem = open();
    HybridStorageBackend store = (HybridStorageBackend) tandem.store();
    tandem.close();
    assertThrows(ClosedException.class, () -> store.get("note", "n-1"));
  }
}
