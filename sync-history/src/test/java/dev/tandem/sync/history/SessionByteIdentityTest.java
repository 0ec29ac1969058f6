package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Tandem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claude Code, Codex and Continue session files: import into the real SQLite store, close and
 * reopen it, export, and every file (side files and index files included) must come back byte
 * for byte, with nothing else written. Runs on the copied subset in test resources ({@code
 * sessions/}, origins in its README) and, when it is checked out beside the repository, on every
 * sample of the shared corpus's {@code other-formats/}.
 */
class SessionByteIdentityTest {
  @TempDir Path tmp;

  static Path bundled(String agent) throws Exception {
    return Paths.get(SessionByteIdentityTest.class.getResource("/sessions/" + agent).toURI());
  }

  @Test
  void claudeCode_bundled_roundTripsByteIdentical() throws Exception {
    assertEquals(5, roundTrip(bundled("claude-code"), Source.CLAUDE_CODE));
  }

  @Test
  void codex_bundled_roundTripsByteIdentical() throws Exception {
    assertEquals(3, roundTrip(bundled("codex"), Source.CODEX));
  }

  @Test
  void continue_bundled_roundTripsByteIdentical() throws Exception {
    assertEquals(4, roundTrip(bundled("continue"), Source.CONTINUE));
  }

  @Test
  void everySampleOfTheSharedCorpus_roundTripsByteIdentical() throws Exception {
    Path corpus = Corpus.shared();
    Assumptions.assumeTrue(corpus != null && Files.isDirectory(corpus.resolve("other-formats")),
        "skipped: ../shared/corpus/other-formats not found");
    Path other = corpus.resolve("other-formats");
    int files = 0;
    // claude-code/<repo>/ holds project folders: laid out under projects/ as in ~/.claude
    for (Path repo : Corpus.taskDirs(other.resolve("claude-code"))) {
      Path home = tmp.resolve("claude-" + repo.getFileName());
      Corpus.copy(repo, home.resolve("projects"));
      files += roundTrip(home, Source.CLAUDE_CODE);
    }
    for (Path repo : Corpus.taskDirs(other.resolve("codex-cli"))) {
      files += roundTrip(repo.resolve(".codex"), Source.CODEX);
    }
    for (Path repo : Corpus.taskDirs(other.resolve("continue"))) {
      files += roundTrip(repo.resolve(".continue"), Source.CONTINUE);
    }
    // 19 files today (11 Claude Code, 4 Codex, 4 Continue); more samples only add to it
    assertTrue(files >= 11 + 4 + 4, "compared only " + files + " files");
  }

  /** Round-trips one agent home; returns how many files were compared. */
  private int roundTrip(Path home, Source source) throws Exception {
    Path work = Files.createTempDirectory(tmp, source.id());
    Path db = work.resolve("t.db");
    assertEquals(source, SessionImporter.detect(home), "detected from the folder alone");
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      ImportReport r = new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(home, null);
      assertEquals(List.of(), r.problems());
      assertEquals(List.of(), r.refused());
      assertEquals(0, r.failed());
      assertTrue(r.imported() > 0, "imported nothing from " + home);
      ImportReport again = new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(home, null);
      assertEquals(0, again.recordsWritten() + again.recordsDeleted(), "a re-import is a no-op");
    }
    Path out = work.resolve("out");
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      ExportReport e = new SessionExporter(t).export(out, source, null);
      assertEquals(List.of(), e.problems());
      assertEquals(List.of(), e.skipped());
    }
    List<String> expected = Corpus.files(home);
    assertEquals(expected, Corpus.files(out), "exactly the imported files are exported");
    List<String> diffs = new ArrayList<>();
    for (String f : expected) {
      String d = Corpus.firstDifference(home.resolve(f), out.resolve(f));
      if (d != null) {
        diffs.add(d);
      }
    }
    assertEquals(List.of(), diffs);
    return expected.size();
  }
}
