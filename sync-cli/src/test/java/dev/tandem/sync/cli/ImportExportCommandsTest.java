package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.history.Corpus;
import dev.tandem.sync.history.HistoryImporter;
import dev.tandem.sync.history.ImportReport;
import dev.tandem.sync.history.TaskMapper;
import dev.tandem.sync.internal.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit codes and streams of {@code tandem import} and {@code tandem export} when files are
 * refused, records are damaged or every path is unsafe. What the importer and exporter do in
 * those cases is tested in sync-history ({@code ImportSafetyTest}, {@code ExportCorruptionTest}).
 */
class ImportExportCommandsTest {
  private static final String BROKEN_UI = "1751428457059";

  @TempDir Path tmp;

  private Result cli(Path db, String... args) {
    return CliRun.execute(new TandemCli().withEnvironment(Map.of(), tmp.resolve("home"), "Linux"),
        CliRun.withDb(db, args));
  }

  /** The committed corpus, imported; the task named by BROKEN_UI gets a short folder name. */
  private Path importCorpus() throws Exception {
    Path db = tmp.resolve("t.db");
    Path tasks = tmp.resolve("tasks");
    Corpus.copy(Corpus.bundled(), tasks);
    Files.move(tasks.resolve("wqying__agents__" + BROKEN_UI), tasks.resolve(BROKEN_UI));
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      ImportReport r = new HistoryImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(tasks, null, null);
      assertEquals(9, r.imported(), r.problems().toString());
    }
    return db;
  }

  @Test
  void importCommand_maxFileSize_isConfigurable_andRefusalsAreListed() throws Exception {
    Path tasks = Files.createDirectories(tmp.resolve("root/tasks"));
    Path t = Files.createDirectories(tasks.resolve("1700000000010"));
    Files.writeString(t.resolve("ui_messages.json"),
        "[{\"ts\":1,\"type\":\"say\",\"say\":\"text\",\"text\":\"hello\"}]");
    Files.writeString(t.resolve("notes.md"), "y".repeat(300));
    Path db = tmp.resolve("cli.db");
    Result r = cli(db, "import", "--json", "--max-file-size", "200", tasks.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    JsonNode j = Json.MAPPER.readTree(r.out());
    assertEquals(1, j.get("imported").asInt());
    assertEquals("notes.md", j.get("refused").get(0).get("file").asText(), r.out());
    Result text = cli(db, "import", "--max-file-size", "200", tasks.toString());
    assertTrue(text.out().contains("refused: 1700000000010: notes.md: file is 300 bytes"),
        text.out());
    assertEquals(2, cli(db, "import", "--max-file-size", "0", tasks.toString()).code());
  }

  @Test
  void exportCommand_withCorruptRecords_exits1_namingThem_andWritesTheRest() throws Exception {
    Path db = importCorpus();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      assertEquals(1, s.executeUpdate("UPDATE ui_messages SET data = '{\"ts\":1,\"text\":'"
          + " WHERE id = '" + BROKEN_UI + ":ui:3'"));
    }
    Result r = cli(db, "export", "--format", "cline", "--json", tmp.resolve("out").toString());
    assertEquals(1, r.code(), r.err());
    JsonNode j = Json.MAPPER.readTree(r.out());
    assertEquals(8, j.get("tasks").asInt());
    assertEquals(1, j.get("problems").size(), r.out());
    assertTrue(r.out().contains("ui_message/" + BROKEN_UI + ":ui:3"), r.out());
  }

  @Test
  void exportCommand_withOnlyUnsafePaths_exits0_andNamesTheSkippedOnStderr() throws Exception {
    Path db = importCorpus();
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      ObjectNode c = t.conversations().get(BROKEN_UI).toJson();
      ((ObjectNode) c.get(TaskMapper.TANDEM)).put("folder", "../escaped");
      t.batch(b -> b.put("conversation", BROKEN_UI, Json.write(c)));
    }
    Result r = cli(db, "export", "--format", "cline", tmp.resolve("out").toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.err().contains("skipped " + BROKEN_UI + ": unsafe folder name \"../escaped\""),
        r.err());
    assertTrue(r.out().startsWith("exported 8 task folders"), r.out());
    assertFalse(Files.exists(tmp.resolve("escaped")));
  }
}
