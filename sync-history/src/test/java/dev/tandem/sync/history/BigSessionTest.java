package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 50 MB Codex session (the bundled sample repeated, call ids made unique per copy) imports in
 * a JVM of its own with a 64 MB heap, a bound that does not hold if the file is read and written
 * whole (a single-transaction import of it needs over 128 MB), and a line appended afterwards
 * re-imports only that line. Codex rather than Claude Code: the same windowed path, at twice the
 * speed, keeps the test short.
 */
class BigSessionTest {
  static final String CID = "11111111-2222-3333-4444-555555555555";
  static final String REL = "sessions/2026/01/01/rollout-2026-01-01T00-00-00-" + CID + ".jsonl";
  private static final long TARGET = 50L << 20;

  @TempDir Path tmp;

  /** Run by the forked JVM: imports the home in args[0] into the database args[1]. */
  public static void main(String[] args) throws Exception {
    try (Tandem t = Tandem.builder().database(Paths.get(args[1])).autoSync(false).build()) {
      ImportReport r = new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(Paths.get(args[0]), Source.CODEX);
      System.out.println("report " + r.imported() + " " + r.failed() + " " + r.bytesRead() + " "
          + r.problems().size() + " " + t.store().history().countByConversation(RecordTypes.MESSAGE, CID));
    }
  }

  @Test
  void fiftyMegabyteSession_importsInA64MegabyteHeap_andAnAppendReadsOnlyTheNewLine()
      throws Exception {
    Path home = tmp.resolve("home");
    Path file = home.resolve(REL);
    Files.createDirectories(file.getParent());
    Path sample = SessionByteIdentityTest.bundled("codex").resolve("sessions/2026/02/21/"
        + "rollout-2026-02-21T17-29-01-019c7f51-0152-7080-96b6-bd5a3d12e815.jsonl");
    long size = grow(sample, file);
    Path db = tmp.resolve("t.db");

    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), BigSessionTest.class.getName(),
        home.toString(), db.toString()));
    Path log = tmp.resolve("child.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    boolean done = p.waitFor(180, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(log);
    assertTrue(done, "the import did not finish in 180 s: " + out);
    assertEquals(0, p.exitValue(), out);
    String[] f = out.substring(out.indexOf("report ")).trim().split(" ");
    assertEquals("1", f[1], "imported: " + out);
    assertEquals("0", f[2], "failed: " + out);
    assertEquals(size, Long.parseLong(f[3]), "every byte read once: " + out);
    assertEquals("0", f[4], "problems: " + out);
    int messages = Integer.parseInt(f[5]);
    assertTrue(messages > 5_000, "messages: " + out);

    String line = "{\"timestamp\":\"2026-02-21T09:00:00.000Z\",\"type\":\"response_item\","
        + "\"payload\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":"
        + "\"input_text\",\"text\":\"one more line\"}]}}\n";
    Files.write(file, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file)
        .toMillis() + 2000));
    try (Tandem t = Tandem.builder().database(db).autoSync(false).build()) {
      ImportReport r = new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(home, Source.CODEX);
      assertEquals(List.of(), r.problems());
      assertEquals(line.length(), r.bytesRead(), "only the appended line is read");
      assertTrue(r.recordsWritten() <= 2, "the new message and its conversation: " + r);
      assertEquals(messages + 1, t.store().history().countByConversation(RecordTypes.MESSAGE, CID));
    }
  }

  /** Writes copies of {@code sample} to {@code file} until it is ~50 MB; returns its size. */
  static long grow(Path sample, Path file) throws IOException {
    String text = Files.readString(sample);
    long n = 0;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      for (int k = 0; n < TARGET; k++) {
        String copy = text.replace("call_", "call_" + k + "x");
        byte[] b = copy.getBytes(StandardCharsets.UTF_8);
        out.write(b);
        n += b.length;
      }
    }
    return n;
  }
}
