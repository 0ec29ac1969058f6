package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the real samples (test resources {@code sessions/}) map to: one model for every agent. */
class SessionMappingTest {
  @TempDir Path tmp;
  private Tandem tandem;

  @BeforeEach
  void open() {
    tandem = Tandem.builder().database(tmp.resolve("t.db")).autoSync(false).build();
  }

  @AfterEach
  void close() {
    tandem.close();
  }

  private void importAgent(String agent) throws Exception {
    ImportReport r = new SessionImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
        .importDir(SessionByteIdentityTest.bundled(agent), null);
    assertEquals(List.of(), r.problems());
  }

  private List<ObjectNode> list(String type, String cid) {
    return tandem.store().history().listByConversation(type, cid).stream()
        .sorted(Comparator.comparing(Record::id, Comparator.comparingInt(
            (String id) -> id.length()).thenComparing(Comparator.naturalOrder())))
        .map(Record::data).collect(Collectors.toList());
  }

  private static List<Integer> lines(JsonNode d) {
    return java.util.stream.StreamSupport.stream(d.path("_tandem").path("lines").spliterator(),
        false).map(JsonNode::asInt).collect(Collectors.toList());
  }

  @Test
  void claudeCode_linesBecomeMessagesEventsAndToolCalls_oneApiResponseIsOneMessage()
      throws Exception {
    importAgent("claude-code");
    String cid = "0b903f4a-f843-4a76-90bb-df10400e0478";
    Conversation c = tandem.conversations().get(cid);
    assertEquals("claude-code", c.source());
    assertEquals("/home/vwestberg/Claude", c.toJson().path("workspacePath").asText());
    List<ObjectNode> messages = list(RecordTypes.MESSAGE, cid);
    assertEquals(List.of("user", "assistant", "user", "assistant"),
        messages.stream().map(m -> m.path("role").asText()).collect(Collectors.toList()));
    // thinking and tool_use of one API response (lines 4 and 5): one message, two parts
    assertEquals(List.of(4, 5), lines(messages.get(1)));
    assertTrue(messages.get(0).path("parentUuid").isNull(), "the chain starts here");
    assertTrue(messages.get(1).path("parentUuid").isTextual());
    assertEquals(2, messages.get(1).path("uuids").size());
    List<ObjectNode> events = list(RecordTypes.UI_MESSAGE, cid);
    assertEquals(List.of("permission-mode", "file-history-snapshot", "attachment",
        "last-prompt", "permission-mode"), events.stream()
            .map(e -> e.path("event").asText()).collect(Collectors.toList()));
    List<ObjectNode> tools = list(RecordTypes.TOOL_CALL, cid);
    assertEquals(1, tools.size());
    ObjectNode tool = tools.get(0);
    assertEquals("ok", tool.path("status").asText());
    assertEquals(cid + ":m:4", tool.path("messageId").asText());
    assertEquals(cid + ":m:6", tool.path("resultMessageId").asText());
    assertFalse(tool.path("name").isNull());
    assertFalse(tool.path("result").isNull());
  }

  @Test
  void claudeCode_subAgent_isAChildConversation_titledByItsMeta() throws Exception {
    importAgent("claude-code");
    String parent = "44ef5cbf-9cc3-4f7b-ac40-337a4d39713b";
    assertEquals("add-teams-keybinding", tandem.conversations().get(parent).title());
    Conversation child = tandem.conversations().get(parent + ":agent-a71969c1296961234");
    assertNotNull(child);
    assertEquals("Find Teams launch command", child.title());
    assertEquals(parent, child.toJson().path("parentConversationId").asText());
    assertEquals("Explore", child.toJson().path("metadata").path("agentType").asText());
    assertTrue(list(RecordTypes.MESSAGE, child.id()).size() > 2);
  }

  @Test
  void codex_messagesToolCallsPairedByCallId_injectedInstructionsMarked_titleFromIndex()
      throws Exception {
    importAgent("codex");
    String cid = "019c7f51-0152-7080-96b6-bd5a3d12e815";
    Conversation c = tandem.conversations().get(cid);
    assertEquals("codex", c.source());
    assertEquals("config.toml のコメントを整理", c.title());
    List<ObjectNode> messages = list(RecordTypes.MESSAGE, cid);
    assertEquals(12, messages.size());
    ObjectNode typed = messages.stream().filter(m -> lines(m).equals(List.of(6))).findFirst()
        .orElseThrow();
    assertEquals("user", typed.path("role").asText());
    assertFalse(typed.path("injected").asBoolean());
    assertTrue(typed.path("turnId").isTextual(), "inside the turn");
    for (ObjectNode m : messages) {
      if (lines(m).get(0) < 5) {
        assertTrue(m.path("injected").asBoolean(), "before the first turn: " + lines(m));
      }
    }
    List<ObjectNode> tools = list(RecordTypes.TOOL_CALL, cid);
    assertEquals(3, tools.size());
    for (ObjectNode t : tools) {
      assertEquals(2, lines(t).size(), "call and output in one record: " + t);
      assertEquals("ok", t.path("status").asText());
      assertTrue(t.path("name").isTextual());
    }
    // index lines of rollouts that were not copied: conversations without messages
    Conversation other = tandem.conversations().get("019c75e9-6afd-7d70-adef-a81e5f53c466");
    assertEquals(".envrc を .devenv/rnvrc.sh に移動", other.title());
    assertEquals(0, list(RecordTypes.MESSAGE, other.id()).size());
  }

  @Test
  void aRolloutThatIsGone_keepsItsConversationAndMessages_whileItsIndexLineStays()
      throws Exception {
    Path home = tmp.resolve("codex");
    Corpus.copy(SessionByteIdentityTest.bundled("codex"), home);
    SessionImporter importer = new SessionImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES);
    importer.importDir(home, Source.CODEX);
    String cid = "019c7f51-0152-7080-96b6-bd5a3d12e815";
    int messages = list(RecordTypes.MESSAGE, cid).size();
    try (var s = java.nio.file.Files.walk(home.resolve("sessions"))) {
      for (Path p : s.filter(p -> p.toString().contains(cid)).collect(Collectors.toList())) {
        java.nio.file.Files.delete(p);
      }
    }
    ImportReport r = importer.importDir(home, Source.CODEX);
    assertEquals(0, r.recordsDeleted());
    assertEquals(messages, list(RecordTypes.MESSAGE, cid).size());
    assertEquals("config.toml のコメントを整理", tandem.conversations().get(cid).title());
  }

  @Test
  void continue_historyItemsBecomeMessages_theFileIsKeptWhole() throws Exception {
    importAgent("continue");
    String cid = "1d320618-2da9-4e75-9bf1-cfd1cd041fce";
    Conversation c = tandem.conversations().get(cid);
    assertEquals("continue", c.source());
    assertTrue(c.title().startsWith("<think>"), c.title());
    assertEquals("file:///home/dimits/Documents/research/synthetic_moderation_experiments",
        c.toJson().path("workspacePath").asText());
    List<ObjectNode> messages = list(RecordTypes.MESSAGE, cid);
    assertTrue(messages.size() >= 2);
    assertEquals("user", messages.get(0).path("role").asText());
    assertTrue(messages.get(0).path("content").asText().startsWith("guides.md write"));
    assertNull(messages.get(0).path("_tandem").get("lines"), "derived, not the file's bytes");
  }

  @Test
  void search_findsTextOfEveryAgent() throws Exception {
    importAgent("claude-code");
    importAgent("codex");
    importAgent("continue");
    assertFalse(tandem.search("guides", 5).isEmpty(), "continue");
    assertFalse(tandem.search("Teams", 5).isEmpty(), "claude-code");
    assertFalse(tandem.search("clangd", 5).isEmpty(), "codex");
  }

  @Test
  void timestamps_fastPathAgreesWithInstantParse_andLeavesTheRestToIt() {
    String[] same = {"2026-02-21T17:29:01Z", "2026-02-21T17:29:01.5Z", "2026-02-21T17:29:01.56Z",
        "2026-02-21T17:29:01.567Z", "2026-02-21T17:29:01.5678Z", "2024-02-29T23:59:59.999999999Z",
        "1970-01-01T00:00:00.000Z", "2099-12-31T00:00:00.100Z", "2026-01-02T03:04:05.000001Z"};
    for (String s : same) {
      long full = java.time.Instant.parse(s).toEpochMilli();
      assertEquals(full, SessionFormat.utcMillis(s), s);
      assertEquals(full, SessionFormat.isoMillis(dev.tandem.sync.internal.Json.MAPPER
          .getNodeFactory().textNode(s)), s);
    }
    // not the common form: the fast path declines, the full parser decides
    String[] declined = {"2026-02-21T17:29:01+01:00", "2026-02-30T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-02-21T17:29:01.Z", "2026-02-21 17:29:01Z",
        "1969-12-31T23:59:59Z", "2026-02-21T17:29:60Z", "2026-02-21T17:29:01.1234567890Z"};
    for (String s : declined) {
      assertEquals(-1, SessionFormat.utcMillis(s), s);
    }
    assertEquals(java.time.Instant.parse("2026-02-21T16:29:01Z").toEpochMilli(),
        SessionFormat.isoMillis(dev.tandem.sync.internal.Json.MAPPER.getNodeFactory()
            .textNode("2026-02-21T17:29:01+01:00")));
    assertEquals(0, SessionFormat.isoMillis(dev.tandem.sync.internal.Json.MAPPER
        .getNodeFactory().textNode("2026-02-30T00:00:00Z")));
  }
}
