package dev.tandem.sync;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A conflict that was decided: two devices changed the same record (or the same field of it)
 * differently. Every conflict is stored locally and reported to listeners, however it was decided,
 * so that the user can be told.
 */
public final class Conflict {
  /** The local version won. */
  public static final String LOCAL_WINS = "local_wins";
  /** The remote version won. */
  public static final String REMOTE_WINS = "remote_wins";
  /** Both sides were combined; {@link #path()} names what could not be combined, if anything. */
  public static final String MERGED = "merged";

  private final String type;
  private final String id;
  private final String path;
  private final @Nullable String localValue;
  private final @Nullable String remoteValue;
  private final String resolution;
  private final @Nullable Hlc localHlc;
  private final @Nullable Hlc remoteHlc;
  private final long decidedAt;

  /**
   * @param path the JSON path of the conflicting field ({@code ""} for the whole record, such as
   *     delete against update)
   * @param localValue the local value as JSON text, or null if absent or deleted
   * @param remoteValue the remote value as JSON text, or null if absent or deleted
   * @param resolution {@link #LOCAL_WINS}, {@link #REMOTE_WINS}, {@link #MERGED} or a
   *     resolver-specific word
   */
  public Conflict(String type, String id, String path, @Nullable String localValue,
      @Nullable String remoteValue, String resolution, @Nullable Hlc localHlc,
      @Nullable Hlc remoteHlc, long decidedAt) {
    this.type = Objects.requireNonNull(type, "type");
    this.id = Objects.requireNonNull(id, "id");
    this.path = Objects.requireNonNull(path, "path");
    this.localValue = localValue;
    this.remoteValue = remoteValue;
    this.resolution = Objects.requireNonNull(resolution, "resolution");
    this.localHlc = localHlc;
    this.remoteHlc = remoteHlc;
    this.decidedAt = decidedAt;
  }

  public String type() {
    return type;
  }

  public String id() {
    return id;
  }

  /** Returns the JSON path of the field in conflict, {@code ""} for the whole record. */
  public String path() {
    return path;
  }

  public @Nullable String localValue() {
    return localValue;
  }

  public @Nullable String remoteValue() {
    return remoteValue;
  }

  public String resolution() {
    return resolution;
  }

  public @Nullable Hlc localHlc() {
    return localHlc;
  }

  public @Nullable Hlc remoteHlc() {
    return remoteHlc;
  }

  /** Returns the wall time (ms) at which it was decided, or 0 if not yet stored. */
  public long decidedAt() {
    return decidedAt;
  }

  /** Returns a copy stamped with the time it was decided. */
  public Conflict withDecidedAt(long millis) {
    return new Conflict(type, id, path, localValue, remoteValue, resolution, localHlc, remoteHlc,
        millis);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Conflict)) {
      return false;
    }
    Conflict c = (Conflict) o;
    return decidedAt == c.decidedAt && type.equals(c.type) && id.equals(c.id)
        && path.equals(c.path) && Objects.equals(localValue, c.localValue)
        && Objects.equals(remoteValue, c.remoteValue) && resolution.equals(c.resolution)
        && Objects.equals(localHlc, c.localHlc) && Objects.equals(remoteHlc, c.remoteHlc);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, id, path, resolution, localHlc, remoteHlc);
  }

  @Override
  public String toString() {
    return "Conflict{" + type + "/" + id + (path.isEmpty() ? "" : " " + path) + " " + resolution
        + "}";
  }
}
