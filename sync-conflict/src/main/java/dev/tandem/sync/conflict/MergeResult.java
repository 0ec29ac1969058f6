package dev.tandem.sync.conflict;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a three-way text merge: the merged text and the regions that could not be
 * merged. Immutable.
 *
 * <p>When the merge is {@linkplain #clean() clean}, {@link #text()} holds both sides' edits. When
 * it is not, {@link #text()} holds every edit that could be merged, and in each conflicting region
 * either git-style conflict markers (if they were asked for) or the local side's text.
 */
public final class MergeResult {
  private final String text;
  private final List<TextConflict> conflicts;

  MergeResult(String text, List<TextConflict> conflicts) {
    this.text = Objects.requireNonNull(text, "text");
    this.conflicts = Collections.unmodifiableList(new ArrayList<>(conflicts));
  }

  /** Returns true if every edit of both sides was merged without conflict. */
  public boolean clean() {
    return conflicts.isEmpty();
  }

  /** Returns the merged text; see the class documentation for conflicting regions. */
  public String text() {
    return text;
  }

  /** Returns the conflicting regions in text order; empty for a clean merge. */
  public List<TextConflict> conflicts() {
    return conflicts;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof MergeResult)) {
      return false;
    }
    MergeResult r = (MergeResult) o;
    return text.equals(r.text) && conflicts.equals(r.conflicts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text, conflicts);
  }

  @Override
  public String toString() {
    return "MergeResult{" + (clean() ? "clean" : conflicts.size() + " conflict(s)") + ", text="
        + TextConflict.abbreviate(text) + "}";
  }
}
