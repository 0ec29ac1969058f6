package dev.tandem.sync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.cli.CliRun.Result;
import dev.tandem.sync.internal.Json;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TandemCliTest {
  @TempDir Path tmp;

  private Map<String, String> env = Map.of();

  private Result run(String... args) {
    return CliRun.execute(new TandemCli().withEnvironment(env, tmp.resolve("home"), "Linux"),
        args);
  }

  private Result runDb(String... args) {
    List<String> all = new ArrayList<>(List.of("--db", tmp.resolve("t.db").toString()));
    all.addAll(List.of(args));
    return run(all.toArray(String[]::new));
  }

  private static Path corpus() throws URISyntaxException {
    return Paths.get(TandemCliTest.class.getResource("/corpus/tasks").toURI());
  }

  @Test
  void version_isThePomsVersion() {
    String pomVersion = System.getProperty("tandem.pomVersion");
    assertTrue(pomVersion != null && !pomVersion.isEmpty(), "surefire passes the pom's version");
    Result r = run("--version");
    assertEquals(0, r.code(), r.err());
    assertEquals("tandem " + pomVersion, r.out().trim());
  }

  @Test
  void help_worksOnEveryCommand_withExitCode0() {
    List<List<String>> paths = new ArrayList<>();
    collect(TandemCli.commandLine(new TandemCli()), new ArrayList<>(), paths);
    assertTrue(paths.size() > 20, paths.toString());
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      Result r = run(args.toArray(String[]::new));
      assertEquals(0, r.code(), path + ": " + r.err());
      assertTrue(r.out().contains("Usage:"), path + ": " + r.out());
    }
  }

  private static void collect(CommandLine cl, List<String> prefix, List<List<String>> out) {
    out.add(prefix);
    for (var e : cl.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      List<String> p = new ArrayList<>(prefix);
      p.add(e.getKey());
      collect(e.getValue(), p, out);
    }
  }

  @Test
  void badUsage_exitsWith2() {
    assertEquals(2, run().code());
    assertEquals(2, run("frobnicate").code());
    assertEquals(2, run("list", "--limit", "many").code());
    assertEquals(2, runDb("import", "--source", "vim", "x").code());
    assertEquals(2, runDb("export", "out").code(), "--format is required");
    assertEquals(2, runDb("list", "--limit", "0").code());
    assertEquals(2, run("privacy").code());
  }

  @Test
  void import_list_show_search_export_privacy_endToEnd() throws Exception {
    Result imp = runDb("import", corpus().toString());
    assertEquals(0, imp.code(), imp.err() + imp.out());
    assertTrue(imp.out().startsWith("imported 9, unchanged 0, skipped 0"), imp.out());
    assertTrue(imp.err().contains("imported 9/9"), "progress counter on stderr: " + imp.err());

    Result again = runDb("import", "--json", corpus().toString());
    assertEquals(0, again.code());
    assertEquals(9, again.json().get("skipped").asInt());
    assertEquals(0, again.json().get("recordsWritten").asInt());

    Result list = runDb("list", "--json");
    assertEquals(0, list.code());
    assertEquals(9, list.json().size());
    JsonNode first = list.json().get(0);
    assertTrue(first.has("title") && first.has("messages") && first.has("lastActivity"));
    assertTrue(first.has("uiMessages"));
    assertEquals("pending", first.get("syncState").asText());
    Result human = runDb("list", "--limit", "2");
    assertEquals(3, human.out().strip().split("\n").length, human.out());

    String id = "wqying__agents__1751428457059";
    Result show = runDb("show", id);
    assertEquals(0, show.code(), show.err());
    assertTrue(show.out().contains("gradio"), show.out());
    Result showJson = runDb("show", "--json", id);
    assertEquals(id, showJson.json().get("conversation").get("id").asText());
    assertTrue(showJson.json().get("messages").size() > 0);
    Result ui = runDb("show", "--ui", "--json", id);
    assertTrue(ui.json().get("uiMessages").size() > 0);
    assertEquals(1, runDb("show", "nope").code());

    Result search = runDb("search", "--json", "gradio");
    assertEquals(0, search.code(), search.err());
    assertTrue(search.json().size() > 0, search.out());
    assertTrue(search.json().get(0).has("snippet"));
    Result searchHuman = runDb("search", "gradio", "--limit", "1");
    assertTrue(searchHuman.out().contains("wqying__agents"), searchHuman.out());

    Result priv = runDb("privacy", "local-only", id);
    assertEquals(0, priv.code(), priv.err());
    Result listed = runDb("list", "--json", "--limit", "50");
    boolean found = false;
    for (JsonNode c : listed.json()) {
      if (c.get("id").asText().equals(id)) {
        assertEquals("local-only", c.get("syncState").asText());
        found = true;
      }
    }
    assertTrue(found);
    assertEquals(0, runDb("privacy", "sync", "--json", id).code());
    assertEquals(1, runDb("privacy", "sync", "missing").code());

    Path out = tmp.resolve("export");
    Result exp = runDb("export", "--format", "cline", "--json", out.toString());
    assertEquals(0, exp.code(), exp.err() + exp.out());
    assertEquals(9, exp.json().get("tasks").asInt());
    assertEquals(Json.MAPPER.readTree(corpus().resolve(id).resolve("ui_messages.json").toFile()),
        Json.MAPPER.readTree(out.resolve("tasks").resolve(id).resolve("ui_messages.json")
            .toFile()));
    Result one = runDb("export", "--format", "roo", "--conversation", id,
        tmp.resolve("one").toString());
    assertEquals(0, one.code(), one.err());
    assertTrue(Files.exists(tmp.resolve("one/tasks").resolve(id).resolve("ui_messages.json")));
    assertEquals(1, runDb("export", "--format", "roo", "--conversation", "nope",
        tmp.resolve("x").toString()).code());
  }

  @Test
  void import_reportsFailedTasks_withExitCode1() throws Exception {
    Path tasks = tmp.resolve("tasks");
    Files.createDirectories(tasks.resolve("bad"));
    Files.writeString(tasks.resolve("bad/ui_messages.json"), "[{");
    Result r = runDb("import", tasks.toString());
    assertEquals(1, r.code());
    assertTrue(r.out().contains("bad: ui_messages.json: invalid JSON"), r.out());
    Result j = runDb("import", "--json", tasks.toString());
    assertEquals("ui_messages.json", j.json().get("problems").get(0).get("file").asText());
  }

  @Test
  void import_withoutDir_usesDefaultLocations_ofTheFakeHome() throws Exception {
    Result none = runDb("import");
    assertEquals(1, none.code());
    assertTrue(none.err().contains("no Roo Code or Cline tasks found"), none.err());
    Path storage = tmp.resolve(
        "home/.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/1751428457059");
    Files.createDirectories(storage.getParent());
    copyDir(corpus().resolve("wqying__agents__1751428457059"), storage);
    Result r = runDb("import", "--json");
    assertEquals(0, r.code(), r.err());
    assertEquals(1, r.json().get("imported").asInt());
    assertTrue(r.err().contains("found cline tasks in"), r.err());
  }

  @Test
  void db_defaultsToTandemDbEnv_thenHome() throws Exception {
    env = Map.of("TANDEM_DB", tmp.resolve("env.db").toString());
    assertEquals(0, run("list").code());
    assertTrue(Files.exists(tmp.resolve("env.db")));
    env = Map.of();
    assertEquals(0, run("list").code());
    assertTrue(Files.exists(tmp.resolve("home/.local/share/tandem/tandem.db")));
  }

  @Test
  void syncCommands_withoutConfig_exitWith1_namingTheFile() {
    // The network commands themselves are tested in NetworkCommandsTest.
    for (String[] args : new String[][] {
        {"sync", "now"}, {"sync", "status"}, {"sync", "retry"}, {"sync", "watch"}}) {
      Result r = run(args);
      assertEquals(1, r.code(), String.join(" ", args));
      assertTrue(r.err().contains("config.json"), r.err());
    }
  }

  @Test
  void db_status_rollback_migrate() throws Exception {
    Result st = runDb("db", "status", "--json");
    assertEquals(0, st.code(), st.err());
    int latest = st.json().get("latest").asInt();
    assertTrue(latest >= 1);
    Result rb = runDb("db", "rollback", "--to", "0", "--json");
    assertEquals(0, rb.code(), rb.err());
    assertEquals(0, rb.json().get("current").asInt());
    Result human = runDb("db", "status");
    assertTrue(human.out().contains("pending"), human.out());
    Result mig = runDb("db", "migrate", "--to", String.valueOf(latest));
    assertEquals(0, mig.code(), mig.err());
    assertTrue(mig.out().contains("schema version " + latest), mig.out());
    Result bad = runDb("db", "migrate", "--to", "999");
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("999"), bad.err());
    assertEquals(2, runDb("db", "rollback").code(), "--to is required");
    assertEquals(0, runDb("list").code(), "usable again after migrate");
  }

  private static void copyDir(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (var s = Files.list(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(p.getFileName().toString()));
      }
    }
  }
}
