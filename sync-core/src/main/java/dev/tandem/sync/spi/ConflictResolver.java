package dev.tandem.sync.spi;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Decides what a record becomes when a remote version arrives for a record with unsynced local
 * changes. Implementations must be deterministic: every device resolving the same inputs must
 * reach the same result, or replicas diverge.
 */
@FunctionalInterface
public interface ConflictResolver {
  /**
   * Returns the resolution of {@code local} against {@code remote}.
   *
   * @param base the version both sides started from, or null when both created the record
   *     independently or the base is unknown
   * @param local this device's current version (possibly a tombstone)
   * @param remote the arriving version (possibly a tombstone)
   */
  Resolution resolve(@Nullable Record base, Record local, Record remote);

  /**
   * Whether this resolver combines both sides from their common base (a merge), rather than
   * choosing one version. For such a resolver the engine pushes conditionally: the server stores a
   * version only if it was made from the version the server holds, and otherwise answers with
   * that version, which the engine merges before pushing again. So no device's edit is ever
   * replaced by a version made without it. Defaults to false: the server keeps the version with
   * the greatest clock.
   */
  default boolean mergesFromBase() {
    return false;
  }

  /** The outcome of a resolution. */
  final class Resolution {
    /** Which version the record takes. */
    public enum Outcome {
      /** Keep the local version; it is still queued and will win on the server too. */
      LOCAL,
      /** Take the remote version as it is. */
      REMOTE,
      /** A new version combining both; the engine stamps a fresh clock and queues it. */
      MERGED
    }

    private final Outcome outcome;
    private final boolean deleted;
    private final @Nullable String json;
    private final List<Conflict> conflicts;

    private Resolution(Outcome outcome, boolean deleted, @Nullable String json,
        List<Conflict> conflicts) {
      this.outcome = outcome;
      this.deleted = deleted;
      this.json = json;
      this.conflicts = Collections.unmodifiableList(conflicts);
    }

    /** Keep the local version. */
    public static Resolution local(List<Conflict> conflicts) {
      return new Resolution(Outcome.LOCAL, false, null, conflicts);
    }

    /** Take the remote version. */
    public static Resolution remote(List<Conflict> conflicts) {
      return new Resolution(Outcome.REMOTE, false, null, conflicts);
    }

    /** A merged live version with data {@code json}. */
    public static Resolution merged(String json, List<Conflict> conflicts) {
      return new Resolution(Outcome.MERGED, false, Objects.requireNonNull(json, "json"),
          conflicts);
    }

    /** A merged deletion. */
    public static Resolution mergedDeletion(List<Conflict> conflicts) {
      return new Resolution(Outcome.MERGED, true, null, conflicts);
    }

    public Outcome outcome() {
      return outcome;
    }

    /** For {@link Outcome#MERGED}: true if the merged result is a tombstone. */
    public boolean deleted() {
      return deleted;
    }

    /** For {@link Outcome#MERGED}: the merged data, or null for a tombstone. */
    public @Nullable String json() {
      return json;
    }

    /** Returns every conflict decided on the way (empty for a clean merge). */
    public List<Conflict> conflicts() {
      return conflicts;
    }
  }
}
