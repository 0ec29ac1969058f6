package dev.tandem.sync.sqlite;

import static dev.tandem.sync.sqlite.TestStores.conversation;
import static dev.tandem.sync.sqlite.TestStores.hlc;
import static dev.tandem.sync.sqlite.TestStores.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Record;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.testing.ManualClock;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchTest {
  @TempDir Path dir;
  HybridStorageBackend store;

  @BeforeEach
  void open() {
    store = HybridStorageBackend.open(TestStores.config(dir.resolve("s.db"),
        new ManualClock(TestStores.START)));
    write(conversation("c-db", "Database work", 1), conversation("c-ui", "UI polish", 2),
        conversation("c-misc", "Misc", 3),
        message("m-1", "c-db", 10, "migrate the sqlite schema to version two"),
        message("m-2", "c-db", 20, "the sqlite file is locked, retry the migration"),
        message("m-3", "c-ui", 30, "make the button blue"),
        message("m-4", "c-misc", 40, "sqlite sqlite sqlite everywhere"),
        Record.of("message", "m-5", hlc(), "{\"conversationId\":\"c-ui\",\"ts\":50,"
            + "\"content\":[{\"type\":\"text\",\"text\":\"run the linter\"},"
            + "{\"type\":\"tool_use\",\"name\":\"bash\",\"input\":{\"cmd\":\"hiddeninput\"}},"
            + "{\"type\":\"tool_result\",\"content\":[{\"type\":\"text\","
            + "\"text\":\"linter found zebra warnings\"}]}]}"));
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

  private List<String> messageIds(String query) {
    return store.history().search(query, 10).stream().map(SearchHit::messageId)
        .collect(Collectors.toList());
  }

  @Test
  void search_findsRightConversationsWithSnippetsAndTitles() {
    List<SearchHit> hits = store.history().search("sqlite", 10);
    assertEquals(new HashSet<>(Arrays.asList("m-1", "m-2", "m-4")),
        hits.stream().map(SearchHit::messageId).collect(Collectors.toSet()));
    assertEquals("m-4", hits.get(0).messageId(), "three occurrences rank first");
    assertEquals("c-misc", hits.get(0).conversationId());
    assertEquals("Misc", hits.get(0).conversationTitle());
    assertEquals(40, hits.get(0).ts());
    for (SearchHit h : hits) {
      assertTrue(h.snippet().contains("[sqlite]"), h.snippet());
    }
    assertTrue(hits.get(0).rank() <= hits.get(1).rank());
  }

  @Test
  void search_withSeveralWords_requiresAll() {
    assertEquals(Arrays.asList("m-2"), messageIds("sqlite locked"));
    assertEquals(Arrays.asList("m-2"), messageIds("LOCKED Sqlite"));
  }

  @Test
  void search_prefixWithStar() {
    assertEquals(new HashSet<>(Arrays.asList("m-1", "m-2")), new HashSet<>(messageIds("migrat*")));
  }

  @Test
  void search_indexesTextAndToolResultBlocksButNotToolInput() {
    assertEquals(Arrays.asList("m-5"), messageIds("linter"));
    assertEquals(Arrays.asList("m-5"), messageIds("zebra"));
    assertTrue(messageIds("hiddeninput").isEmpty());
  }

  @Test
  void search_withFtsSyntaxInInput_isNeverASyntaxError() {
    for (String q : Arrays.asList("\"sqlite", "sqlite AND (", "NEAR(sqlite", "sqlite OR",
        "col:sqlite", "-sqlite", "sqlite^", "*sqlite", "sqlite)", "{sqlite}", "'sqlite'")) {
      List<String> ids = messageIds(q);
      assertTrue(new HashSet<>(Arrays.asList("m-1", "m-2", "m-4")).containsAll(ids), q + " " + ids);
    }
    assertTrue(messageIds("sqlite NOT").isEmpty(), "NOT is a word to find, not an operator");
  }

  @Test
  void search_withNoSearchableWord_throwsIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> store.history().search("  ", 10));
    assertThrows(IllegalArgumentException.class, () -> store.history().search("(( \"\" ** ))", 10));
  }

  @Test
  void search_followsUpdatesAndDeletes() {
    write(message("m-3", "c-ui", 30, "make the button green"));
    assertTrue(messageIds("blue").isEmpty());
    assertEquals(Arrays.asList("m-3"), messageIds("green"));
    write(Record.tombstone("message", "m-3", hlc()));
    assertTrue(messageIds("green").isEmpty());
    store.inTransaction(tx -> {
      tx.applyRemote(message("m-3", "c-ui", 30, "remote purple"));
      return null;
    });
    assertEquals(Arrays.asList("m-3"), messageIds("purple"));
  }

  @Test
  void search_rolledBackWrite_isNotIndexed() {
    assertThrows(IllegalStateException.class, () -> store.inTransaction(tx -> {
      tx.writeLocal(message("m-9", "c-ui", 90, "phantomword"));
      throw new IllegalStateException("abort");
    }));
    assertTrue(messageIds("phantomword").isEmpty());
  }

  @Test
  void search_respectsLimitAndDiacritics() {
    write(message("m-6", "c-ui", 60, "café crème"));
    assertEquals(Arrays.asList("m-6"), messageIds("cafe"));
    assertEquals(1, store.history().search("sqlite", 1).size());
  }
}
