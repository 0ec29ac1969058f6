package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.testing.ReadOnlyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 11 on the command line: default paths from {@code $HOME} and the XDG variables,
 * a mistyped {@code --db}, and a database this process cannot write.
 */
class LocalPathsCommandsTest {
  private static final String TASK = "wqying__agents__1751428457059";

  @TempDir Path tmp;
  private final Map<String, String> env = new HashMap<>();
  private final List<Path> locked = new ArrayList<>();

  @AfterEach
  void unlock() throws Exception {
    for (Path p : locked) {
      ReadOnlyFiles.unlock(p);
    }
  }

  /** Runs with {@code $HOME} in the environment and no explicit home, as a real process. */
  private Result run(String... args) {
    return CliRun.execute(new TandemCli().withEnvironment(env, null, "Linux"), args);
  }

  private static TandemCli cli(Map<String, String> env, String os) {
    return new TandemCli().withEnvironment(env, null, os);
  }

  private static Path task() throws Exception {
    return Paths.get(LocalPathsCommandsTest.class.getResource("/corpus/tasks/" + TASK).toURI());
  }

  // ---- default paths ----

  @Test
  void defaultDatabase_isUnderHome_fromTheHomeVariable() {
    Path home = tmp.resolve("someone");
    env.put("HOME", home.toString());
    Result r = run("list");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(home.resolve(".local/share/tandem/tandem.db")));
  }

  @Test
  void xdgVariables_moveTheDatabaseAndConfig_butOnlyWhenAbsolute() {
    Map<String, String> e = new HashMap<>(Map.of("HOME", "/home/me",
        "XDG_DATA_HOME", "/data/me", "XDG_CONFIG_HOME", "/conf/me"));
    assertEquals(Paths.get("/data/me/tandem/tandem.db"), cli(e, "Linux").dbPath());
    assertEquals(Paths.get("/conf/me/tandem/config.json"), cli(e, "Linux").configPath());
    e.put("XDG_DATA_HOME", "relative/dir");
    e.put("XDG_CONFIG_HOME", "");
    assertEquals(Paths.get("/home/me/.local/share/tandem/tandem.db"), cli(e, "Linux").dbPath());
    assertEquals(Paths.get("/home/me/.config/tandem/config.json"), cli(e, "Linux").configPath());
  }

  @Test
  void tandemDbAndTandemConfig_win() {
    Map<String, String> e = Map.of("HOME", "/home/me", "TANDEM_DB", "/x/t.db",
        "TANDEM_CONFIG", "/y/c.json", "XDG_DATA_HOME", "/data/me");
    assertEquals(Paths.get("/x/t.db"), cli(e, "Linux").dbPath());
    assertEquals(Paths.get("/y/c.json"), cli(e, "Linux").configPath());
  }

  @Test
  void tandemConfig_isWhereSyncLooks() {
    env.put("HOME", tmp.resolve("home").toString());
    env.put("TANDEM_CONFIG", tmp.resolve("elsewhere.json").toString());
    Result r = run("sync", "status");
    assertEquals(1, r.code());
    assertTrue(r.err().contains(tmp.resolve("elsewhere.json").toString()), r.err());
  }

  @Test
  void macOsAndWindows_useTheirApplicationFolders() {
    Map<String, String> mac = Map.of("HOME", "/Users/me");
    assertEquals(Paths.get("/Users/me/Library/Application Support/Tandem/tandem.db"),
        cli(mac, "Mac OS X").dbPath());
    assertEquals(Paths.get("/Users/me/Library/Application Support/Tandem/config.json"),
        cli(mac, "Mac OS X").configPath());
    Path appData = Paths.get("/appdata/Roaming");
    Map<String, String> win = Map.of("HOME", "/home/me", "APPDATA", appData.toString());
    assertEquals(appData.resolve("Tandem").resolve("tandem.db"),
        cli(win, "Windows 11").dbPath());
  }

  @Test
  void filesWhereEarlierVersionsPutThem_areStillUsed_untilNewOnesExist() throws Exception {
    Path home = tmp.resolve("old-user");
    Files.createDirectories(home.resolve(".tandem"));
    Files.writeString(home.resolve(".tandem/config.json"), "{}");
    Files.writeString(home.resolve(".tandem/tandem.db"), "");
    Map<String, String> e = Map.of("HOME", home.toString());
    assertEquals(home.resolve(".tandem/tandem.db"), cli(e, "Linux").dbPath());
    assertEquals(home.resolve(".tandem/config.json"), cli(e, "Linux").configPath());
    Files.createDirectories(home.resolve(".config/tandem"));
    Files.writeString(home.resolve(".config/tandem/config.json"), "{}");
    assertEquals(home.resolve(".config/tandem/config.json"), cli(e, "Linux").configPath());
  }

  // ---- a mistyped --db ----

  @Test
  void dbInAMissingDirectory_isAClearError_andCreatesNothing() {
    env.put("HOME", tmp.resolve("home").toString());
    Path missing = tmp.resolve("no/such/dir/x.db");
    for (String[] args : new String[][] {{"list"}, {"search", "x"}, {"db", "status"},
        {"privacy", "local-only", "c-1"}}) {
      List<String> all = new ArrayList<>(List.of("--db", missing.toString()));
      all.addAll(List.of(args));
      Result r = run(all.toArray(String[]::new));
      assertEquals(1, r.code(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().contains(missing.getParent().toString())
          && r.err().contains("does not exist") && r.err().contains("--db"), r.err());
    }
    env.put("TANDEM_DB", missing.toString());
    Result viaEnv = run("list");
    assertEquals(1, viaEnv.code());
    assertTrue(viaEnv.err().contains("$TANDEM_DB"), viaEnv.err());
    assertFalse(Files.exists(tmp.resolve("no")), "no folders were created");
  }

  @Test
  void dbInAnExistingDirectory_isCreated() {
    env.put("HOME", tmp.resolve("home").toString());
    Result r = run("--db", tmp.resolve("fresh.db").toString(), "list");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(tmp.resolve("fresh.db")));
  }

  // ---- a read-only database ----

  @Test
  void readOnlyDatabase_listShowSearchAndExportWork_writesFailClearly() throws Exception {
    env.put("HOME", tmp.resolve("home").toString());
    Path db = tmp.resolve("data").resolve("ro.db");
    Files.createDirectories(db.getParent());
    Result imp = run("--db", db.toString(), "import", task().toString());
    assertEquals(0, imp.code(), imp.err());
    lock(db);
    byte[] before = Files.readAllBytes(db);

    Result list = run("--db", db.toString(), "list", "--json");
    assertEquals(0, list.code(), list.err());
    assertEquals(TASK, list.json().get(0).get("id").asText());
    Result show = run("--db", db.toString(), "show", TASK);
    assertEquals(0, show.code(), show.err());
    assertTrue(show.out().contains("gradio"), show.out());
    Result search = run("--db", db.toString(), "search", "gradio", "--json");
    assertEquals(0, search.code(), search.err());
    assertTrue(search.json().size() > 0, search.out());
    Path out = tmp.resolve("export");
    Result export = run("--db", db.toString(), "export", "--format", "cline", out.toString());
    assertEquals(0, export.code(), export.err());
    try (Stream<Path> files = Files.walk(out)) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("api_conversation_history"
          + ".json")), "the task folder was exported");
    }

    Result write = run("--db", db.toString(), "privacy", "local-only", TASK);
    assertEquals(1, write.code());
    assertTrue(write.err().contains("read-only") && write.err().contains(db.toString()),
        write.err());
    assertTrue(Files.exists(db));
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(db)), "the file is unchanged");
  }

  @Test
  void databaseInAReadOnlyDirectory_canBeListed() throws Exception {
    env.put("HOME", tmp.resolve("home").toString());
    Path db = tmp.resolve("shelf").resolve("ro.db");
    Files.createDirectories(db.getParent());
    assertEquals(0, run("--db", db.toString(), "import", task().toString()).code());
    lock(db.getParent());
    Result list = run("--db", db.toString(), "list");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().contains(TASK), list.out());
  }

  private void lock(Path p) throws Exception {
    locked.add(p);
    assumeTrue(ReadOnlyFiles.lock(p), "cannot make " + p + " read-only on this machine");
  }
}
