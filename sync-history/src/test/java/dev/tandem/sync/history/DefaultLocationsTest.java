package dev.tandem.sync.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultLocationsTest {
  @TempDir Path home;

  private static Path mkTasks(Path root) throws Exception {
    Files.createDirectories(root.resolve("tasks"));
    return root;
  }

  @Test
  void linux_findsVsCodeAndForks_underDotConfig() throws Exception {
    Path roo = mkTasks(home.resolve(".config/Code/User/globalStorage/rooveterinaryinc.roo-cline"));
    Path cline = mkTasks(home.resolve(
        ".config/VSCodium/User/globalStorage/saoudrizwan.claude-dev"));
    Path cursor = mkTasks(home.resolve(
        ".config/Cursor/User/globalStorage/saoudrizwan.claude-dev"));
    List<DefaultLocations.Location> found =
        new DefaultLocations("Linux", home, Map.of()).existing();
    assertEquals(List.of(new DefaultLocations.Location(roo, Source.ROO),
        new DefaultLocations.Location(cline, Source.CLINE),
        new DefaultLocations.Location(cursor, Source.CLINE)), found);
  }

  @Test
  void mac_usesLibraryApplicationSupport_andInsiders() throws Exception {
    Path p = mkTasks(home.resolve(
        "Library/Application Support/Code - Insiders/User/globalStorage/saoudrizwan.claude-dev"));
    assertEquals(List.of(new DefaultLocations.Location(p, Source.CLINE)),
        new DefaultLocations("Mac OS X", home, Map.of()).existing());
  }

  @Test
  void windows_usesAppData() throws Exception {
    Path appData = home.resolve("AppData-x/Roaming");
    Path p = mkTasks(appData.resolve("Code/User/globalStorage/rooveterinaryinc.roo-cline"));
    assertEquals(List.of(new DefaultLocations.Location(p, Source.ROO)),
        new DefaultLocations("Windows 11", home, Map.of("APPDATA", appData.toString()))
            .existing());
  }

  @Test
  void remote_vscodeServer_isProbed() throws Exception {
    Path p = mkTasks(home.resolve(
        ".vscode-server/data/User/globalStorage/saoudrizwan.claude-dev"));
    assertEquals(List.of(new DefaultLocations.Location(p, Source.CLINE)),
        new DefaultLocations("Linux", home, Map.of()).existing());
  }

  @Test
  void roo_customStoragePath_isReadFromSettingsWithComments() throws Exception {
    Path custom = mkTasks(home.resolve("roo-elsewhere"));
    Path settings = home.resolve(".config/Code/User/settings.json");
    Files.createDirectories(settings.getParent());
    Files.writeString(settings, "{\n  // my settings\n  \"editor.fontSize\": 14,\n"
        + "  \"roo-cline.customStoragePath\": \"" + custom + "\",\n}\n");
    assertEquals(List.of(new DefaultLocations.Location(custom, Source.ROO)),
        new DefaultLocations("Linux", home, Map.of()).existing());
  }

  @Test
  void roo_relativeCustomStoragePath_isIgnoredLikeRooDoes() throws Exception {
    Path settings = home.resolve("s.json");
    Files.writeString(settings, "{\"roo-cline.customStoragePath\": \"relative/dir\"}");
    assertEquals(null, DefaultLocations.rooCustomStoragePath(settings));
  }

  @Test
  void cline_standaloneDataDir_followsClineDirEnv() throws Exception {
    Path def = mkTasks(home.resolve(".cline/data"));
    assertTrue(new DefaultLocations("Linux", home, Map.of()).existing()
        .contains(new DefaultLocations.Location(def, Source.CLINE)));
    Path other = mkTasks(home.resolve("cl/data"));
    assertEquals(List.of(new DefaultLocations.Location(other, Source.CLINE)),
        new DefaultLocations("Linux", home, Map.of("CLINE_DIR", home.resolve("cl").toString()))
            .existing());
  }

  @Test
  void nothingInstalled_findsNothing() {
    assertTrue(new DefaultLocations("Linux", home, Map.of()).existing().isEmpty());
    assertTrue(new DefaultLocations("Linux", home, Map.of()).candidates().size() > 10);
  }

  @Test
  void sessionAgents_areFoundInTheirHomes_orWhereTheirVariablesPoint() throws Exception {
    Path claude = Files.createDirectories(home.resolve(".claude/projects/-p"));
    Files.writeString(claude.resolve("s.jsonl"), "{\"sessionId\":\"s\"}\n");
    Path codex = Files.createDirectories(home.resolve("cx/sessions/2026"));
    Path cont = Files.createDirectories(home.resolve(".continue/sessions"));
    Files.createDirectories(home.resolve(".codex")); // empty: not listed
    DefaultLocations loc = new DefaultLocations("Windows 11", home,
        Map.of("CODEX_HOME", home.resolve("cx").toString()));
    assertEquals(List.of(new DefaultLocations.Location(home.resolve(".claude"),
        Source.CLAUDE_CODE), new DefaultLocations.Location(codex.getParent().getParent(),
        Source.CODEX), new DefaultLocations.Location(cont.getParent(), Source.CONTINUE)),
        loc.allExisting());
    assertEquals(home.resolve("cc"), new DefaultLocations("Linux", home,
        Map.of("CLAUDE_CONFIG_DIR", home.resolve("cc").toString())).sessionCandidates().get(0)
        .root());
  }
}
