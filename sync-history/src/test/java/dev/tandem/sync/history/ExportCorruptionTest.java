package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged store (issue 9, item 11: "a corrupt page makes export fail with a JSON error that
 * names no record"): export names the record, skips its conversation and exports the rest; and
 * the command's exit codes and streams for skips and failures.
 */
class ExportCorruptionTest {
  private static final String BROKEN_UI = "1751428457059";
  private static final String BROKEN_CONVERSATION = "1752153151575";
  private static final String NULL_DATA = "Lei950903__LibParser__1787026588045";

  @TempDir Path tmp;
  private Path db;

  @BeforeEach
  void importCorpus() throws Exception {
    db = tmp.resolve("t.db");
    Path tasks = tmp.resolve("tasks");
    Corpus.copy(Corpus.bundled(), tasks);
    // short ids, so the damaged conversations are easy to name below
    Files.move(tasks.resolve("wqying__agents__" + BROKEN_UI), tasks.resolve(BROKEN_UI));
    Files.move(tasks.resolve("wqying__agents__" + BROKEN_CONVERSATION),
        tasks.resolve(BROKEN_CONVERSATION));
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      ImportReport r = new HistoryImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(tasks, null, null);
      assertEquals(9, r.imported(), r.problems().toString());
    }
  }

  /** Damages rows below the store, as a bad disk page or a foreign writer would. */
  private void damage() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      assertEquals(1, s.executeUpdate("UPDATE ui_messages SET data = '{\"ts\":1,\"text\":'"
          + " WHERE id = '" + BROKEN_UI + ":ui:3'"));
      assertEquals(1, s.executeUpdate("UPDATE conversations SET data = 'not json'"
          + " WHERE id = '" + BROKEN_CONVERSATION + "'"));
      assertEquals(1, s.executeUpdate("UPDATE messages SET data = NULL"
          + " WHERE id = '" + NULL_DATA + ":api:0'"));
    }
  }

  @Test
  void corruptRecords_areNamed_theirTasksSkipped_andEveryOtherTaskExportsIdentically()
      throws Exception {
    damage();
    Path out = tmp.resolve("out");
    ExportReport r;
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      r = new HistoryExporter(t).export(out, Source.CLINE, null);
    }
    assertEquals(6, r.tasks(), r.problems().toString());
    assertEquals(Set.of(BROKEN_UI, BROKEN_CONVERSATION, NULL_DATA),
        r.problems().stream().map(ImportReport.Problem::taskId).collect(Collectors.toSet()));
    String all = r.problems().toString();
    assertTrue(all.contains("corrupt record ui_message/" + BROKEN_UI + ":ui:3"), all);
    assertTrue(all.contains("corrupt record conversation/" + BROKEN_CONVERSATION), all);
    assertTrue(all.contains(NULL_DATA + ": its message records cannot be read"), all);
    for (String broken : List.of(BROKEN_UI, BROKEN_CONVERSATION, NULL_DATA)) {
      assertFalse(Files.exists(out.resolve("tasks").resolve(broken)), broken);
    }
    Path tasks = tmp.resolve("tasks");
    for (Path task : Corpus.taskDirs(tasks)) {
      String name = task.getFileName().toString();
      if (!Set.of(BROKEN_UI, BROKEN_CONVERSATION, NULL_DATA).contains(name)) {
        Corpus.assertSameTask(task, out.resolve("tasks").resolve(name));
      }
    }
  }
}
