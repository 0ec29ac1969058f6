package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kilo Code is Roo's task folder plus fields: found in its own global storage, named {@code kilo},
 * and its newer fields survive import and export byte for byte (sample: test resources {@code
 * kilo/}, hand-made, see its README).
 */
class KiloCodeTest {
  private static final String TASK = "5f0e7c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b";

  @TempDir Path tmp;

  @Test
  void kiloTasks_areFoundInTheirGlobalStorage_importedAsKilo_andExportedByteIdentical()
      throws Exception {
    Path home = tmp.resolve("home");
    Path storage = home.resolve(".config/Cursor/User/globalStorage/kilocode.kilo-code");
    Corpus.copy(Paths.get(KiloCodeTest.class.getResource("/kilo/tasks").toURI()),
        storage.resolve("tasks"));
    List<DefaultLocations.Location> found =
        new DefaultLocations("Linux", home, Map.of()).existing();
    assertEquals(List.of(new DefaultLocations.Location(storage, Source.KILO)), found);

    Path out = tmp.resolve("out");
    try (Tandem tandem = Tandem.builder().database(tmp.resolve("t.db")).autoSync(false).build()) {
      ImportReport r = new HistoryImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(storage, null, null);
      assertEquals(1, r.imported(), r.problems().toString());
      assertEquals("kilo", tandem.conversations().get(TASK).source());

      List<Record> tools = tandem.store().history().listByConversation(RecordTypes.TOOL_CALL, TASK);
      assertEquals(1, tools.size());
      JsonNode tool = tools.get(0).data();
      assertEquals("read_file", tool.path("name").asText());
      assertEquals("ok", tool.path("status").asText());
      assertEquals("src/util.ts", tool.path("arguments").path("path").asText());

      String messages = dataOf(tandem, RecordTypes.MESSAGE);
      for (String field : List.of("reasoning_details", "condenseId", "condenseParent",
          "isSummary", "kiloFutureField")) {
        assertTrue(messages.contains(field), field + " kept in the message records");
      }
      String ui = dataOf(tandem, RecordTypes.UI_MESSAGE);
      assertTrue(ui.contains("checkpoint_saved") && ui.contains("contextCondense"), ui);

      ExportReport e = new HistoryExporter(tandem).export(out, Source.KILO, null);
      assertEquals(1, e.tasks());
      assertEquals(List.of(), e.problems());
    }
    Path original = storage.resolve("tasks").resolve(TASK);
    assertEquals(4, Corpus.assertSameTask(original, out.resolve("tasks").resolve(TASK)));
    assertEquals(Corpus.files(original), Corpus.files(out.resolve("tasks").resolve(TASK)));
  }

  private static String dataOf(Tandem tandem, String type) {
    StringBuilder sb = new StringBuilder();
    for (Record r : tandem.store().history().listByConversation(type, TASK)) {
      sb.append(r.data()).append('\n');
    }
    return sb.toString();
  }

  @Test
  void kilo_isAcceptedByName() {
    assertEquals(Source.KILO, Source.parse("Kilo"));
    assertEquals("kilocode.kilo-code", Source.KILO.extensionFolder());
  }
}
