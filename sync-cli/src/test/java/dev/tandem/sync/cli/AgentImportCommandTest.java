package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.history.Corpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem import --source auto} on a home folder holding six agents' data (Roo Code,
 * Cline, Kilo Code task folders; Claude Code, Codex, Continue sessions) imports them all; {@code
 * list}, {@code show} and {@code search} work the same for each; {@code export} gives each file
 * back byte-identical.
 */
class AgentImportCommandTest {
  private static final String CLAUDE = "0b903f4a-f843-4a76-90bb-df10400e0478";
  private static final String ROO_TASK =
      "jsboige__jsboige-mcp-servers__03deadab-a06d-4b29-976d-3cc142add1d9";

  @TempDir Path tmp;
  private Path home;

  private Result cli(Path db, String... args) {
    return CliRun.execute(new TandemCli().withEnvironment(Map.of(), home, "Linux"),
        CliRun.withDb(db, args));
  }

  private static Path resource(String name) throws Exception {
    return Paths.get(AgentImportCommandTest.class.getResource("/" + name).toURI());
  }

  @BeforeEach
  void homeWithEveryAgent() throws Exception {
    home = tmp.resolve("home");
    Path storage = home.resolve(".config/Code/User/globalStorage");
    Path cline = storage.resolve("saoudrizwan.claude-dev/tasks");
    Corpus.copy(Corpus.bundled(), cline);
    Files.createDirectories(storage.resolve("rooveterinaryinc.roo-cline/tasks"));
    Files.move(cline.resolve(ROO_TASK),
        storage.resolve("rooveterinaryinc.roo-cline/tasks").resolve(ROO_TASK));
    Corpus.copy(resource("kilo/tasks"), storage.resolve("kilocode.kilo-code/tasks"));
    Corpus.copy(resource("sessions/claude-code"), home.resolve(".claude"));
    Corpus.copy(resource("sessions/codex"), home.resolve(".codex"));
    Corpus.copy(resource("sessions/continue"), home.resolve(".continue"));
  }

  @Test
  void importAuto_findsEveryAgent_listShowSearchWork_andExportIsByteIdentical()
      throws Exception {
    Path db = tmp.resolve("t.db");
    Result r = cli(db, "import", "--source", "auto", "--json");
    assertEquals(0, r.code(), r.err() + r.out());
    for (String agent : new String[] {"roo", "cline", "kilo"}) {
      assertTrue(r.err().contains("found " + agent + " tasks in "), r.err());
    }
    for (String agent : new String[] {"claude-code", "codex", "continue"}) {
      assertTrue(r.err().contains("found " + agent + " sessions in "), r.err());
    }
    assertEquals(0, r.json().get("failed").asInt(), r.out());

    Result list = cli(db, "list", "--json", "--limit", "500");
    Set<String> sources = new TreeSet<>();
    for (JsonNode c : list.json()) {
      sources.add(c.get("source").asText());
    }
    assertEquals(new TreeSet<>(Set.of("roo", "cline", "kilo", "claude-code", "codex",
        "continue")), sources);

    Result show = cli(db, "show", CLAUDE, "--json");
    assertEquals(0, show.code(), show.err());
    JsonNode messages = show.json().get("messages");
    assertEquals(4, messages.size());
    assertEquals("user", messages.get(0).get("role").asText());
    Result text = cli(db, "show", "019c7f51-0152-7080-96b6-bd5a3d12e815");
    assertTrue(text.out().contains("source codex"), text.out());

    Result search = cli(db, "search", "clangd", "--json");
    assertTrue(search.out().contains("019c7f51-0152-7080-96b6-bd5a3d12e815"), search.out());

    assertSameTree(db, "claude-code", home.resolve(".claude"));
    assertSameTree(db, "codex", home.resolve(".codex"));
    assertSameTree(db, "continue", home.resolve(".continue"));
    Path kilo = tmp.resolve("export-kilo");
    assertEquals(0, cli(db, "export", "--format", "kilo", kilo.toString()).code());
    // the task-folder formats write every imported task; the Kilo one comes back identical
    String task = "5f0e7c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    Path kiloTask = home.resolve(".config/Code/User/globalStorage/kilocode.kilo-code/tasks")
        .resolve(task);
    assertEquals(4, Corpus.assertSameTask(kiloTask, kilo.resolve("tasks").resolve(task)));
  }

  @Test
  void importAuto_ofAHomeFolderGivenAsDir_findsTheSameAgents() throws Exception {
    Result r = cli(tmp.resolve("t.db"), "import", home.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.err().contains("found claude-code sessions in ")
        && r.err().contains("found kilo tasks in "), r.err());
    Result one = cli(tmp.resolve("one.db"), "import", "--source", "codex",
        home.resolve(".codex").toString());
    assertEquals(0, one.code(), one.err());
    assertTrue(one.out().startsWith("imported 18,"), one.out());
  }

  @Test
  void importWatch_importsFirst_thenWatchesUntilStopped() {
    Result r = cli(tmp.resolve("t.db"), "import", "--watch", "--watch-millis", "500",
        home.resolve(".codex").toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().startsWith("imported 18,"), r.out());
    assertTrue(r.err().contains("tandem: watching 1 folder (Ctrl-C to stop)"), r.err());
  }

  @Test
  void unknownSource_isAClearError() {
    Result r = cli(tmp.resolve("t.db"), "import", "--source", "aider");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("expected roo|cline|kilo|claude-code|codex|continue or auto"),
        r.err());
  }

  private void assertSameTree(Path db, String format, Path original) throws Exception {
    Path out = tmp.resolve("export-" + format);
    Result e = cli(db, "export", "--format", format, out.toString());
    assertEquals(0, e.code(), e.err() + e.out());
    assertEquals(Corpus.files(original), Corpus.files(out), format);
    for (String f : Corpus.files(original)) {
      String d = Corpus.firstDifference(original.resolve(f), out.resolve(f));
      assertNull(d, d);
    }
  }
}
