package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fuzz targets for the history code that reads what another program or another device wrote:
 *
 * <ul>
 *   <li>{@code mutatedTaskFile}: a task folder whose conversation file is arbitrary bytes maps to
 *       records or fails with a {@link TaskImportException}, never anything else; what maps
 *       writes back to the same JSON (and the same bytes when the layout is one the importer
 *       promises to keep, see docs/history-import.md);
 *   <li>{@code exportNameCheck}: a name the export check accepts stays inside the export folder.
 * </ul>
 *
 * <p>Plain {@code mvn verify} replays the inputs under
 * {@code src/test/resources/dev/tandem/sync/history/HistoryFuzzTestInputs/}; run with
 * {@code JAZZER_FUZZ=1} to fuzz (TESTING.md).
 */
class HistoryFuzzTest {
  private static final Path EXPORT_ROOT = Paths.get("/export/out").toAbsolutePath();
  private final TaskMapper mapper = new TaskMapper(1 << 20);

  @FuzzTest(maxDuration = "60s")
  void mutatedTaskFile(byte[] api) throws Exception {
    Path root = Files.createTempDirectory("tandem-fuzz-task");
    try {
      Path task = root.resolve("1700000000000");
      Files.createDirectories(task);
      Files.write(task.resolve(TaskMapper.API_FILE), api);
      MappedTask m;
      try {
        m = mapper.map(task, null, null);
      } catch (TaskImportException refused) {
        return; // a clear per-task error is the promised answer to a damaged file
      }
      List<ObjectNode> data = new ArrayList<>();
      for (TaskRecord r : m.records()) {
        data.add(Json.parseObject(r.json()));
      }
      Path out = root.resolve("out").resolve(task.getFileName());
      TaskMapper.writeTask(out, m.conversation(), data);
      byte[] back = Files.readAllBytes(out.resolve(TaskMapper.API_FILE));
      JsonNode original = Json.MAPPER.readTree(api);
      JsonNode exported = Json.MAPPER.readTree(back);
      assertEquals(original, exported, "import then export must give back the same JSON");
    } finally {
      deleteTree(root);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void exportNameCheck(FuzzedDataProvider in) {
    boolean subfolders = in.consumeBoolean();
    String rel = in.consumeRemainingAsString();
    if (SafePaths.problem(rel, subfolders) != null) {
      return;
    }
    Path target = EXPORT_ROOT.resolve(rel).normalize();
    assertTrue(target.startsWith(EXPORT_ROOT) && !target.equals(EXPORT_ROOT),
        "accepted name \"" + rel + "\" resolves to " + target);
    assertTrue(rel.indexOf('\\') < 0 && rel.indexOf(':') < 0 && rel.indexOf('\0') < 0,
        "accepted name \"" + rel + "\" carries a Windows or NUL separator");
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
