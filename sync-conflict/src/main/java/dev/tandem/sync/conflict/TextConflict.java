package dev.tandem.sync.conflict;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One region of a text that both sides changed differently, as found by
 * {@link ThreeWayMerge#mergeText(String, String, String)}: where it is and what each side made of
 * it. Immutable.
 */
public final class TextConflict {
  private final int line;
  private final int baseLine;
  private final String base;
  private final String local;
  private final String remote;

  TextConflict(int line, int baseLine, String base, String local, String remote) {
    this.line = line;
    this.baseLine = baseLine;
    this.base = base;
    this.local = local;
    this.remote = remote;
  }

  /**
   * Returns the 1-based line of {@link MergeResult#text()} at which this region starts (the
   * {@code <<<<<<<} line when conflict markers were asked for, else the first line of the local
   * side's text that stands in for the region).
   */
  public int line() {
    return line;
  }

  /** Returns the 1-based line of the base text at which the region starts. */
  public int baseLine() {
    return baseLine;
  }

  /** Returns the base text of the region (whole lines, possibly empty). */
  public String base() {
    return base;
  }

  /** Returns the local side's text of the region (whole lines, possibly empty). */
  public String local() {
    return local;
  }

  /** Returns the remote side's text of the region (whole lines, possibly empty). */
  public String remote() {
    return remote;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof TextConflict)) {
      return false;
    }
    TextConflict c = (TextConflict) o;
    return line == c.line && baseLine == c.baseLine && base.equals(c.base)
        && local.equals(c.local) && remote.equals(c.remote);
  }

  @Override
  public int hashCode() {
    return Objects.hash(line, baseLine, base, local, remote);
  }

  @Override
  public String toString() {
    return "TextConflict{line " + line + ", base line " + baseLine + ", local="
        + abbreviate(local) + ", remote=" + abbreviate(remote) + "}";
  }

  static String abbreviate(String s) {
    String q = s.length() > 40 ? s.substring(0, 40) + "…" : s;
    return '"' + q.replace("\n", "\\n").replace("\r", "\\r") + '"';
  }
}
