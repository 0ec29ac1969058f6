package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.RecordTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskMapperTest {
  @TempDir Path tmp;

  private final TaskMapper mapper = new TaskMapper(64L << 20);

  private int compared;

  private void roundTrip(Path task) throws Exception {
    MappedTask m = mapper.map(task, null, null);
    List<ObjectNode> data = new ArrayList<>();
    for (TaskRecord r : m.records()) {
      data.add(dev.tandem.sync.internal.Json.parseObject(r.json()));
    }
    Path out = tmp.resolve("out").resolve(task.getFileName().toString());
    TaskMapper.writeTask(out, m.conversation(), data);
    compared += Corpus.assertSameTask(task, out);
  }

  @Test
  void map_thenWrite_givesBackIdenticalBytes_forBundledCorpus() throws Exception {
    for (Path task : Corpus.taskDirs(Corpus.bundled())) {
      roundTrip(task);
    }
    assertTrue(compared >= 27, "compared only " + compared + " files");
  }

  @Test
  void map_thenWrite_givesBackIdenticalBytes_forSharedCorpus() throws Exception {
    Path corpus = Corpus.shared();
    Assumptions.assumeTrue(corpus != null, "skipped: ../shared/corpus not found");
    for (Path task : Corpus.taskDirs(corpus.resolve("tasks"))) {
      roundTrip(task);
    }
    for (Path task : Corpus.taskDirs(corpus.resolve("versions"))) {
      roundTrip(task);
    }
    assertTrue(compared >= 116, "compared only " + compared + " files");
  }

  @Test
  void map_derivesToolCallsFromToolUseAndToolResult() throws Exception {
    Path task = tmp.resolve("1769000000000");
    Files.createDirectories(task);
    Files.writeString(task.resolve("api_conversation_history.json"), """
        [{"role":"user","content":"hi","ts":1},
         {"role":"assistant","ts":2,"content":[{"type":"tool_use","id":"toolu_1","name":"read_file","input":{"path":"a.txt"}}]},
         {"role":"user","ts":3,"content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"data","is_error":true}]}]""");
    MappedTask m = mapper.map(task, null, null);
    TaskRecord call = m.records().stream()
        .filter(r -> r.type().equals(RecordTypes.TOOL_CALL)).findFirst().orElseThrow();
    assertEquals("1769000000000:tool:1.0", call.id());
    assertEquals("read_file", call.data().get("name").asText());
    assertEquals("a.txt", call.data().get("arguments").get("path").asText());
    assertEquals("data", call.data().get("result").asText());
    assertEquals("error", call.data().get("status").asText());
    assertEquals(2, call.data().get("startedAt").asLong());
    assertEquals(3, call.data().get("finishedAt").asLong());
    assertEquals("1769000000000:api:1", call.data().get("messageId").asText());
  }

  @Test
  void map_keepsElementWithReservedKeysWhole() throws Exception {
    Path task = tmp.resolve("t1");
    Files.createDirectories(task);
    String json = "[{\"ts\":1,\"type\":\"say\",\"conversationId\":\"x\",\"_tandem\":null,"
        + "\"n\":1.50,\"big\":123456789012345678901234567890}]";
    Files.writeString(task.resolve("ui_messages.json"), json);
    roundTrip(task);
    assertEquals(json, Files.readString(tmp.resolve("out/t1/ui_messages.json")));
  }

  @Test
  void map_prettyPrintedFile_isWrittenBackByteIdentical() throws Exception {
    Path task = tmp.resolve("t2");
    Files.createDirectories(task);
    String json = "[\n    {\n        \"ts\": 1,\n        \"images\": [],\n        \"o\": {},\n"
        + "        \"a\": [\n            1,\n            \"x\"\n        ]\n    }\n]\n";
    Files.writeString(task.resolve("ui_messages.json"), json);
    roundTrip(task);
    assertEquals(json, Files.readString(tmp.resolve("out/t2/ui_messages.json")));
  }

  @Test
  void map_claudeMessagesWithUiRows_mapsToUiMessages_andApiRows_toMessages() throws Exception {
    Path cline = tmp.resolve("1700000000000");
    Files.createDirectories(cline);
    Files.writeString(cline.resolve("claude_messages.json"),
        "[{\"ts\":1,\"type\":\"say\",\"say\":\"text\",\"text\":\"old cline\"}]");
    MappedTask m = mapper.map(cline, null, null);
    assertEquals(RecordTypes.UI_MESSAGE, m.records().get(0).type());
    assertEquals("old cline", m.conversation().get("title").asText());

    Path roo = tmp.resolve("0b1e9c9e-0000-4000-8000-000000000000");
    Files.createDirectories(roo);
    Files.writeString(roo.resolve("claude_messages.json"),
        "[{\"role\":\"user\",\"content\":\"<task>\\nroo legacy\\n</task>\"}]");
    MappedTask r = mapper.map(roo, null, null);
    assertEquals(RecordTypes.MESSAGE, r.records().get(0).type());
    assertEquals(Source.ROO, r.source());
    assertEquals("roo legacy", r.conversation().get("title").asText());
    roundTrip(roo);
  }

  @Test
  void map_truncatedFile_namesFileAndReason() throws Exception {
    Path task = tmp.resolve("t3");
    Files.createDirectories(task);
    Files.writeString(task.resolve("ui_messages.json"), "[{\"ts\":1,\"type\":\"say\"},{\"ts\":2,");
    TaskImportException e = assertThrows(TaskImportException.class,
        () -> mapper.map(task, null, null));
    assertEquals("ui_messages.json", e.file());
    assertTrue(e.reason().contains("truncated"), e.reason());
  }

  @Test
  void map_wrongTypes_namesElement() throws Exception {
    Path task = tmp.resolve("t4");
    Files.createDirectories(task);
    Files.writeString(task.resolve("api_conversation_history.json"), "[{\"role\":\"user\"}, 42]");
    TaskImportException e = assertThrows(TaskImportException.class,
        () -> mapper.map(task, null, null));
    assertEquals("api_conversation_history.json", e.file());
    assertTrue(e.reason().contains("element 1 is a number"), e.reason());
    Files.writeString(task.resolve("api_conversation_history.json"), "{\"role\":\"user\"}");
    e = assertThrows(TaskImportException.class, () -> mapper.map(task, null, null));
    assertTrue(e.reason().contains("expected a JSON array"), e.reason());
  }

  @Test
  void map_fileOverLimit_isRefusedWithoutReadingIt() throws Exception {
    Path task = tmp.resolve("t5");
    Files.createDirectories(task);
    try (var f = new java.io.RandomAccessFile(task.resolve("ui_messages.json").toFile(), "rw")) {
      f.setLength(200L << 20); // sparse: 200 MB on paper, nothing on disk
    }
    Files.writeString(task.resolve("task_metadata.json"), "{}");
    TaskMapper.Listing listing = TaskMapper.scan(task, 64L << 20);
    assertTrue(listing.refused().get("ui_messages.json").startsWith(
        "file is 209715200 bytes, over the import limit of 67108864 bytes"), listing.toString());
    assertEquals(List.of(task.resolve("task_metadata.json")), listing.files());
    MappedTask m = mapper.map(task, null, null);
    assertTrue(m.records().stream().noneMatch(r -> r.type().equals(RecordTypes.UI_MESSAGE)),
        "the refused file is not mapped");
    assertFalse(m.conversation().path(TaskMapper.TANDEM).path("files").has("ui_messages.json"));
  }

  @Test
  void map_opaqueFiles_surviveByteForByte_includingNonUtf8() throws Exception {
    Path task = tmp.resolve("t6");
    Files.createDirectories(task);
    Files.writeString(task.resolve("ui_messages.json"), "[]");
    Files.write(task.resolve("weird name ü.bin"), new byte[] {(byte) 0xff, 0, 1, 2});
    Files.writeString(task.resolve("focus_chain_taskid_t6.md"), "# list\r\n- [x] a\n");
    Files.writeString(task.resolve("task_metadata.json"), "{\"status\":\"restored\"}");
    MappedTask m = mapper.map(task, null, null);
    assertTrue(m.warnings().stream().anyMatch(w -> w.contains("files_in_context")));
    roundTrip(task);
  }

  @Test
  void chunk_neverSplitsSurrogatePairs() {
    String s = "a".repeat(TaskMapper.CHUNK_CHARS - 1) + "😀" + "b";
    List<String> chunks = TaskMapper.chunk(s);
    assertEquals(2, chunks.size());
    assertEquals(s, String.join("", chunks));
    assertEquals(TaskMapper.CHUNK_CHARS - 1, chunks.get(0).length());
  }

  @Test
  void layout_detectsIndentAndFinalNewline() throws IOException {
    Path f = tmp.resolve("x.json");
    Files.write(f, "[\r\n  1\r\n]\r\n".getBytes(StandardCharsets.UTF_8));
    JsonLayout l = JsonLayout.detect(f);
    assertEquals("  ", l.indent());
    assertEquals("\r\n", l.eol());
    assertTrue(l.finalNewline());
  }
}
