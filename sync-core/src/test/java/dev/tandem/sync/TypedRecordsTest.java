package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The typed views (conversations, messages) and the repositories over the local store. */
class TypedRecordsTest {
  private final ManualClock clock = new ManualClock(5_000);
  private final Tandem tandem = Tandem.builder().store(new InMemoryStore(clock)).deviceId("d")
      .clock(clock).registerType("note").build();

  @AfterEach
  void close() {
    tandem.close();
  }

  private static List<String> ids(List<?> items) {
    List<String> out = new ArrayList<>();
    for (Object o : items) {
      out.add(o instanceof Message ? ((Message) o).id()
          : o instanceof Conversation ? ((Conversation) o).id() : ((Record) o).id());
    }
    return out;
  }

  @Test
  void conversation_fieldsRoundTripThroughTheStore_andUnknownFieldsSurvive() {
    JsonNode meta = Json.parse("{\"k\":[1,2]}");
    Conversation saved = tandem.conversations().save(Conversation.builder("c-1").title("T")
        .workspacePath("/w").state("archived").createdAt(10).updatedAt(20).metadata(meta)
        .source("native").privacy(Conversation.PRIVACY_SYNC)
        .set("future", TextNode.valueOf("kept")).build());
    Conversation c = tandem.conversations().get("c-1");

    assertEquals(saved, c);
    assertEquals(saved.hashCode(), c.hashCode());
    assertEquals("c-1", c.id());
    assertNotNull(c.hlc());
    assertEquals(saved.hlc(), c.hlc());
    assertEquals(Arrays.<Object>asList("T", "/w", "archived", 10L, 20L, "native", "sync"),
        Arrays.<Object>asList(c.title(), c.workspacePath(), c.state(), c.createdAt(),
            c.updatedAt(), c.source(), c.privacy()));
    assertEquals(meta, c.metadata());
    assertFalse(c.isLocalOnly());
    assertEquals("kept", c.toJson().get("future").asText());
    assertEquals("kept", c.newBuilder().title("U").build().toJson().get("future").asText());
    assertTrue(c.toString().contains("c-1") && c.toString().contains("T"), c.toString());
    c.toJson().put("title", "changed");
    c.metadata();
    assertEquals("T", c.title(), "views are immutable");
  }

  @Test
  void conversation_defaults_whenFieldsAreAbsent() {
    Conversation c = Conversation.builder("c").build();
    assertNull(c.title());
    assertNull(c.workspacePath());
    assertNull(c.source());
    assertNull(c.metadata());
    assertNull(c.hlc());
    assertEquals("active", c.state());
    assertEquals(Conversation.PRIVACY_SYNC, c.privacy());
    assertEquals(0, c.createdAt());
    assertTrue(Conversation.builder("c").privacy(Conversation.PRIVACY_LOCAL_ONLY).build()
        .isLocalOnly());
    assertNull(Conversation.builder("c").metadata(null).build().metadata());
    assertNotEquals(c, Conversation.builder("c").title("x").build());
    assertNotEquals(c.hashCode(), Conversation.builder("c").title("x").build().hashCode());
    assertNotEquals(c, Conversation.builder("d").build());
    assertFalse(c.equals("c"));
  }

  @Test
  void conversation_refusesUnknownStatesPrivacyAndWrongRecords() {
    assertThrows(IllegalArgumentException.class, () -> Conversation.builder("c").state("gone"));
    assertThrows(IllegalArgumentException.class, () -> Conversation.builder("c").privacy("all"));
    assertThrows(IllegalArgumentException.class, () -> Conversation.builder("bad id"));
    assertThrows(IllegalArgumentException.class, () -> Conversation.fromRecord(
        Record.of("message", "m", Hlc.of(1, 0, "d"), "{}")));
    assertEquals("active", Conversation.builder("c").state("active").build().state());
  }

  @Test
  void message_fieldsRoundTripThroughTheStore() {
    ArrayNode blocks = (ArrayNode) Json.parse(
        "[{\"type\":\"text\",\"text\":\"one\"},{\"type\":\"image\"},{\"type\":\"text\",\"text\":\"two\"}]");
    JsonNode meta = Json.parse("{\"model\":\"m\"}");
    Message saved = tandem.messages().save(Message.builder("m-1", "c").role("assistant")
        .content(blocks).ts(42)
        .tokensIn(3).tokensOut(4).cost(new BigDecimal("0.0125")).parentId("m-0").isSummary(true)
        .metadata(meta).set("future", TextNode.valueOf("kept")).build());
    Message m = tandem.messages().get("m-1");
    assertEquals(saved, m);
    assertEquals(saved.hlc(), m.hlc());

    assertEquals(Arrays.<Object>asList("m-1", "c", "assistant", 42L, 3L, 4L, "m-0", true),
        Arrays.<Object>asList(m.id(), m.conversationId(), m.role(), m.ts(), m.tokensIn(),
            m.tokensOut(), m.parentId(), m.isSummary()));
    assertEquals(new BigDecimal("0.0125"), m.cost());
    assertEquals(blocks, m.content());
    assertEquals("one\ntwo", m.text());
    assertEquals(meta, m.metadata());
    assertNotNull(m.hlc());
    assertEquals("kept", m.toJson().get("future").asText());
    assertEquals("kept", m.newBuilder().ts(43).build().toJson().get("future").asText());
    assertEquals(m, Message.fromRecord(tandem.records("message").get("m-1")));
    assertEquals(m.hashCode(), Message.fromRecord(tandem.records("message").get("m-1"))
        .hashCode());
    assertTrue(m.toString().contains("m-1") && m.toString().contains("assistant"));
  }

  @Test
  void message_plainText_andDefaults() {
    Message plain = Message.builder("m", "c").role("user").content("hello").build();
    assertEquals("hello", plain.text());
    assertEquals(TextNode.valueOf("hello"), plain.content());
    Message empty = Message.builder("m", "c").build();
    assertEquals("", empty.text());
    assertNull(empty.content());
    assertNull(empty.role());
    assertNull(empty.cost());
    assertNull(empty.parentId());
    assertNull(empty.metadata());
    assertNull(empty.hlc());
    assertFalse(empty.isSummary());
    assertEquals(0, empty.tokensIn());
    assertEquals("", Message.textOf(null));
    assertEquals("", Message.textOf(Json.parse("null")));
    assertEquals("x", Message.textOf(Json.parse("[{\"text\":\"x\"},{\"text\":5}]")));
    assertNull(Message.builder("m", "c").content((JsonNode) null).metadata(null).build()
        .metadata());
    assertNotEquals(plain, empty);
    assertNotEquals(plain.hashCode(), empty.hashCode());
    assertNotEquals(plain, Message.builder("n", "c").role("user").content("hello").build());
    assertFalse(plain.equals("m"));
  }

  @Test
  void message_refusesUnknownRolesAndWrongRecords() {
    for (String role : new String[] {"user", "assistant", "system"}) {
      assertEquals(role, Message.builder("m", "c").role(role).build().role());
    }
    assertThrows(IllegalArgumentException.class, () -> Message.builder("m", "c").role("tool"));
    assertThrows(IllegalArgumentException.class, () -> Message.builder("m", "bad id"));
    assertThrows(IllegalArgumentException.class, () -> Message.fromRecord(
        Record.of("conversation", "c", Hlc.of(1, 0, "d"), "{}")));
    Message orphan = Message.fromRecord(Record.of("message", "m", Hlc.of(1, 0, "d"), "{}"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> tandem.messages().save(orphan));
    assertTrue(e.getMessage().contains("conversationId"), e.getMessage());
  }

  @Test
  void messages_pageNewestFirst_andListOldestFirst() {
    for (int i = 1; i <= 5; i++) {
      tandem.messages().save(Message.builder("m-" + i, "c").role("user").ts(i * 10L).build());
    }
    tandem.messages().save(Message.builder("other", "d").role("user").ts(25).build());

    assertEquals(Arrays.asList("m-5", "m-4"), ids(tandem.messages().latest("c", 2)));
    assertEquals(Arrays.asList("m-2", "m-1"), ids(tandem.messages().before("c", 30, 10)));
    assertEquals(Arrays.asList("m-1", "m-2", "m-3", "m-4", "m-5"),
        ids(tandem.messages().all("c")));
    assertEquals(5, tandem.conversations().messageCount("c"));
    assertThrows(IllegalArgumentException.class, () -> tandem.messages().latest("c", 0));
    assertThrows(IllegalArgumentException.class, () -> tandem.messages().all("bad id"));
  }

  @Test
  void messages_deleteSaysWhetherALiveMessageWentAway() {
    tandem.messages().save(Message.builder("m", "c").role("user").build());
    assertTrue(tandem.messages().delete("m"));
    assertFalse(tandem.messages().delete("m"));
    assertFalse(tandem.messages().delete("never"));
    assertNull(tandem.messages().get("m"));
  }

  @Test
  void conversations_listByActivity_withPaging() {
    for (int i = 1; i <= 4; i++) {
      tandem.conversations().save(Conversation.builder("c-" + i).updatedAt(i * 100L).build());
    }
    assertEquals(Arrays.asList("c-4", "c-3"), ids(tandem.conversations().list(2, 0)));
    assertEquals(Arrays.asList("c-2", "c-1"), ids(tandem.conversations().list(2, 2)));
    assertTrue(tandem.conversations().list(2, 4).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> tandem.conversations().list(0, 0));
    assertThrows(IllegalArgumentException.class, () -> tandem.conversations().list(1, -1));
    assertEquals(1, tandem.conversations().list(1, 0).size());
  }

  @Test
  void conversationDelete_takesEverythingThatBelongsToIt() {
    tandem.conversations().save(Conversation.builder("c").build());
    tandem.conversations().save(Conversation.builder("keep").build());
    tandem.messages().save(Message.builder("m", "c").role("user").build());
    tandem.records("tool_call").put("t", "{\"conversationId\":\"c\"}");
    tandem.records("message").put("elsewhere", "{\"conversationId\":\"keep\"}");
    tandem.records("audit_log").put("a", "{\"conversationId\":\"c\"}");

    assertTrue(tandem.conversations().delete("c"));

    assertNull(tandem.conversations().get("c"));
    assertNull(tandem.messages().get("m"));
    assertNull(tandem.records("tool_call").get("t"));
    assertNotNull(tandem.records("message").get("elsewhere"));
    assertNotNull(tandem.records("audit_log").get("a"), "audit entries are not conversation parts");
    assertTrue(tandem.store().get("message", "m").current().deleted());
    assertFalse(tandem.conversations().delete("c"), "already deleted");
    assertFalse(tandem.conversations().delete("never"));
    assertThrows(IllegalArgumentException.class, () -> tandem.conversations().delete("bad id"));
  }

  @Test
  void setPrivacy_savesTheConversation_andRefusesUnknownOnes() {
    tandem.conversations().save(Conversation.builder("c").title("t").build());
    Conversation c = tandem.conversations().setPrivacy("c", Conversation.PRIVACY_LOCAL_ONLY);
    assertTrue(c.isLocalOnly());
    assertEquals("t", c.title());
    assertTrue(tandem.conversations().get("c").isLocalOnly());
    assertThrows(IllegalArgumentException.class,
        () -> tandem.conversations().setPrivacy("nope", Conversation.PRIVACY_SYNC));
    assertThrows(IllegalArgumentException.class,
        () -> tandem.conversations().setPrivacy("c", "public"));
  }

  @Test
  void records_putReturnsTheStoredVersion_andListPagesById() {
    Record first = tandem.records("note").put("b", "{\"n\":1}");
    assertEquals("note", first.type());
    assertEquals("{\"n\":1}", first.json());
    assertEquals(first, tandem.records("note").get("b"));
    Record second = tandem.records("note").put("b", Json.parseObject("{\"n\":2}"));
    assertTrue(second.hlc().isAfter(first.hlc()));
    tandem.records("note").put("a", "{}");
    tandem.records("note").put("c", "{}");
    assertEquals("note", tandem.records("note").type());

    assertEquals(Arrays.asList("a", "b"), ids(tandem.records("note").list(null, 2)));
    assertEquals(Arrays.asList("c"), ids(tandem.records("note").list("b", 2)));
    assertEquals(1, tandem.records("note").list(null, 1).size());
    assertThrows(IllegalArgumentException.class, () -> tandem.records("note").list(null, 0));
    assertTrue(tandem.records("note").delete("a"));
    assertFalse(tandem.records("note").delete("a"));
    assertEquals(Arrays.asList("b", "c"), ids(tandem.records("note").list(null, 10)));
  }

  @Test
  void batch_readsItsOwnWrites_deletesAndKeepsHostState() {
    tandem.records("note").put("old", "{}");
    tandem.batch(b -> {
      Record r = b.put("note", "n", "{\"v\":1}");
      assertEquals("{\"v\":1}", r.json());
      assertEquals(r, b.get("note", "n"));
      assertTrue(b.delete("note", "old"));
      assertFalse(b.delete("note", "old"));
      assertFalse(b.delete("note", "never"));
      assertNull(b.get("note", "old"));
      assertNull(b.get("note", "never"));
      b.putLocalState("k", "v");
      assertEquals("v", b.localState("k"));
      assertNull(b.localState("other"));
      b.putLocalState("gone", "x");
      b.putLocalState("gone", null);
    });
    assertNull(tandem.records("note").get("old"));
    assertEquals("v", tandem.localState("k"));
    assertNull(tandem.localState("gone"));
    assertEquals(2, tandem.status().pending());
  }

  @Test
  void batch_checksEveryWriteLikeTheRepositories() {
    assertThrows(IllegalArgumentException.class, () -> tandem.batch(b -> b.put("nope", "x", "{}")));
    assertThrows(IllegalArgumentException.class, () -> tandem.batch(b -> b.delete("nope", "x")));
    assertThrows(IllegalArgumentException.class, () -> tandem.batch(b -> b.get("nope", "x")));
    assertThrows(IllegalArgumentException.class, () -> tandem.batch(b -> b.put("note", "x", "[]")));
    assertThrows(IllegalArgumentException.class,
        () -> tandem.batch(b -> b.putLocalState("tandem.cursor", "1")));
    assertThrows(IllegalArgumentException.class, () -> tandem.batch(b -> b.localState("")));
    assertEquals(0, tandem.status().pending());
  }

  @Test
  void recordTypes_conversationPartsCarryAConversationId() {
    for (String t : Arrays.asList("message", "ui_message", "tool_call", "file_context")) {
      assertTrue(RecordTypes.belongsToConversation(t), t);
    }
    for (String t : Arrays.asList("conversation", "audit_log", "note")) {
      assertFalse(RecordTypes.belongsToConversation(t), t);
    }
  }
}
