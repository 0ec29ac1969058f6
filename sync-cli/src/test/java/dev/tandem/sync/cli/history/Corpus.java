package dev.tandem.sync.cli.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Where the test corpora are, and how two task folders are compared. */
final class Corpus {
  private Corpus() {}

  /** The small subset committed in test resources. */
  static Path bundled() {
    try {
      return Paths.get(Corpus.class.getResource("/corpus/tasks").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The whole shared corpus: {@code ../shared/corpus} beside the repository (CI checks it out
   * there), or null. Maven runs tests in the module directory, so look above it too.
   */
  static Path shared() {
    Path dir = Paths.get("").toAbsolutePath();
    for (int i = 0; i < 3 && dir != null; i++) {
      Path c = dir.resolveSibling("shared").resolve("corpus");
      if (Files.isDirectory(c.resolve("tasks"))) {
        return c;
      }
      dir = dir.getParent();
    }
    return null;
  }

  static List<Path> taskDirs(Path tasks) throws IOException {
    try (Stream<Path> s = Files.list(tasks)) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  /** Copies a folder tree. */
  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /**
   * Asserts that every file of {@code original} exists in {@code exported} and, for JSON, parses
   * equal (exact numbers); other files must be byte-identical. Returns how many JSON files were
   * also byte-identical.
   */
  static int assertSameTask(Path original, Path exported) throws IOException {
    int identical = 0;
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(original)) {
      s.filter(Files::isRegularFile).forEach(p -> names.add(p.getFileName().toString()));
    }
    for (String name : names) {
      Path e = exported.resolve(name);
      assertTrue(Files.exists(e), "missing " + e);
      byte[] a = Files.readAllBytes(original.resolve(name));
      byte[] b = Files.readAllBytes(e);
      if (name.endsWith(".json")) {
        JsonNode ta = Json.MAPPER.readTree(a);
        JsonNode tb = Json.MAPPER.readTree(b);
        assertEquals(ta, tb, "JSON differs: " + original.resolve(name));
        if (java.util.Arrays.equals(a, b)) {
          identical++;
        }
      } else {
        assertTrue(java.util.Arrays.equals(a, b), "bytes differ: " + original.resolve(name));
      }
    }
    return identical;
  }
}
