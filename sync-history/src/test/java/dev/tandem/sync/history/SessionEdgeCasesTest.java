package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated edge cases of the session formats: empty files, a truncated last line (an agent
 * still writing), unknown line types and fields, NUL, emoji and bytes that are not UTF-8, CRLF,
 * branching {@code parentUuid} chains, a tool result with no call, a line too long for one
 * record. Each must import without loss and export byte-identical.
 */
class SessionEdgeCasesTest {
  private static final String SID = "11111111-2222-3333-4444-555555555555";

  @TempDir Path tmp;
  private Tandem tandem;
  private Path home;
  private Path session;

  @BeforeEach
  void open() throws Exception {
    tandem = Tandem.builder().database(tmp.resolve("t.db")).autoSync(false).build();
    home = tmp.resolve("home/.claude");
    session = Files.createDirectories(home.resolve("projects/-home-dev-app"))
        .resolve(SID + ".jsonl");
  }

  @AfterEach
  void close() {
    tandem.close();
  }

  static String user(String uuid, String parent, String text) {
    return "{\"parentUuid\":" + (parent == null ? "null" : "\"" + parent + "\"")
        + ",\"isSidechain\":false,\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":"
        + "\"" + text + "\"},\"uuid\":\"" + uuid + "\",\"timestamp\":\"2026-01-01T10:00:00.000Z\","
        + "\"sessionId\":\"" + SID + "\",\"cwd\":\"/home/dev/app\"}";
  }

  static String assistant(String uuid, String parent, String apiId, String block) {
    return "{\"parentUuid\":\"" + parent + "\",\"type\":\"assistant\",\"message\":{\"id\":\""
        + apiId + "\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[" + block
        + "]},\"uuid\":\"" + uuid + "\",\"timestamp\":\"2026-01-01T10:00:01.000Z\","
        + "\"sessionId\":\"" + SID + "\"}";
  }

  private ImportReport importHome() throws Exception {
    ImportReport r = new SessionImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
        .importDir(home, Source.CLAUDE_CODE);
    assertEquals(List.of(), r.problems());
    return r;
  }

  private void assertExportsIdentical() throws Exception {
    Path out = Files.createTempDirectory(tmp, "out");
    ExportReport e = new SessionExporter(tandem).export(out, Source.CLAUDE_CODE, null);
    assertEquals(List.of(), e.problems());
    assertEquals(Corpus.files(home), Corpus.files(out));
    for (String f : Corpus.files(home)) {
      String d = Corpus.firstDifference(home.resolve(f), out.resolve(f));
      assertNull(d, d);
    }
  }

  private List<ObjectNode> list(String type) {
    return tandem.store().history().listByConversation(type, SID).stream().map(Record::data)
        .sorted(java.util.Comparator.comparingInt(d -> d.path("_tandem").path("ordinal")
            .asInt()))
        .collect(Collectors.toList());
  }

  @Test
  void emptyFile_isAConversationWithoutMessages_andExportsEmpty() throws Exception {
    Files.write(session, new byte[0]);
    assertEquals(1, importHome().imported());
    assertEquals(0, list(RecordTypes.MESSAGE).size());
    assertExportsIdentical();
  }

  @Test
  void truncatedLastLine_isKeptAsTheTail_andImportedOnceItIsComplete() throws Exception {
    String full = user("u3", "u2", "third");
    String head = user("u1", null, "first") + "\n" + user("u2", "u1", "second") + "\n";
    Files.writeString(session, head + full.substring(0, 40));
    importHome();
    assertEquals(2, list(RecordTypes.MESSAGE).size(), "the unfinished line is not a message");
    assertExportsIdentical();

    Files.writeString(session, head + full + "\n");
    ImportReport r = importHome();
    assertEquals(3, list(RecordTypes.MESSAGE).size());
    assertEquals(1, r.recordsDeleted(), "the tail record is gone");
    assertEquals(full.length() + 1, r.bytesRead(), "only the bytes after the last full line");
    assertExportsIdentical();
  }

  @Test
  void unknownLineTypes_fieldsAndNonObjectLines_areKeptAsEvents() throws Exception {
    Files.writeString(session, "{\"type\":\"future-thing\",\"x\":{\"y\":[1,2.50,null]}}\n"
        + user("u1", null, "hi").replace("\"cwd\"", "\"newField\":{\"a\":[1e3]},\"cwd\"") + "\n"
        + "[1,2]\n\nnot json at all\n{\"no\":\"type\"}\n");
    importHome();
    assertEquals(List.of("future-thing", "invalid", "blank", "invalid", "unknown"),
        list(RecordTypes.UI_MESSAGE).stream().map(e -> e.path("event").asText())
            .collect(Collectors.toList()));
    assertEquals(1, list(RecordTypes.MESSAGE).size());
    assertExportsIdentical();
  }

  @Test
  void nulEmojiCrlfAndBytesThatAreNotUtf8_roundTrip() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes((user("u1", null, "nul \\u0000 and 🚀 ünïcode") + "\r\n")
        .getBytes(StandardCharsets.UTF_8));
    b.writeBytes(new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, 0, '"', '}', '\n'});
    b.writeBytes((user("u2", "u1", "raw NUL").replace("raw NUL", "raw\u0000NUL") + "\n")
        .getBytes(StandardCharsets.UTF_8));
    Files.write(session, b.toByteArray());
    importHome();
    List<ObjectNode> m = list(RecordTypes.MESSAGE);
    assertTrue(m.get(0).path("content").asText().contains("🚀"));
    assertExportsIdentical();
  }

  @Test
  void branchingParentUuidChains_keepEveryBranch() throws Exception {
    Files.writeString(session, String.join("\n",
        user("u1", null, "question"),
        assistant("a1", "u1", "msg_1", "{\"type\":\"text\",\"text\":\"answer one\"}"),
        user("u2", "u1", "question, edited"),
        assistant("a2", "u2", "msg_2", "{\"type\":\"text\",\"text\":\"answer two\"}")) + "\n");
    importHome();
    List<ObjectNode> m = list(RecordTypes.MESSAGE);
    assertEquals(4, m.size());
    assertEquals(List.of("u1", "u1"), m.stream()
        .filter(d -> "u1".equals(d.path("parentUuid").asText(null)))
        .map(d -> d.path("parentUuid").asText()).collect(Collectors.toList()),
        "two children of u1: the original answer and the edit");
    assertEquals("u2", m.get(3).path("parentUuid").asText());
    assertExportsIdentical();
  }

  @Test
  void toolResultWithNoCall_isAToolCallWithoutName() throws Exception {
    Files.writeString(session, user("u1", null, "x").replace("\"content\":\"x\"",
        "\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_gone\","
            + "\"content\":\"boom\",\"is_error\":true}]") + "\n");
    importHome();
    List<ObjectNode> tools = list(RecordTypes.TOOL_CALL);
    assertEquals(1, tools.size());
    assertTrue(tools.get(0).path("name").isNull());
    assertEquals("error", tools.get(0).path("status").asText());
    assertEquals("boom", tools.get(0).path("result").asText());
    assertExportsIdentical();
  }

  @Test
  void aLineTooLongForOneRecord_spillsIntoChunks() throws Exception {
    String big = "y".repeat(LineStore.INLINE_CHARS * 2 + 17);
    Files.writeString(session, user("u1", null, "small") + "\n" + user("u2", "u1", big) + "\n");
    importHome();
    long chunks = tandem.store().history().listByConversation(RecordTypes.FILE_CONTEXT, SID).stream()
        .filter(r -> r.id().contains(":chunk:")).count();
    assertEquals(2, chunks);
    assertTrue(list(RecordTypes.MESSAGE).get(1).path("content").asText().length()
        <= LineStore.CONTENT_CHARS + 1);
    assertExportsIdentical();
  }

  @Test
  void sideFilesAndSubAgents_roundTrip_andTheAgentToolCallNamesTheChild() throws Exception {
    Path side = Files.createDirectories(home.resolve("projects/-home-dev-app/" + SID
        + "/subagents"));
    Files.createDirectories(side.resolveSibling("tool-results"));
    Files.write(side.resolveSibling("tool-results").resolve("toolu_1.txt"),
        new byte[] {1, 2, (byte) 0x80, 'x'});
    Files.writeString(side.resolve("agent-a1.meta.json"),
        "{\"agentType\":\"Explore\",\"description\":\"Look around\"}");
    Files.writeString(side.resolve("agent-a1.jsonl"), user("s1", null, "sub task")
        .replace("\"isSidechain\":false", "\"isSidechain\":true,\"agentId\":\"a1\"") + "\n");
    Files.writeString(session, String.join("\n",
        user("u1", null, "go"),
        assistant("a1x", "u1", "msg_1",
            "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Agent\",\"input\":{}}"),
        user("u2", "a1x", "x").replace("\"content\":\"x\"},", "\"content\":[{\"type\":"
            + "\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"done\"}]},"
            + "\"toolUseResult\":{\"agentId\":\"a1\",\"status\":\"completed\"},")) + "\n");
    importHome();
    String child = SID + ":agent-a1";
    assertEquals("Look around", tandem.conversations().get(child).title());
    assertEquals(child, list(RecordTypes.TOOL_CALL).get(0).path("childConversationId")
        .asText());
    assertExportsIdentical();
  }

  @Test
  void aSymbolicLinkInTheSideFolder_isRefused_notRead() throws Exception {
    Files.writeString(session, user("u1", null, "x") + "\n");
    Path secret = Files.writeString(tmp.resolve("secret.txt"), "token");
    Path side = Files.createDirectories(session.resolveSibling(SID + "/tool-results"));
    Files.createSymbolicLink(side.resolve("toolu_1.txt"), secret);
    ImportReport r = importHome();
    assertEquals(1, r.refused().size(), r.refused().toString());
    assertFalse(tandem.store().history().listByConversation(RecordTypes.FILE_CONTEXT, SID).stream()
        .anyMatch(x -> x.data().toString().contains("token")));
  }

  /**
   * Arbitrary bytes (fixed seed): pieces of real lines, cut and mixed with newlines, CR, NUL,
   * bytes that are not UTF-8 and JSON punctuation. Every version imports without a problem
   * (whether it grew or was rewritten) and exports byte-identical.
   */
  @Test
  void arbitraryBytes_alwaysImport_andExportByteIdentical() throws Exception {
    byte[] real = Files.readAllBytes(SessionByteIdentityTest.bundled("claude-code")
        .resolve("projects/-home-vwestberg-Claude/0b903f4a-f843-4a76-90bb-df10400e0478.jsonl"));
    java.util.Random random = new java.util.Random(20261201L);
    byte[] odd = {'\n', '\r', 0, (byte) 0xff, (byte) 0xc3, '{', '}', '"', '[', ':', ','};
    byte[] previous = new byte[0];
    for (int round = 0; round < 60; round++) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      if (random.nextBoolean()) {
        b.writeBytes(previous); // grows: the append path
      }
      for (int piece = random.nextInt(6); piece >= 0; piece--) {
        if (random.nextInt(3) == 0) {
          b.write(odd[random.nextInt(odd.length)]);
        } else {
          int from = random.nextInt(real.length);
          b.write(real, from, Math.min(real.length - from, random.nextInt(400)));
        }
      }
      previous = b.toByteArray();
      Files.write(session, previous);
      Files.setLastModifiedTime(session, FileTime.fromMillis(2_000_000L + round));
      ImportReport r = importHome();
      assertEquals(0, r.failed(), "round " + round);
      assertExportsIdentical();
    }
  }

  @Test
  void continueAndCodex_brokenOrOddFiles_areKept_andExportIdentical() throws Exception {
    Path cont = tmp.resolve("c/.continue");
    Path sessions = Files.createDirectories(cont.resolve("sessions"));
    Files.writeString(sessions.resolve("aaaaaaaa-0000-0000-0000-000000000001.json"),
        "{\"sessionId\":\"a\",\"history\":[{\"message\":{\"role\":\"user\",\"conte");
    Files.write(sessions.resolve("aaaaaaaa-0000-0000-0000-000000000002.json"), new byte[0]);
    Files.writeString(sessions.resolve("aaaaaaaa-0000-0000-0000-000000000003.json"),
        "{\"sessionId\":\"3\",\"title\":\"🚀\\u0000\",\"history\":[{\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"hi\"},\"future\":1}]}\r\n");
    Files.writeString(sessions.resolve("sessions.json"), "[{\"sessionId\":\"aaaaaaaa-0000-0000-"
        + "0000-000000000003\",\"title\":\"t\",\"dateCreated\":\"1700000000000\"},"
        + "{\"sessionId\":\"gone-session\",\"title\":\"old\",\"dateCreated\":\"x\"}]");
    Path codex = tmp.resolve("x/.codex");
    Path day = Files.createDirectories(codex.resolve("sessions/2026/01/02"));
    Files.writeString(day.resolve("rollout-2026-01-02T00-00-00-"
        + "bbbbbbbb-0000-0000-0000-000000000001.jsonl"),
        "{\"timestamp\":\"2026-01-02T00:00:00Z\",\"type\":\"response_item\",\"payload\":"
            + "{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"orphan\"}}\n"
            + "{\"timestamp\":\"2026-01-02T00:00:01Z\",\"type\":\"brand_new\",\"payload\":{}}\n"
            + "{\"timestamp\":\"2026-01-02T00:00:02Z\",\"type\":\"respo");
    Files.writeString(codex.resolve("session_index.jsonl"), "not json\n{\"id\":\"bbbbbbbb-0000-"
        + "0000-0000-000000000001\",\"thread_name\":\"x\"}\n{\"id\":");
    for (Object[] c : new Object[][] {{cont, Source.CONTINUE}, {codex, Source.CODEX}}) {
      Path h = (Path) c[0];
      Source src = (Source) c[1];
      ImportReport r = new SessionImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(h, null);
      assertEquals(List.of(), r.problems(), src.id());
      assertEquals(0, r.failed());
      if (src == Source.CONTINUE) {
        assertEquals(2, r.warnings().size(), "the broken and the empty session: " + r.warnings());
      }
      Path out = Files.createTempDirectory(tmp, src.id());
      ExportReport e = new SessionExporter(tandem).export(out, src, null);
      assertEquals(List.of(), e.problems());
      assertEquals(Corpus.files(h), Corpus.files(out));
      for (String f : Corpus.files(h)) {
        assertNull(Corpus.firstDifference(h.resolve(f), out.resolve(f)));
      }
    }
    ObjectNode orphan = tandem.store().history().listByConversation(RecordTypes.TOOL_CALL,
        "bbbbbbbb-0000-0000-0000-000000000001").get(0).data();
    assertTrue(orphan.path("name").isNull());
    assertEquals("orphan", orphan.path("result").asText());
    assertEquals("old", tandem.conversations().get("gone-session").title());
  }

  @Test
  void exportOfAnUnsafePathFromRecordData_isSkipped_andWritesNothing() throws Exception {
    Files.writeString(session, user("u1", null, "x") + "\n");
    importHome();
    for (String bad : new String[] {"../escape.jsonl", "/abs.jsonl", "a\\b.jsonl",
        "projects/C:x.jsonl"}) {
      ObjectNode c = tandem.conversations().get(SID).toJson();
      ObjectNode files = (ObjectNode) c.get("_tandem").get("files");
      JsonNode info = files.elements().next();
      files.removeAll();
      files.set(bad, info);
      tandem.batch(b -> b.put(RecordTypes.CONVERSATION, SID, dev.tandem.sync.internal.Json
          .write(c)));
      Path out = Files.createTempDirectory(tmp, "unsafe");
      ExportReport e = new SessionExporter(tandem).export(out, Source.CLAUDE_CODE, null);
      assertEquals(1, e.skipped().size(), bad);
      assertTrue(e.skipped().get(0).reason().contains("unsafe"), e.skipped().toString());
      assertEquals(List.of(), Corpus.files(out));
      assertFalse(Files.exists(tmp.resolve("escape.jsonl")));
    }
  }

  // ---- append-aware re-import ----

  @Test
  void appendingOneLine_writesOnlyThatLinesRecords() throws Exception {
    StringBuilder sb = new StringBuilder();
    String prev = null;
    for (int i = 0; i < 50; i++) {
      sb.append(user("u" + i, prev, "line " + i)).append('\n');
      prev = "u" + i;
    }
    Files.writeString(session, sb.toString());
    importHome();
    String line = user("u50", prev, "the new one") + "\n";
    Files.writeString(session, sb + line);
    ImportReport r = importHome();
    assertEquals(2, r.recordsWritten(), "the new message and the conversation");
    assertEquals(line.length(), r.bytesRead());
    assertEquals(51, list(RecordTypes.MESSAGE).size());
    assertEquals(0, importHome().recordsWritten(), "unchanged: nothing");
  }

  @Test
  void appendedParts_continueTheMessage_andAResultCompletesAnEarlierCall() throws Exception {
    String head = user("u1", null, "go") + "\n"
        + assistant("a1", "u1", "msg_1", "{\"type\":\"thinking\",\"thinking\":\"hm\"}") + "\n";
    Files.writeString(session, head);
    importHome();
    String more = assistant("a2", "a1", "msg_1",
        "{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"Bash\",\"input\":{\"c\":\"ls\"}}")
        + "\n";
    Files.writeString(session, head + more);
    importHome();
    List<ObjectNode> m = list(RecordTypes.MESSAGE);
    assertEquals(2, m.size(), "the part joined its message");
    assertEquals(2, m.get(1).path("_tandem").path("lines").size());
    assertEquals("pending", list(RecordTypes.TOOL_CALL).get(0).path("status").asText());
    String result = user("u2", "a2", "x").replace("\"content\":\"x\"",
        "\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_9\",\"content\":\"ok\"}]")
        + "\n";
    Files.writeString(session, head + more + result);
    importHome();
    ObjectNode tool = list(RecordTypes.TOOL_CALL).get(0);
    assertEquals("ok", tool.path("status").asText());
    assertEquals("Bash", tool.path("name").asText());
    assertExportsIdentical();
  }

  @Test
  void aFileRewrittenInPlace_orShorter_isImportedInFull() throws Exception {
    String a = user("u1", null, "aaaa") + "\n" + user("u2", "u1", "bbbb") + "\n"
        + user("u3", "u2", "cccc") + "\n";
    Files.writeString(session, a);
    importHome();
    // same size, a byte changed in the first line: the prefix no longer matches
    Files.writeString(session, a.replace("aaaa", "AAAA"));
    Files.setLastModifiedTime(session, FileTime.fromMillis(1_000_000L));
    importHome();
    assertEquals("AAAA", list(RecordTypes.MESSAGE).get(0).path("content").asText());
    Files.writeString(session, user("u1", null, "only") + "\n");
    ImportReport r = importHome();
    assertEquals(2, r.recordsDeleted(), "the lines that are gone");
    assertEquals(1, list(RecordTypes.MESSAGE).size());
    assertExportsIdentical();
  }

  /**
   * Growing a real session in steps, cut anywhere (mid-line too), ends with exactly the records
   * a single import of the whole file gives: append imports and full imports agree.
   */
  @Test
  void importingAGrowingFileInSteps_equalsOneFullImport() throws Exception {
    for (String[] s : new String[][] {
        {"claude-code", "projects/-home-vwestberg-Claude/44ef5cbf-9cc3-4f7b-ac40-337a4d39713b.jsonl"},
        {"codex", "sessions/2026/02/21/"
            + "rollout-2026-02-21T17-29-01-019c7f51-0152-7080-96b6-bd5a3d12e815.jsonl"}}) {
      Source src = s[0].equals("codex") ? Source.CODEX : Source.CLAUDE_CODE;
      byte[] all = Files.readAllBytes(SessionByteIdentityTest.bundled(s[0]).resolve(s[1]));
      Map<String, String> stepwise = grow(s[0], s[1], src, all, new int[] {
          all.length / 5, all.length / 3 + 7, all.length / 2, all.length * 4 / 5, all.length});
      Map<String, String> once = grow(s[0] + "-once", s[1], src, all, new int[] {all.length});
      assertTrue(once.size() > 30, "compared only " + once.keySet());
      assertEquals(once.keySet(), stepwise.keySet());
      assertEquals(once, stepwise, s[0]);
    }
  }

  private Map<String, String> grow(String name, String rel, Source src, byte[] all, int[] cuts)
      throws Exception {
    Path h = tmp.resolve("grow-" + name);
    Path f = h.resolve(rel);
    Files.createDirectories(f.getParent());
    Map<String, String> out = new TreeMap<>();
    try (Tandem t = Tandem.builder().database(tmp.resolve(name + ".db")).autoSync(false)
        .build()) {
      for (int i = 0; i < cuts.length; i++) {
        Files.write(f, java.util.Arrays.copyOf(all, cuts[i]));
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000L + i));
        ImportReport r = new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
            .importDir(h, src);
        assertEquals(List.of(), r.problems());
      }
      for (String type : List.of(RecordTypes.CONVERSATION)) {
        for (Record r : t.store().list(type, null, 1000)) {
          out.put(type + "/" + r.id(), r.deleted() ? "deleted" : canonical(r.data()));
        }
      }
      for (String type : List.of(RecordTypes.MESSAGE, RecordTypes.UI_MESSAGE,
          RecordTypes.TOOL_CALL, RecordTypes.FILE_CONTEXT)) {
        List<Record> live = new ArrayList<>();
        for (Record c : t.store().list(RecordTypes.CONVERSATION, null, 1000)) {
          live.addAll(t.store().history().listByConversation(type, c.id()));
        }
        for (Record r : live) {
          out.put(type + "/" + r.id(), canonical(r.data()));
        }
      }
    }
    return out;
  }

  private static String canonical(JsonNode n) {
    return n.toString();
  }
}
