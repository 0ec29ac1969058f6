package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Where the test corpora are, and how two task folders are compared. */
public final class Corpus {
  private Corpus() {}

  /** The small subset committed in test resources. */
  public static Path bundled() {
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
  public static Path shared() {
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

  public static List<Path> taskDirs(Path tasks) throws IOException {
    try (Stream<Path> s = Files.list(tasks)) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  /** Copies a folder tree. */
  public static void copy(Path from, Path to) throws IOException {
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

  /** The committed subset's root: {@code tasks/}, {@code global/}, {@code versions/}. */
  public static Path bundledRoot() {
    return bundled().getParent();
  }

  /**
   * Asserts that every file of {@code original} exists in {@code exported} with the same bytes.
   * Returns how many files were compared.
   */
  public static int assertSameTask(Path original, Path exported) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(original)) {
      s.filter(Files::isRegularFile).forEach(p -> names.add(p.getFileName().toString()));
    }
    for (String name : names) {
      String diff = firstDifference(original.resolve(name), exported.resolve(name));
      assertTrue(diff == null, diff);
    }
    return names.size();
  }

  /** Returns the regular files under {@code dir}, as sorted relative paths with '/'. */
  public static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted().toList();
    }
  }

  /**
   * Compares two files byte for byte. Returns null when they are identical, otherwise a message
   * naming the file and the first differing offset (with the bytes there), or the missing file.
   */
  public static String firstDifference(Path expected, Path actual) throws IOException {
    if (!Files.isRegularFile(actual)) {
      return expected + ": not exported (" + actual + " missing)";
    }
    byte[] a = Files.readAllBytes(expected);
    byte[] b = Files.readAllBytes(actual);
    int at = java.util.Arrays.mismatch(a, b);
    if (at < 0) {
      return null;
    }
    return expected + ": exported bytes differ at offset " + at + " (expected "
        + describe(a, at) + ", got " + describe(b, at) + "; lengths " + a.length + " and "
        + b.length + "), exported file " + actual;
  }

  private static String describe(byte[] bytes, int at) {
    if (at >= bytes.length) {
      return "end of file";
    }
    int from = Math.max(0, at - 20);
    int to = Math.min(bytes.length, at + 20);
    String context = new String(bytes, from, to - from, java.nio.charset.StandardCharsets.UTF_8)
        .replace("\n", "\\n").replace("\r", "\\r");
    return String.format("0x%02x in \"%s\"", bytes[at] & 0xff, context);
  }
}
