package dev.tandem.sync.history;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where the agents keep their history on this machine. Roo Code, Cline and Kilo Code tasks: the
 * VS Code global storage of each extension in stock VS Code, Insiders, VSCodium, Cursor and
 * Windsurf, on Linux, macOS and Windows, plus VS Code Server (remote/WSL) and Codespaces, Roo's
 * {@code roo-cline.customStoragePath} setting, and Cline's standalone {@code ~/.cline/data}.
 * Claude Code, Codex CLI and Continue sessions: their home folders ({@link
 * #sessionCandidates()}). The OS name, home directory and environment are injected so every
 * platform is testable anywhere.
 */
public final class DefaultLocations {
  /** VS Code and forks: their user-data folder names. */
  public static final List<String> EDITORS =
      List.of("Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf");

  private static final JsonMapper JSONC = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
      .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
      .build();

  private final String osName;
  private final Path home;
  private final Map<String, String> env;

  /**
   * @param osName as {@code System.getProperty("os.name")}
   * @param home the user's home directory
   * @param env environment variables ({@code APPDATA}, {@code CLINE_DIR}, …)
   */
  public DefaultLocations(String osName, Path home, Map<String, String> env) {
    this.osName = Objects.requireNonNull(osName, "osName").toLowerCase(Locale.ROOT);
    this.home = Objects.requireNonNull(home, "home");
    this.env = Objects.requireNonNull(env, "env");
  }

  /** Returns the locations of the running JVM's user. */
  public static DefaultLocations system() {
    return new DefaultLocations(System.getProperty("os.name"),
        Paths.get(System.getProperty("user.home")), System.getenv());
  }

  /** A storage root (the folder holding {@code tasks/}) and the extension that owns it. */
  public static final class Location {
    private final Path root;
    private final Source source;

    public Location(Path root, Source source) {
      this.root = root;
      this.source = source;
    }

    public Path root() {
      return root;
    }

    public Source source() {
      return source;
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      if (!(other instanceof Location)) {
        return false;
      }
      Location o = (Location) other;
      return java.util.Objects.equals(root, o.root)
          && java.util.Objects.equals(source, o.source);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(root, source);
    }

    @Override
    public String toString() {
      return "Location[" + "root=" + root + ", " + "source=" + source + "]";
    }
  }

  /** Returns the editors' user-data directories ({@code <dir>/User/...}) for this OS. */
  public List<Path> userDataDirs() {
    List<Path> out = new ArrayList<>();
    Path base;
    if (osName.startsWith("windows")) {
      String appData = env.get("APPDATA");
      base = appData != null ? Paths.get(appData) : home.resolve("AppData").resolve("Roaming");
    } else if (osName.startsWith("mac") || osName.startsWith("darwin")) {
      base = home.resolve("Library").resolve("Application Support");
    } else {
      String xdg = env.get("XDG_CONFIG_HOME");
      base = xdg != null && !xdg.isEmpty() ? Paths.get(xdg) : home.resolve(".config");
    }
    for (String editor : EDITORS) {
      out.add(base.resolve(editor));
    }
    out.add(home.resolve(".vscode-server").resolve("data"));
    out.add(home.resolve(".vscode-server-insiders").resolve("data"));
    out.add(home.resolve(".cursor-server").resolve("data"));
    out.add(home.resolve(".vscode-remote").resolve("data"));
    return out;
  }

  /** Returns every candidate root, existing or not, in probing order (no duplicates). */
  public List<Location> candidates() {
    Set<Location> out = new LinkedHashSet<>();
    for (Path userData : userDataDirs()) {
      Path user = userData.resolve("User");
      String custom = rooCustomStoragePath(user.resolve("settings.json"));
      if (custom != null) {
        out.add(new Location(Paths.get(custom), Source.ROO));
      }
      for (Source s : Source.values()) {
        if (!s.taskFolders()) {
          continue;
        }
        out.add(new Location(user.resolve("globalStorage").resolve(s.extensionFolder()), s));
      }
    }
    String clineData = env.get("CLINE_DATA_DIR");
    if (clineData != null && !clineData.isEmpty()) {
      out.add(new Location(Paths.get(clineData), Source.CLINE));
    }
    String clineDir = env.get("CLINE_DIR");
    Path cline = clineDir != null && !clineDir.isEmpty() ? Paths.get(clineDir)
        : home.resolve(".cline");
    out.add(new Location(cline.resolve("data"), Source.CLINE));
    return new ArrayList<>(out);
  }

  /** Returns the candidates that hold a {@code tasks/} directory. */
  public List<Location> existing() {
    List<Location> out = new ArrayList<>();
    for (Location l : candidates()) {
      if (Files.isDirectory(l.root().resolve("tasks"))) {
        out.add(l);
      }
    }
    return out;
  }

  /**
   * Returns the homes of the session-file agents (Claude Code {@code ~/.claude} or {@code
   * $CLAUDE_CONFIG_DIR}, Codex {@code ~/.codex} or {@code $CODEX_HOME}, Continue {@code
   * ~/.continue} or {@code $CONTINUE_GLOBAL_DIR}), existing or not. The agents use the same
   * folders on Linux, macOS and Windows.
   */
  public List<Location> sessionCandidates() {
    List<Location> out = new ArrayList<>();
    for (SessionFormat f : SessionImporter.FORMATS) {
      out.add(new Location(f.defaultRoot(home, env), f.source()));
    }
    return out;
  }

  /**
   * Returns every agent's data found for this user: the task-folder roots of {@link #existing()}
   * and the session agents' homes that hold their data.
   */
  public List<Location> allExisting() {
    List<Location> out = new ArrayList<>(existing());
    for (Location l : sessionCandidates()) {
      if (Files.isDirectory(l.root()) && SessionImporter.format(l.source()).detect(l.root())) {
        out.add(l);
      }
    }
    return out;
  }

  /**
   * Reads {@code roo-cline.customStoragePath} from a VS Code {@code settings.json} (JSON with
   * comments and trailing commas). Returns null when unset, empty, relative or unreadable, as Roo
   * then falls back to the default.
   */
  static String rooCustomStoragePath(Path settings) {
    if (!Files.isRegularFile(settings)) {
      return null;
    }
    try {
      JsonNode s = JSONC.readTree(settings.toFile());
      JsonNode v = s == null ? null : s.get("roo-cline.customStoragePath");
      if (v == null || !v.isTextual() || Text.isBlank(v.asText())) {
        return null;
      }
      String p = v.asText().trim();
      boolean absolute = p.startsWith("/") || p.matches("^[A-Za-z]:[\\\\/].*")
          || p.startsWith("\\\\");
      return absolute ? p : null;
    } catch (IOException e) {
      return null;
    }
  }
}
