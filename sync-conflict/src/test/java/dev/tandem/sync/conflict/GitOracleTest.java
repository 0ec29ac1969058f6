package dev.tandem.sync.conflict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs generated (base, local, remote) triples through {@link ThreeWayMerge#mergeText} and
 * {@code git merge-file -p} and compares. Seed: {@code -Dtandem.oracle.seed=...} (default fixed,
 * printed either way); count: {@code -Dtandem.oracle.cases=...}.
 */
class GitOracleTest {
  private static final ThreeWayMerge.TextOptions LINES_ONLY =
      ThreeWayMerge.TextOptions.builder().wordLevel(false).build();

  @TempDir Path dir;

  @BeforeAll
  static void requireGit() {
    boolean ok;
    try {
      Process p = new ProcessBuilder("git", "--version").redirectErrorStream(true).start();
      readAll(p.getInputStream());
      ok = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      ok = false;
    }
    Assumptions.assumeTrue(ok, "git is not on PATH: skipping the git merge-file oracle test");
  }

  @Test
  void mergeText_agreesWithGitMergeFile_wheneverGitMergesCleanly() throws Exception {
    long seed = Long.getLong("tandem.oracle.seed", 0x7A4D3E11L);
    int cases = Integer.getInteger("tandem.oracle.cases", 1200);
    System.out.println("GitOracleTest seed=" + seed + " cases=" + cases);
    Random rnd = new Random(seed);
    int gitClean = 0;
    int gitConflicts = 0;
    int refinedByWords = 0;
    for (int n = 0; n < cases; n++) {
      List<String> baseLines = TextGen.base(rnd);
      String base = TextGen.text(rnd, baseLines, true);
      String local = TextGen.text(rnd, TextGen.edit(rnd, baseLines), true);
      String remote = TextGen.text(rnd, TextGen.edit(rnd, baseLines), true);
      String where = "case " + n + " (seed " + seed + ")\nbase=" + q(base) + "\nlocal=" + q(local)
          + "\nremote=" + q(remote);

      GitResult git = gitMergeFile(base, local, remote);
      MergeResult lines = ThreeWayMerge.mergeText(base, local, remote, LINES_ONLY);
      MergeResult words = ThreeWayMerge.mergeText(base, local, remote);

      // Line level alone makes exactly git's decisions.
      assertEquals(git.clean(), lines.clean(), "clean/conflict differs from git: " + where);
      if (git.clean()) {
        gitClean++;
        assertEquals(git.text, lines.text(), "line-level text differs from git: " + where);
        assertTrue(words.clean(), "word level lost a clean merge: " + where);
        assertEquals(git.text, words.text(), "text differs from git: " + where);
      } else {
        gitConflicts++;
        if (words.clean()) {
          // The one deliberate difference: word refinement resolved what git calls a conflict.
          refinedByWords++;
        }
      }
    }
    System.out.println("GitOracleTest: git clean=" + gitClean + ", git conflicts=" + gitConflicts
        + ", of which merged cleanly by word refinement=" + refinedByWords);
    assertTrue(gitClean > cases / 4, "generator should produce many clean merges");
    assertTrue(gitConflicts > cases / 10, "generator should produce many conflicts");
    assertTrue(refinedByWords > 0, "word refinement should resolve some git conflicts");
  }

  @Test
  void adjacentLineEdits_gitConflicts_oursMergesByWords() throws Exception {
    String base = "one\ntwo\n";
    String local = "ONE\ntwo\n";
    String remote = "one\nTWO\n";
    assertFalse(gitMergeFile(base, local, remote).clean());
    assertFalse(ThreeWayMerge.mergeText(base, local, remote, LINES_ONLY).clean());
    MergeResult m = ThreeWayMerge.mergeText(base, local, remote);
    assertTrue(m.clean());
    assertEquals("ONE\nTWO\n", m.text());
  }

  @Test
  void differentWordsOfOneLine_gitConflicts_oursMergesByWords() throws Exception {
    String base = "the quick brown fox\n";
    String local = "the slow brown fox\n";
    String remote = "the quick brown cat\n";
    assertFalse(gitMergeFile(base, local, remote).clean());
    MergeResult m = ThreeWayMerge.mergeText(base, local, remote);
    assertTrue(m.clean());
    assertEquals("the slow brown cat\n", m.text());
  }

  @Test
  void lineEndingConversionAgainstAnEdit_gitConflicts_oursMergesClean() throws Exception {
    String base = "a\r\nb\r\nc\r\n";
    String local = "a\nb\nc\n";
    String remote = "a\r\nb\r\nC\r\n";
    assertFalse(gitMergeFile(base, local, remote).clean());
    MergeResult m = ThreeWayMerge.mergeText(base, local, remote);
    assertTrue(m.clean());
    assertEquals("a\nb\nC\n", m.text());
  }

  @Test
  void conflictMarkers_matchGitForASimpleConflict() throws Exception {
    String base = "a\nb\nc\n";
    String local = "a\nX\nc\n";
    String remote = "a\nY\nc\n";
    GitResult git = gitMergeFile(base, local, remote);
    MergeResult m = ThreeWayMerge.mergeText(base, local, remote,
        ThreeWayMerge.TextOptions.builder().conflictMarkers(true).build());
    assertFalse(m.clean());
    assertEquals(git.text, m.text());
  }

  private static final class GitResult {
    final int exit;
    final String text;

    GitResult(int exit, String text) {
      this.exit = exit;
      this.text = text;
    }

    boolean clean() {
      return exit == 0;
    }
  }

  private GitResult gitMergeFile(String base, String local, String remote) throws Exception {
    Path b = dir.resolve("base");
    Path l = dir.resolve("local");
    Path r = dir.resolve("remote");
    Files.write(b, base.getBytes(StandardCharsets.UTF_8));
    Files.write(l, local.getBytes(StandardCharsets.UTF_8));
    Files.write(r, remote.getBytes(StandardCharsets.UTF_8));
    Process p = new ProcessBuilder("git", "merge-file", "-p", "-L", "local", "-L", "base", "-L",
        "remote", l.toString(), b.toString(), r.toString()).directory(dir.toFile()).start();
    p.getOutputStream().close();
    String out = readAll(p.getInputStream());
    readAll(p.getErrorStream());
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("git merge-file did not finish");
    }
    int exit = p.exitValue();
    if (exit < 0) {
      throw new IllegalStateException("git merge-file failed: " + exit);
    }
    return new GitResult(exit, out);
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) > 0; ) {
      bos.write(buf, 0, n);
    }
    return new String(bos.toByteArray(), StandardCharsets.UTF_8);
  }

  private static String q(String s) {
    return '"' + s.replace("\n", "\\n") + '"';
  }
}
