package dev.tandem.sync.history;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live import: append, rewrite in place, rename over and a new session in a watched folder are
 * each imported, and an appended line is written exactly once. Waits are bounded (60 s) and end
 * as soon as the store shows the change; nothing sleeps a guessed time.
 */
class HistoryWatcherTest {
  private static final String SID = "11111111-2222-3333-4444-555555555555";
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private Tandem tandem;
  private HistoryWatcher watcher;
  private final ConcurrentLinkedQueue<ImportReport> reports = new ConcurrentLinkedQueue<>();
  private Path home;
  private Path session;

  @BeforeEach
  void start() throws Exception {
    tandem = Tandem.builder().database(tmp.resolve("t.db")).autoSync(false).build();
    home = tmp.resolve(".claude");
    session = Files.createDirectories(home.resolve("projects/-p")).resolve(SID + ".jsonl");
    Files.writeString(session, line("u1", null, "one") + line("u2", "u1", "two"));
    AgentImporter importer = new AgentImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES);
    List<DefaultLocations.Location> where =
        List.of(new DefaultLocations.Location(home, Source.CLAUDE_CODE));
    importer.importAll(where);
    watcher = new HistoryWatcher(importer, where, 100, reports::add);
    watcher.start();
  }

  @AfterEach
  void stop() throws Exception {
    watcher.close();
    tandem.close();
  }

  private static String line(String uuid, String parent, String text) {
    return SessionEdgeCasesTest.user(uuid, parent, text) + "\n";
  }

  private int messages(String cid) {
    return tandem.store().history().listByConversation(RecordTypes.MESSAGE, cid).size();
  }

  private String content(int n) {
    Record r = tandem.store().get(RecordTypes.MESSAGE, SID + ":m:" + n).current();
    return r.data().path("content").asText();
  }

  private int written() {
    return reports.stream().mapToInt(ImportReport::recordsWritten).sum();
  }

  @Test
  void appendedLines_areImportedOnceEach() throws Exception {
    Files.writeString(session, line("u3", "u2", "three"), StandardOpenOption.APPEND);
    // the report reaches the listener just after the store has the line: wait for both
    await().atMost(BOUND).until(() -> messages(SID) == 3 && written() >= 2);
    assertEquals(2, written(), "the new message and the conversation, once");
    Files.writeString(session, line("u4", "u3", "four"), StandardOpenOption.APPEND);
    await().atMost(BOUND).until(() -> messages(SID) == 4 && written() >= 4);
    assertEquals(4, written(), "two records per appended line, nothing more");
  }

  @Test
  void aRewriteInPlace_andARenameOver_areImported() throws Exception {
    Files.writeString(session, line("u1", null, "ONE") + line("u2", "u1", "two"));
    await().atMost(BOUND).until(() -> content(0).equals("ONE"));
    Path tmpFile = session.resolveSibling(SID + ".jsonl.tmp");
    Files.writeString(tmpFile, line("u1", null, "uno") + line("u2", "u1", "dos")
        + line("u3", "u2", "tres"));
    Files.move(tmpFile, session, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    await().atMost(BOUND).until(() -> messages(SID) == 3 && content(0).equals("uno"));
    assertEquals("dos", content(1));
  }

  @Test
  void aNewSessionInANewProjectFolder_isImported() throws Exception {
    String other = "99999999-2222-3333-4444-555555555555";
    Path dir = Files.createDirectories(home.resolve("projects/-q"));
    Files.write(dir.resolve(other + ".jsonl"), line("x1", null, "hello").replace(SID, other)
        .getBytes(StandardCharsets.UTF_8));
    await().atMost(BOUND).until(() -> messages(other) == 1);
  }
}
