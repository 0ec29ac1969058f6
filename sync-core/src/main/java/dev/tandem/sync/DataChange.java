package dev.tandem.sync;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Tandem#observe} reports: the local data changed, where the change came from, and
 * which record types it touched, so that a UI knows what to query again. Immutable.
 *
 * <p>Changes are coalesced: one event may stand for many writes of the same source made since the
 * observer last heard of that source.
 */
public final class DataChange {
  /** Where a change came from. */
  public enum Source {
    /** Written through this {@code Tandem}: a save, a delete or a batch. */
    LOCAL,
    /** Pulled from the server: other devices' changes, or merges of them with local ones. */
    REMOTE,
    /**
     * Written to the same database file by another process (or another store opened on it):
     * the types are not known, so anything may have changed.
     */
    EXTERNAL
  }

  private final Source source;
  private final Set<String> types;

  /**
   * @param types the record types changed; empty when not known ({@link Source#EXTERNAL})
   */
  public DataChange(Source source, Set<String> types) {
    this.source = Objects.requireNonNull(source, "source");
    this.types = Collections.unmodifiableSet(new LinkedHashSet<>(types));
  }

  public Source source() {
    return source;
  }

  /** Returns the record types that changed, or an empty set when they are not known. */
  public Set<String> types() {
    return types;
  }

  /** Returns true if records of {@code type} may have changed. */
  public boolean affects(String type) {
    return types.isEmpty() || types.contains(type);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof DataChange && source == ((DataChange) o).source
        && types.equals(((DataChange) o).types);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, types);
  }

  @Override
  public String toString() {
    return "DataChange{" + source + (types.isEmpty() ? "" : " " + types) + "}";
  }
}
