package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record data synced from another device chooses names: none of them may make export write
 * outside its folder (issue 9, item 1). The bad conversations are skipped and named, the good
 * ones exported, and no file outside is created or touched.
 */
class ExportSafetyTest {
  @TempDir Path tmp;
  private Tandem tandem;
  private Path out;
  private Path outside;
  private Path victim;

  @BeforeEach
  void open() throws Exception {
    tandem = Tandem.builder().database(tmp.resolve("t.db")).autoSync(false).build();
    out = tmp.resolve("out");
    outside = Files.createDirectories(tmp.resolve("outside"));
    victim = Files.writeString(outside.resolve("victim.json"), "original");
    Files.setLastModifiedTime(victim, FileTime.fromMillis(1_000_000_000L));
  }

  @AfterEach
  void close() {
    tandem.close();
  }

  /**
   * Writes a one-file imported task straight into the store, as a sync from another device
   * would: conversation {@code cid} with folder, file name and task-list path as given.
   */
  private void plant(String cid, String folder, String fileName, String historyFile) {
    ObjectNode c = Json.object();
    c.put("id", cid);
    c.put("title", "t " + cid);
    c.put("createdAt", 1);
    c.put("updatedAt", 1);
    c.put("source", "cline");
    ObjectNode item = c.putObject("metadata").putObject("historyItem");
    item.put("id", cid);
    item.put("ts", 1);
    item.put("task", "t " + cid);
    ObjectNode meta = c.putObject(TaskMapper.TANDEM);
    meta.put("mapping", 1);
    meta.put("folder", folder);
    ObjectNode info = meta.putObject("files").putObject(fileName);
    info.put("kind", "array");
    info.put("type", RecordTypes.UI_MESSAGE);
    info.put("idKind", "ui");
    info.put("count", 1);
    if (historyFile != null) {
      meta.put("historyFile", historyFile);
      meta.put("historyIndex", 0);
    }
    ObjectNode row = Json.object();
    row.put("ts", 1);
    row.put("type", "say");
    row.put("say", "text");
    row.put("text", "hello " + cid);
    ObjectNode data = TaskMapper.wrap(cid, row, fileName, 0);
    tandem.batch(b -> {
      b.put(RecordTypes.CONVERSATION, cid, Json.write(c));
      b.put(RecordTypes.UI_MESSAGE, cid + ":ui:0", Json.write(data));
    });
  }

  private List<String> outsideFiles() throws Exception {
    try (Stream<Path> s = Files.walk(outside)) {
      return s.map(p -> outside.relativize(p).toString()).sorted().toList();
    }
  }

  private static Set<String> ids(List<ImportReport.Problem> list) {
    return list.stream().map(ImportReport.Problem::taskId).collect(Collectors.toSet());
  }

  private void assertOutsideUntouched(List<String> before) throws Exception {
    assertEquals(before, outsideFiles(), "nothing created outside the export folder");
    assertEquals("original", Files.readString(victim));
    assertEquals(1_000_000_000L, Files.getLastModifiedTime(victim).toMillis());
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(Set.of("out", "outside"), s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("t.db")).collect(Collectors.toSet()),
          "nothing created beside the export folder");
    }
  }

  @Test
  void unsafeTaskListPaths_areSkippedAndNamed_theOthersExported_nothingOutsideTouched()
      throws Exception {
    Map<String, String> lists = new LinkedHashMap<>();
    lists.put("abs", victim.toString());
    lists.put("dotdot", "../outside/victim.json");
    lists.put("nested-dotdot", "state/../../outside/victim.json");
    lists.put("nul", "state/taskHistory.json\u0000.txt");
    lists.put("drive", "C:\\x\\taskHistory.json");
    lists.put("drive-relative", "C:taskHistory.json");
    lists.put("unc", "\\\\host\\share\\taskHistory.json");
    lists.put("backslash", "state\\..\\..\\outside\\victim.json");
    lists.put("not-a-list", "tasks/good/ui_messages.json");
    for (Map.Entry<String, String> e : lists.entrySet()) {
      plant(e.getKey(), e.getKey(), "ui_messages.json", e.getValue());
    }
    plant("good", "good", "ui_messages.json", "state/taskHistory.json");
    List<String> before = outsideFiles();

    ExportReport r = new HistoryExporter(tandem).export(out, Source.CLINE, null);

    assertEquals(List.of(), r.problems());
    assertEquals(lists.keySet(), ids(r.skipped()), r.skipped().toString());
    for (ImportReport.Problem p : r.skipped()) {
      assertTrue(p.reason().contains("unsafe") && p.reason().endsWith("skipped"), p.toString());
      assertFalse(Files.exists(out.resolve("tasks").resolve(p.taskId())),
          p.taskId() + ": a refused task writes nothing at all");
    }
    assertEquals(1, r.tasks());
    assertTrue(Files.isRegularFile(out.resolve("tasks/good/ui_messages.json")));
    assertEquals("[{\"id\":\"good\",\"ts\":1,\"task\":\"t good\"}]",
        Files.readString(out.resolve("state/taskHistory.json")));
    assertOutsideUntouched(before);
  }

  @Test
  void unsafeFolderAndFileNames_areSkippedAndNamed_theOthersExported() throws Exception {
    Map<String, String> folders = new LinkedHashMap<>();
    folders.put("f-abs", outside.toString());
    folders.put("f-dotdot", "..");
    folders.put("f-dot", ".");
    folders.put("f-nested", "a/../../outside");
    folders.put("f-nul", "x\u0000y");
    folders.put("f-drive", "C:\\x");
    folders.put("f-unc", "\\\\host\\share");
    folders.put("f-sub", "sub/dir");
    folders.put("f-empty", "");
    folders.put("f-device", "CON");
    for (Map.Entry<String, String> e : folders.entrySet()) {
      plant(e.getKey(), e.getValue(), "ui_messages.json", null);
    }
    Map<String, String> files = new LinkedHashMap<>();
    files.put("n-dotdot", "../../outside/victim.json");
    files.put("n-abs", victim.toString());
    files.put("n-nul", "ui_messages.json\u0000");
    files.put("n-backslash", "..\\..\\outside\\victim.json");
    files.put("n-stream", "ui_messages.json:hidden");
    for (Map.Entry<String, String> e : files.entrySet()) {
      plant(e.getKey(), e.getKey(), e.getValue(), null);
    }
    plant("good", "good", "ui_messages.json", null);
    List<String> before = outsideFiles();

    ExportReport r = new HistoryExporter(tandem).export(out, Source.CLINE, null);

    assertEquals(List.of(), r.problems());
    Set<String> expected = new java.util.HashSet<>(folders.keySet());
    expected.addAll(files.keySet());
    assertEquals(expected, ids(r.skipped()), r.skipped().toString());
    assertEquals(1, r.tasks());
    try (Stream<Path> s = Files.list(out.resolve("tasks"))) {
      assertEquals(List.of("good"), s.map(p -> p.getFileName().toString()).toList(),
          "only the safe task got a folder");
    }
    assertOutsideUntouched(before);
  }

  @Test
  void symlinksInTheExportFolder_areNeverWrittenThrough() throws Exception {
    Files.createDirectories(out.resolve("tasks"));
    Files.createSymbolicLink(out.resolve("tasks/linked"), outside);
    Files.createDirectories(out.resolve("tasks/filelink"));
    Files.createSymbolicLink(out.resolve("tasks/filelink/ui_messages.json"), victim);
    Files.createSymbolicLink(out.resolve("state"), outside);
    // a link pointing back inside is refused as well: the rule is "no link", not "no link out"
    Files.createDirectories(out.resolve("elsewhere"));
    Files.createSymbolicLink(out.resolve("tasks/inward"), out.resolve("elsewhere"));
    plant("linked", "linked", "ui_messages.json", null);
    plant("filelink", "filelink", "ui_messages.json", null);
    plant("inward", "inward", "ui_messages.json", null);
    plant("listlink", "listlink", "ui_messages.json", "state/taskHistory.json");
    plant("good", "good", "ui_messages.json", "task_history.json");
    List<String> before = outsideFiles();

    ExportReport r = new HistoryExporter(tandem).export(out, Source.CLINE, null);

    assertEquals(Set.of("linked", "filelink", "inward", "listlink"), ids(r.skipped()),
        r.skipped().toString());
    assertTrue(r.skipped().stream().allMatch(p -> p.reason().contains("symbolic link")),
        r.skipped().toString());
    assertEquals(1, r.tasks());
    assertTrue(Files.isRegularFile(out.resolve("tasks/good/ui_messages.json")));
    assertTrue(Files.isRegularFile(out.resolve("task_history.json")));
    try (Stream<Path> s = Files.list(out.resolve("elsewhere"))) {
      assertEquals(0, s.count());
    }
    assertOutsideUntouched(before);
  }

  @Test
  void anExportFolderThatIsItselfALink_isTheUsersChoice_andWorks() throws Exception {
    Path real = Files.createDirectories(tmp.resolve("real"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    plant("good", "good", "ui_messages.json", null);
    ExportReport r = new HistoryExporter(tandem).export(link, Source.CLINE, null);
    assertEquals(1, r.tasks(), r.skipped().toString());
    assertTrue(Files.isRegularFile(real.resolve("tasks/good/ui_messages.json")));
  }

  @Test
  void twoConversationsNamingTheSameFolder_secondIsSkipped() throws Exception {
    plant("a", "same", "ui_messages.json", null);
    plant("b", "same", "ui_messages.json", null);
    ExportReport r = new HistoryExporter(tandem).export(out, Source.CLINE, null);
    assertEquals(1, r.tasks());
    assertEquals(1, r.skipped().size(), r.skipped().toString());
    assertTrue(r.skipped().get(0).reason().contains("already written"), r.skipped().toString());
  }

  @Test
  void safeNames_passTheLexicalCheck() {
    for (String ok : List.of("1751428457059", "ui_messages.json", "focus_chain_taskid_1.md",
        "jsboige__jsboige-mcp-servers__03deadab-a06d-4b29-976d-3cc142add1d9", "noid-1",
        "x@2e6753c", "état.json")) {
      assertNull(SafePaths.problem(ok, false), ok);
    }
    assertNull(SafePaths.problem("state/taskHistory.json", true));
    assertEquals("contains a path separator", SafePaths.problem("state/taskHistory.json", false));
  }

  @Test
  void everyNameThatPassesTheLexicalCheck_staysInsideTheFolder_seeded() {
    // Built from the characters that make paths dangerous; seeded, bounded, printed on failure.
    String alphabet = "./\\:\u0000 a.Cc~$%\u00e9\u2215\u002f\t";
    long seed = 0x5afe_9a7bL;
    java.util.Random random = new java.util.Random(seed);
    Path base = tmp.resolve("base").toAbsolutePath();
    int accepted = 0;
    for (int n = 0; n < 50_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = 1 + random.nextInt(12);
      for (int i = 0; i < len; i++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String name = sb.toString();
      boolean subfolders = random.nextBoolean();
      if (SafePaths.problem(name, subfolders) != null) {
        continue;
      }
      accepted++;
      Path target = base.resolve(name).normalize();
      String msg = "seed " + seed + ", case " + n + ": " + SafePaths.quote(name);
      assertTrue(target.startsWith(base) && !target.equals(base), msg);
      assertEquals(base.relativize(target).toString(), name, msg + " must not need normalising");
      assertFalse(name.contains("\\") || name.contains(":") || name.indexOf(0) >= 0, msg);
    }
    assertTrue(accepted > 1000, "the generator must also produce safe names: " + accepted);
  }
}
