package dev.tandem.sync.internal;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.ConflictResolver.Resolution;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The one last-write-wins rule: the engine's default resolver and {@code LastWriteWins.byHlc()}
 * (sync-conflict) are both this code, so a host that names the resolver gets exactly what one
 * that does not already had.
 *
 * <p>First the cases that are no conflict at all: both versions the same (same JSON text, or both
 * deleted) — the later clock is kept silently; a live base that one side still equals — the other
 * side changed, so its version is taken silently, whatever the clocks say. Otherwise the later
 * clock wins whole, and one {@link Conflict} with path {@code ""} keeps both versions.
 */
public final class LastWriteWinsRule {
  /** The rule, deciding by hybrid logical clock. */
  public static final ConflictResolver BY_HLC = (base, local, remote) ->
      resolve(base, local, remote, true);

  private LastWriteWinsRule() {}

  /**
   * Resolves by the rule above.
   *
   * @param byClock true to let the later clock win; false to let the local version win (it
   *     reaches the server after the remote one, which is already there)
   */
  public static Resolution resolve(Record base, Record local, Record remote, boolean byClock) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
    if (sameVersion(local, remote)) {
      // No conflict, but the clock still counts: dropping the later of two equal versions (two
      // deletions, say) would let an edit made between them win over the later one.
      return byClock && local.hlc().isAfter(remote.hlc())
          ? Resolution.local(Collections.<Conflict>emptyList())
          : Resolution.remote(Collections.<Conflict>emptyList());
    }
    if (base != null && !base.deleted()) {
      if (sameVersion(base, local)) {
        return Resolution.remote(Collections.<Conflict>emptyList());
      }
      if (sameVersion(base, remote)) {
        return Resolution.local(Collections.<Conflict>emptyList());
      }
    }
    boolean remoteWins = byClock && !local.hlc().isAfter(remote.hlc());
    List<Conflict> conflicts = Collections.singletonList(new Conflict(local.type(), local.id(),
        "", local.json(), remote.json(), remoteWins ? Conflict.REMOTE_WINS : Conflict.LOCAL_WINS,
        local.hlc(), remote.hlc(), 0));
    return remoteWins ? Resolution.remote(conflicts) : Resolution.local(conflicts);
  }

  /** Returns true if both are deleted, or both live with the same JSON text. */
  public static boolean sameVersion(Record a, Record b) {
    return a.deleted() == b.deleted() && Objects.equals(a.json(), b.json());
  }
}
