package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.OutboxEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryImporterTest {
  @TempDir Path tmp;
  private Tandem tandem;
  private HistoryImporter importer;

  @BeforeEach
  void open() {
    tandem = Tandem.builder().database(tmp.resolve("t.db")).autoSync(false).build();
    importer = new HistoryImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES);
  }

  @AfterEach
  void close() {
    tandem.close();
  }

  private int pending() {
    return tandem.store().countOutbox(OutboxEntry.Status.PENDING);
  }

  private ImportReport importDir(Path dir) throws Exception {
    return importer.importDir(dir, null, null);
  }

  private void exportAndCompare(Path tasks) throws Exception {
    Path out = Files.createTempDirectory(tmp, "export");
    ExportReport r = new HistoryExporter(tandem).export(out, Source.CLINE, null);
    assertEquals(List.of(), r.problems().stream()
        .filter(p -> !p.reason().endsWith("skipped")).collect(Collectors.toList()));
    for (Path task : Corpus.taskDirs(tasks)) {
      Corpus.assertSameTask(task, out.resolve("tasks").resolve(task.getFileName().toString()));
    }
  }

  @Test
  void import_thenExport_givesBackEqualJson_forBundledCorpus() throws Exception {
    ImportReport r = importDir(Corpus.bundled());
    assertEquals(0, r.failed(), r.problems().toString());
    assertEquals(Corpus.taskDirs(Corpus.bundled()).size(), r.imported());
    exportAndCompare(Corpus.bundled());
  }

  @Test
  void import_thenExport_givesBackEqualJson_forWholeSharedCorpus() throws Exception {
    Path corpus = Corpus.shared();
    Assumptions.assumeTrue(corpus != null, "skipped: ../shared/corpus not found");
    ImportReport r = importDir(corpus.resolve("tasks"));
    assertEquals(0, r.failed(), r.problems().toString());
    exportAndCompare(corpus.resolve("tasks"));
  }

  @Test
  void importingEachSnapshotInTurn_leavesStoreAndExportEqualToTheLatest() throws Exception {
    Path corpus = Corpus.shared();
    Assumptions.assumeTrue(corpus != null, "skipped: ../shared/corpus not found");
    String[][] chains = {
        {"versions/mazenhassouna__vibecheck__1776531526508@e13c20d",
            "versions/mazenhassouna__vibecheck__1776531526508@0fa365e",
            "tasks/mazenhassouna__vibecheck__1776531526508"},
        {"versions/arunkann__musicstave_app__1760575236742@2f50f3f",
            "tasks/arunkann__musicstave_app__1760575236742"},
        {"versions/Jeehunter__mcp-vscode-server__noid-1760534080239@MCP-copy",
            "tasks/Jeehunter__mcp-vscode-server__noid-1760534080239"},
        {"versions/gmfstu__Online-Card-Architecture__1769053680585@2e6753c",
            "versions/gmfstu__Online-Card-Architecture__1769053680585@0c3f68a-nested",
            "tasks/gmfstu__Online-Card-Architecture__1769053680585"}};
    for (String[] chain : chains) {
      Path tasks = Files.createTempDirectory(tmp, "tasks");
      for (String snapshot : chain) {
        Path src = corpus.resolve(snapshot);
        String name = src.getFileName().toString().replaceFirst("@.*", "");
        replaceTask(src, tasks.resolve(name));
        ImportReport r = importDir(tasks);
        assertEquals(0, r.failed(), r.problems().toString());
        exportAndCompare(tasks);
      }
    }
  }

  private static void replaceTask(Path src, Path dest) throws Exception {
    if (Files.exists(dest)) {
      try (var s = Files.walk(dest)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Corpus.copy(src, dest);
    // a copied tree can keep mtimes: make sure the change is visible as a real edit would be
    try (var s = Files.list(dest)) {
      for (Path p : s.toList()) {
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
      }
    }
  }

  @Test
  void reimport_ofUnchangedHistory_skipsEveryTask_andWritesNothing() throws Exception {
    importDir(Corpus.bundled());
    int before = pending();
    ImportReport again = importDir(Corpus.bundled());
    assertEquals(0, again.imported());
    assertEquals(0, again.recordsWritten());
    assertEquals(0, again.recordsDeleted());
    assertEquals(0, again.bytesRead(), "unchanged tasks must not be read");
    assertEquals(Corpus.taskDirs(Corpus.bundled()).size(), again.skipped());
    assertEquals(before, pending());
  }

  @Test
  void reimport_afterTouchingFiles_usesContentHash_andWritesNothing() throws Exception {
    Path tasks = tmp.resolve("tasks");
    Corpus.copy(Corpus.bundled(), tasks);
    importDir(tasks);
    int before = pending();
    try (var s = Files.walk(tasks)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        Files.setLastModifiedTime(p, FileTime.fromMillis(1_000_000));
      }
    }
    ImportReport again = importDir(tasks);
    assertEquals(0, again.recordsWritten());
    assertEquals(0, again.bytesRead());
    assertEquals(before, pending());
  }

  @Test
  void reimport_withChangedFingerprintButSameContent_ofParsedTask_writesNothing()
      throws Exception {
    Path tasks = tmp.resolve("tasks");
    Corpus.copy(Corpus.bundled(), tasks);
    importDir(tasks);
    // forget the fingerprints: the importer must parse again and find nothing to write
    tandem.batch(b -> {
      for (Path t : uncheckedList(tasks)) {
        b.putLocalState("import:cline:" + t.getFileName(), null);
        b.putLocalState("import:roo:" + t.getFileName(), null);
      }
    });
    int before = pending();
    ImportReport again = importDir(tasks);
    assertEquals(0, again.recordsWritten(), again.toString());
    assertEquals(0, again.recordsDeleted());
    assertEquals(Corpus.taskDirs(tasks).size(), again.unchanged());
    assertEquals(before, pending());
  }

  private static List<Path> uncheckedList(Path dir) {
    try {
      return Corpus.taskDirs(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void reimport_onlyReadsTheTaskThatChanged() throws Exception {
    Path tasks = tmp.resolve("tasks");
    Corpus.copy(Corpus.bundled(), tasks);
    importDir(tasks);
    Path ui = tasks.resolve("wqying__agents__1751428457059/ui_messages.json");
    String s = Files.readString(ui);
    Files.writeString(ui, s.substring(0, s.length() - 1)
        + ",{\"ts\":1751428999999,\"type\":\"say\",\"say\":\"text\",\"text\":\"one more\"}]");
    ImportReport r = importDir(tasks);
    assertEquals(1, r.imported());
    assertEquals(Corpus.taskDirs(tasks).size() - 1, r.skipped());
    assertEquals(Files.size(tasks.resolve("wqying__agents__1751428457059/ui_messages.json"))
        + Files.size(tasks.resolve("wqying__agents__1751428457059/api_conversation_history.json"))
        + Files.size(tasks.resolve("wqying__agents__1751428457059/task_metadata.json")),
        r.bytesRead());
  }

  @Test
  void reimport_ofRewrittenTask_tombstonesRemovedRows_andUpdatesChangedOnes() throws Exception {
    Path task = tmp.resolve("tasks/1700000000000");
    Files.createDirectories(task);
    Files.writeString(task.resolve("ui_messages.json"),
        "[{\"ts\":1,\"type\":\"say\",\"say\":\"text\",\"text\":\"a\"},"
            + "{\"ts\":2,\"type\":\"say\",\"say\":\"text\",\"text\":\"b\",\"partial\":true},"
            + "{\"ts\":2,\"type\":\"say\",\"say\":\"text\",\"text\":\"c\"},"
            + "{\"ts\":3,\"type\":\"ask\",\"ask\":\"resume_task\"}]");
    importDir(tmp.resolve("tasks"));
    assertEquals(4, tandem.store().history().listByConversation(RecordTypes.UI_MESSAGE,
        "1700000000000").size());
    // checkpoint restore: the tail is cut and one row rewritten
    Files.writeString(task.resolve("ui_messages.json"),
        "[{\"ts\":1,\"type\":\"say\",\"say\":\"text\",\"text\":\"a\"},"
            + "{\"ts\":2,\"type\":\"say\",\"say\":\"text\",\"text\":\"B\"}]");
    Files.setLastModifiedTime(task.resolve("ui_messages.json"), FileTime.fromMillis(5_000));
    ImportReport r = importDir(tmp.resolve("tasks"));
    assertEquals(1, r.imported());
    assertEquals(2, r.recordsDeleted());
    LocalRecord gone = tandem.store().get(RecordTypes.UI_MESSAGE, "1700000000000:ui:3");
    assertTrue(gone.current().deleted(), "removed rows become tombstones");
    JsonNode b = tandem.store().get(RecordTypes.UI_MESSAGE, "1700000000000:ui:1").current()
        .data();
    assertEquals("B", b.get("text").asText());
    assertFalse(b.has("partial"));
    exportAndCompare(tmp.resolve("tasks"));
  }

  @Test
  void badInput_isReportedPerTask_andEveryOtherTaskImports() throws Exception {
    Path tasks = tmp.resolve("tasks");
    Corpus.copy(Corpus.bundled().resolve("wqying__agents__1751428457059"),
        tasks.resolve("good"));
    Path truncated = Files.createDirectories(tasks.resolve("truncated"));
    Files.writeString(truncated.resolve("ui_messages.json"), "[{\"ts\":1,\"type\":\"say\"},{\"t");
    Path wrong = Files.createDirectories(tasks.resolve("wrongtypes"));
    Files.writeString(wrong.resolve("api_conversation_history.json"), "{\"role\":\"user\"}");
    Path missing = Files.createDirectories(tasks.resolve("missingfile"));
    Files.createSymbolicLink(missing.resolve("ui_messages.json"), missing.resolve("gone.json"));
    Path unreadable = Files.createDirectories(tasks.resolve("unreadable"));
    Files.createDirectories(unreadable.resolve("ui_messages.json"));
    Files.writeString(unreadable.resolve("task_metadata.json"), "{}");
    Path huge = Files.createDirectories(tasks.resolve("huge"));
    try (var f = new java.io.RandomAccessFile(huge.resolve("ui_messages.json").toFile(), "rw")) {
      f.setLength(200L << 20);
    }
    Files.createDirectories(tasks.resolve("empty"));
    Path notTask = Files.createDirectories(tasks.resolve("notatask"));
    Files.writeString(notTask.resolve("notes.txt"), "hello");

    ImportReport r = importDir(tasks);
    assertEquals(1, r.imported());
    assertEquals(5, r.failed(), r.problems().toString());
    assertNotNull(tandem.conversations().get("good"));
    for (String bad : List.of("truncated", "wrongtypes", "missingfile", "unreadable", "huge")) {
      assertNull(tandem.conversations().get(bad), bad + " must not be half-imported");
      assertEquals(0, tandem.store().history().listByConversation(RecordTypes.FILE_CONTEXT, bad).size());
    }
    String all = r.problems().toString();
    String refused = r.refused().toString();
    assertTrue(all.contains("truncated: ui_messages.json: invalid JSON"), all);
    assertTrue(all.contains("wrongtypes: api_conversation_history.json: expected a JSON array"),
        all);
    assertTrue(refused.contains("missingfile: ui_messages.json: symbolic link"), refused);
    assertTrue(all.contains("missingfile: not imported: every task file (ui_messages.json) was "
        + "refused"), all);
    assertTrue(all.contains("unreadable: ui_messages.json: is a directory"), all);
    assertTrue(refused.contains("huge: ui_messages.json: file is 209715200 bytes, over the import "
        + "limit"), refused);
    assertTrue(all.contains("empty: empty folder"), all);
    assertTrue(all.contains("notatask: not a task folder"), all);
  }

  @Test
  void failingReimport_leavesThePreviousStateWhole() throws Exception {
    Path tasks = tmp.resolve("tasks");
    Corpus.copy(Corpus.bundled().resolve("wqying__agents__1751428457059"), tasks.resolve("t"));
    importDir(tasks);
    int before = tandem.store().history().listByConversation(RecordTypes.UI_MESSAGE, "t").size();
    Files.writeString(tasks.resolve("t/ui_messages.json"), "[{\"ts\":1,");
    ImportReport r = importDir(tasks);
    assertEquals(1, r.failed());
    assertEquals(before, tandem.store().history().listByConversation(RecordTypes.UI_MESSAGE, "t").size());
  }

  @Test
  void recordOverTheSizeLimit_failsTheWholeTask() throws Exception {
    tandem.close();
    tandem = Tandem.builder().database(tmp.resolve("small.db")).autoSync(false)
        .maxRecordBytes(2000).build();
    importer = new HistoryImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES);
    Path task = Files.createDirectories(tmp.resolve("tasks/big"));
    Files.writeString(task.resolve("ui_messages.json"),
        "[{\"ts\":1,\"type\":\"say\",\"text\":\"small\"},{\"ts\":2,\"type\":\"say\",\"text\":\""
            + "x".repeat(5000) + "\"}]");
    ImportReport r = importDir(tmp.resolve("tasks"));
    assertEquals(1, r.failed());
    assertTrue(r.problems().get(0).toString().contains("big: ui_messages.json: not imported"),
        r.problems().toString());
    assertNull(tandem.conversations().get("big"));
    assertEquals(0, tandem.store().history().listByConversation(RecordTypes.UI_MESSAGE, "big").size());
  }

  @Test
  void taskList_fillsTitles_andExportWritesItBack() throws Exception {
    Path root = tmp.resolve("root");
    for (String id : List.of("1751428457059", "1752153151575")) {
      Corpus.copy(Corpus.bundled().resolve("wqying__agents__" + id),
          root.resolve("tasks").resolve(id));
    }
    Path list = Corpus.bundled().resolveSibling("global").resolve("wqying__agents")
        .resolve("task_history.json");
    Files.copy(list, root.resolve("task_history.json"));
    ImportReport r = importDir(root);
    assertEquals(2, r.imported(), r.problems().toString());
    Conversation c = tandem.conversations().get("1751428457059");
    assertTrue(c.title().startsWith("Explain the following code"), c.title());
    assertEquals("c:\\Personal\\agents", c.workspacePath());
    assertEquals("cline", c.source());
    Path out = tmp.resolve("out");
    new HistoryExporter(tandem).export(out, Source.CLINE, null);
    assertEquals(Json.MAPPER.readTree(list.toFile()),
        Json.MAPPER.readTree(out.resolve("task_history.json").toFile()));
    assertEquals(Files.readString(list), Files.readString(out.resolve("task_history.json")));
    Path roo = tmp.resolve("roo");
    ExportReport rr = new HistoryExporter(tandem).export(roo, Source.ROO, "1752153151575");
    assertEquals(1, rr.tasks());
    JsonNode item = Json.MAPPER.readTree(
        roo.resolve("tasks/1752153151575/history_item.json").toFile());
    assertEquals("1752153151575", item.get("id").asText());
  }

  @Test
  void workspaceWithClineStorage_isScanned_withItsTaskList() throws Exception {
    Path storage = tmp.resolve("workspace/.cline_storage");
    Corpus.copy(Corpus.bundled().resolve("wqying__agents__1751428457059"),
        storage.resolve("tasks/1751428457059"));
    Files.copy(Corpus.bundled().resolveSibling("global/wqying__agents/task_history.json"),
        storage.resolve("task_history.json"));
    ImportReport r = importDir(tmp.resolve("workspace"));
    assertEquals(2, r.imported(), "the task, and the list entry without a folder");
    Conversation c = tandem.conversations().get("1751428457059");
    assertEquals("cline", c.source());
    // the second task of the list has no folder here: kept as a conversation without messages
    Conversation listed = tandem.conversations().get("1752153151575");
    assertNotNull(listed);
    assertEquals(0, tandem.conversations().messageCount("1752153151575"));
    Path out = tmp.resolve("out");
    new HistoryExporter(tandem).export(out, Source.CLINE, null);
    assertEquals(Files.readString(storage.resolve("task_history.json")),
        Files.readString(out.resolve("task_history.json")));
  }

  @Test
  void singleTaskFolder_canBeImportedOnItsOwn() throws Exception {
    Path task = Corpus.bundled().resolve("jsboige__jsboige-mcp-servers__8c06d62c-1ee2-4c3a-991e-c9483e90c8aa");
    ImportReport r = importDir(task);
    assertEquals(1, r.imported(), r.problems().toString());
    assertEquals("roo", tandem.conversations()
        .get("jsboige__jsboige-mcp-servers__8c06d62c-1ee2-4c3a-991e-c9483e90c8aa").source());
  }

  @Test
  void reimport_keepsPrivacyChosenByTheUser() throws Exception {
    Path tasks = tmp.resolve("tasks");
    Corpus.copy(Corpus.bundled().resolve("wqying__agents__1751428457059"), tasks.resolve("t"));
    importDir(tasks);
    tandem.conversations().setPrivacy("t", Conversation.PRIVACY_LOCAL_ONLY);
    Files.writeString(tasks.resolve("t/ui_messages.json"), "[]");
    importDir(tasks);
    assertTrue(tandem.conversations().get("t").isLocalOnly());
  }
}
