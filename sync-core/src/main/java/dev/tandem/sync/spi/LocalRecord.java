package dev.tandem.sync.spi;

import dev.tandem.sync.Record;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A record as the local store holds it: the current version, and the base, the last version this
 * device and the server agreed on (null until the record has been synced once). Three-way merge
 * resolves against the base.
 */
public final class LocalRecord {
  private final Record current;
  private final @Nullable Record base;

  public LocalRecord(Record current, @Nullable Record base) {
    this.current = Objects.requireNonNull(current, "current");
    this.base = base;
  }

  public Record current() {
    return current;
  }

  /** Returns the last version agreed with the server, or null. */
  public @Nullable Record base() {
    return base;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LocalRecord && current.equals(((LocalRecord) o).current)
        && Objects.equals(base, ((LocalRecord) o).base);
  }

  @Override
  public int hashCode() {
    return Objects.hash(current, base);
  }

  @Override
  public String toString() {
    return "LocalRecord{" + current + ", base=" + base + "}";
  }
}
