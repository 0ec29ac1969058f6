package dev.tandem.sync.history;

import java.util.Locale;

/**
 * Which agent wrote the history: the VS Code extensions that keep task folders (Roo Code, Cline,
 * Kilo Code) and the agents that keep session files (Claude Code, Codex CLI, Continue).
 */
public enum Source {
  ROO("roo", "rooveterinaryinc.roo-cline"),
  CLINE("cline", "saoudrizwan.claude-dev"),
  /** Kilo Code, a Roo Code fork: Roo's task folders plus newer fields, kept as they are. */
  KILO("kilo", "kilocode.kilo-code"),
  /** Claude Code: {@code ~/.claude/projects/<encoded cwd>/<sessionId>.jsonl}. */
  CLAUDE_CODE("claude-code", null),
  /** Codex CLI: {@code ~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl}. */
  CODEX("codex", null),
  /** Continue: {@code ~/.continue/sessions/<sessionId>.json}. */
  CONTINUE("continue", null);

  private final String id;
  private final String extensionFolder;

  Source(String id, String extensionFolder) {
    this.id = id;
    this.extensionFolder = extensionFolder;
  }

  /** Returns the name used on the command line and in {@code conversation.source}. */
  public String id() {
    return id;
  }

  /**
   * Returns the extension's folder name under VS Code's {@code User/globalStorage}, or null for
   * an agent that is not a VS Code extension keeping task folders.
   */
  public String extensionFolder() {
    return extensionFolder;
  }

  /** Returns true for the extensions that keep Roo/Cline-style task folders. */
  public boolean taskFolders() {
    return extensionFolder != null;
  }

  /**
   * Parses a source name ({@code roo}, {@code cline}, {@code kilo}, {@code claude-code}, {@code
   * codex}, {@code continue}; case-insensitive).
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Source parse(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    for (Source src : values()) {
      if (src.id.equals(v)) {
        return src;
      }
    }
    throw new IllegalArgumentException("unknown source \"" + s + "\": expected " + names());
  }

  /** Returns the accepted names, separated by {@code |}. */
  public static String names() {
    StringBuilder sb = new StringBuilder();
    for (Source src : values()) {
      sb.append(sb.length() == 0 ? "" : "|").append(src.id);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return id;
  }
}
