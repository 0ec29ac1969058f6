package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long span of a JSONL session is imported one window at a time, each window its own
 * transaction: the store ends the same as with one transaction, an import interrupted between
 * windows resumes to the same store, and the export stays byte-identical. Windows of 8 KiB cut
 * the bundled samples (up to 140 KB) into many.
 */
class SessionWindowTest {
  private static final int SMALL_WINDOW = 8 << 10;
  private static final List<String> TYPES = List.of(RecordTypes.CONVERSATION,
      RecordTypes.MESSAGE, RecordTypes.UI_MESSAGE, RecordTypes.TOOL_CALL,
      RecordTypes.FILE_CONTEXT);

  @TempDir Path tmp;

  @Test
  void claudeCode_windowsStoreTheSameAsOneTransaction_evenWhenInterrupted() throws Exception {
    sameStore(SessionByteIdentityTest.bundled("claude-code"), Source.CLAUDE_CODE);
  }

  @Test
  void codex_windowsStoreTheSameAsOneTransaction_evenWhenInterrupted() throws Exception {
    sameStore(SessionByteIdentityTest.bundled("codex"), Source.CODEX);
  }

  private void sameStore(Path home, Source source) throws Exception {
    Map<String, String> whole = importInto(home, source, SessionImporter.WINDOW_BYTES, -1);
    Map<String, String> windowed = importInto(home, source, SMALL_WINDOW, -1);
    assertEquals(whole, windowed);
    Map<String, String> resumed = importInto(home, source, SMALL_WINDOW, 3);
    assertEquals(whole, resumed);
  }

  /**
   * Imports {@code home} into a new store with the given window, interrupted after {@code
   * failAfter} windows (then imported again) unless it is negative; returns every live record
   * and every import state.
   */
  private Map<String, String> importInto(Path home, Source source, int window, int failAfter)
      throws Exception {
    Path db = Files.createTempDirectory(tmp, "db").resolve("t.db");
    AtomicInteger windows = new AtomicInteger();
    Map<String, String> out = new TreeMap<>();
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      SessionImporter imp = new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES);
      imp.windowBytes = window;
      imp.windowCommitted = () -> {
        if (windows.incrementAndGet() == failAfter) {
          throw new IllegalStateException("interrupted");
        }
      };
      if (failAfter > 0) {
        assertThrows(IllegalStateException.class, () -> imp.importDir(home, source));
      }
      ImportReport r = imp.importDir(home, source);
      assertEquals(List.of(), r.problems());
      assertEquals(0, r.failed());
      if (window == SMALL_WINDOW) {
        assertTrue(windows.get() > 10, "only " + windows.get() + " windows");
      } else {
        assertEquals(0, windows.get(), "the samples fit one window");
      }
      ImportReport again = imp.importDir(home, source);
      assertEquals(0, again.recordsWritten() + again.recordsDeleted(), "a re-import is a no-op");
      for (String type : TYPES) {
        String after = null;
        while (true) {
          List<Record> page = t.store().list(type, after, 500);
          for (Record rec : page) {
            if (!rec.deleted()) {
              out.put(type + "/" + rec.id(), rec.data().toString());
            }
            after = rec.id();
          }
          if (page.size() < 500) {
            break;
          }
        }
      }
      for (String key : List.copyOf(out.keySet())) {
        if (key.startsWith(RecordTypes.CONVERSATION + "/")) {
          String cid = key.substring(key.indexOf('/') + 1);
          out.put("state/" + cid, t.localState("import:" + source.id() + ":" + cid));
        }
      }
      Path exported = Files.createTempDirectory(tmp, "out");
      ExportReport e = new SessionExporter(t).export(exported, source, null);
      assertEquals(List.of(), e.problems());
      for (String f : Corpus.files(home)) {
        assertEquals(null, Corpus.firstDifference(home.resolve(f), exported.resolve(f)), f);
      }
    }
    return out;
  }
}
