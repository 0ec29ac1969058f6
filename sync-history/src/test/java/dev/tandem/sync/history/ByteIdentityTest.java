package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.sqlite.HybridStorageBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import into the real SQLite store, reopen it, export: every file, task lists included, must
 * come back byte for byte, and nothing else may be written. A difference names the file and the
 * first differing offset.
 */
class ByteIdentityTest {
  @TempDir Path tmp;

  /** Totals of one corpus run, so a run that silently compared nothing fails. */
  private record Totals(int files, int lists, long bytes) {}

  @Test
  void bundledSubset_importedIntoSqlite_exportsIdenticalBytes_taskListsIncluded()
      throws Exception {
    Totals t = roundTripCorpus(Corpus.bundledRoot());
    assertEquals(8, t.lists(), "every bundled task list is compared");
    assertTrue(t.files() >= 27 + 3 + 8, "compared only " + t);
  }

  @Test
  void wholeSharedCorpus_importedIntoSqlite_exportsIdenticalBytes_taskListsIncluded()
      throws Exception {
    Path corpus = Corpus.shared();
    Assumptions.assumeTrue(corpus != null, "skipped: ../shared/corpus not found");
    Totals t = roundTripCorpus(corpus);
    assertEquals(8, t.lists(), "all 8 global/ task lists are compared");
    assertTrue(t.files() >= 116 + 8, "compared only " + t);
  }

  @Test
  void aDifference_namesTheFileAndTheFirstDifferingOffset() throws Exception {
    Path a = Files.writeString(tmp.resolve("a.json"), "[{\"ts\":1}]");
    Path b = Files.writeString(tmp.resolve("b.json"), "[{\"ts\":2}]");
    Path shorter = Files.writeString(tmp.resolve("c.json"), "[{\"ts\":1}");
    assertNull(Corpus.firstDifference(a, a));
    String d = Corpus.firstDifference(a, b);
    assertTrue(d.startsWith(a + ": exported bytes differ at offset 7 (expected 0x31"), d);
    String e = Corpus.firstDifference(a, shorter);
    assertTrue(e.contains("at offset 9 ") && e.contains("got end of file"), e);
    String m = Corpus.firstDifference(a, tmp.resolve("missing.json"));
    assertTrue(m.contains("not exported"), m);
  }

  /**
   * Lays the corpus out as the extensions do, one storage root per repository that has a task
   * list (its tasks renamed to their task id, the list where the extension keeps it), one root
   * for every other task and one for the snapshots in {@code versions/}; each root goes through
   * its own store, and the exported tree must equal the laid-out one.
   */
  private Totals roundTripCorpus(Path corpus) throws Exception {
    List<Path> tasks = Corpus.taskDirs(corpus.resolve("tasks"));
    Set<Path> placed = new LinkedHashSet<>();
    List<String> diffs = new ArrayList<>();
    int files = 0;
    int lists = 0;
    long bytes = 0;
    Path global = corpus.resolve("global");
    List<Path> groups = Files.isDirectory(global) ? Corpus.taskDirs(global) : List.of();
    for (Path group : groups) {
      String prefix = group.getFileName() + "__";
      Path root = tmp.resolve("roots").resolve(group.getFileName().toString());
      for (Path task : tasks) {
        String name = task.getFileName().toString();
        if (name.startsWith(prefix)) {
          Corpus.copy(task, root.resolve("tasks").resolve(name.substring(prefix.length())));
          placed.add(task);
        }
      }
      try (Stream<Path> s = Files.list(group)) {
        for (Path list : s.toList()) {
          String rel = list.getFileName().toString().equals("taskHistory.json")
              ? "state/taskHistory.json" : list.getFileName().toString();
          Files.createDirectories(root.resolve(rel).getParent());
          Files.copy(list, root.resolve(rel));
          lists++;
        }
      }
      files += roundTrip(root, diffs);
    }
    Path rest = tmp.resolve("roots").resolve("_ungrouped");
    for (Path task : tasks) {
      if (!placed.contains(task)) {
        Corpus.copy(task, rest.resolve("tasks").resolve(task.getFileName().toString()));
      }
    }
    files += roundTrip(rest, diffs);
    if (Files.isDirectory(corpus.resolve("versions"))) {
      Path versions = tmp.resolve("roots").resolve("_versions");
      Corpus.copy(corpus.resolve("versions"), versions.resolve("tasks"));
      files += roundTrip(versions, diffs);
    }
    for (String f : Corpus.files(tmp.resolve("roots"))) {
      bytes += Files.size(tmp.resolve("roots").resolve(f));
    }
    assertTrue(diffs.isEmpty(), diffs.size() + " file(s) not byte-identical:\n"
        + diffs.stream().limit(20).collect(Collectors.joining("\n")));
    return new Totals(files, lists, bytes);
  }

  /** Imports {@code root}, reopens the store, exports; returns how many files were compared. */
  private int roundTrip(Path root, List<String> diffs) throws IOException {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    Path db = tmp.resolve("db").resolve(root.getFileName() + ".db");
    Files.createDirectories(db.getParent());
    try (Tandem tandem = Tandem.builder().database(db).autoSync(false).build()) {
      assertInstanceOf(HybridStorageBackend.class, tandem.store());
      ImportReport r = new HistoryImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(root, null, null);
      assertEquals(0, r.failed(), root + ": " + r.problems());
    }
    Path out = tmp.resolve("out").resolve(root.getFileName().toString());
    try (Tandem tandem = Tandem.builder().database(db).autoSync(false).build()) {
      ExportReport r = new HistoryExporter(tandem).export(out, Source.CLINE, null);
      assertEquals(List.of(), r.problems(), root.toString());
    }
    List<String> expected = Corpus.files(root);
    List<String> actual = Corpus.files(out);
    assertEquals(expected, actual, root + ": the export writes exactly the imported files");
    for (String f : expected) {
      String d = Corpus.firstDifference(root.resolve(f), out.resolve(f));
      if (d != null) {
        diffs.add(d);
      }
    }
    return expected.size();
  }
}
