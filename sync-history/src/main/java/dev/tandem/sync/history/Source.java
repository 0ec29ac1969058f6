package dev.tandem.sync.history;

import java.util.Locale;

/** Which extension wrote a task folder. */
public enum Source {
  ROO("roo", "rooveterinaryinc.roo-cline"),
  CLINE("cline", "saoudrizwan.claude-dev");

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

  /** Returns the extension's folder name under VS Code's {@code User/globalStorage}. */
  public String extensionFolder() {
    return extensionFolder;
  }

  /**
   * Parses {@code roo} or {@code cline} (case-insensitive).
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
    throw new IllegalArgumentException("unknown source \"" + s + "\": expected roo or cline");
  }

  @Override
  public String toString() {
    return id;
  }
}
