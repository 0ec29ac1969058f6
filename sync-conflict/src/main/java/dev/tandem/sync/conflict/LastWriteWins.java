package dev.tandem.sync.conflict;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.internal.LastWriteWinsRule;
import dev.tandem.sync.spi.ConflictResolver;
import org.jspecify.annotations.Nullable;

/**
 * Whole-record resolvers that keep one version and drop the other: {@link #byHlc()} (the default
 * of {@code DESIGN.md}) and {@link #byServerArrival()} (the seed design's rule).
 *
 * <pre>{@code
 * Tandem tandem = Tandem.builder()
 *     .conflictResolver(LastWriteWins.byHlc())
 *     ...
 * }</pre>
 *
 * <p>Both resolvers first look for cases that are not conflicts at all: if both versions are the
 * same (same JSON text, or both deletions) one is taken silently — by {@link #byHlc()} the one with
 * the later clock, by {@link #byServerArrival()} the remote one; if a base is known
 * and one side still equals it, the other side's change is taken silently. Otherwise one version
 * wins and a {@link Conflict} with path {@code ""} records both, so the loser can still be shown to
 * the user. Instances are immutable and thread-safe.
 */
public final class LastWriteWins implements ConflictResolver {
  private static final LastWriteWins BY_HLC = new LastWriteWins(true);
  private static final LastWriteWins BY_SERVER_ARRIVAL = new LastWriteWins(false);

  private final boolean byHlc;

  private LastWriteWins(boolean byHlc) {
    this.byHlc = byHlc;
  }

  /**
   * Returns the resolver that keeps the version with the later hybrid logical clock. Every device
   * reaches the same decision for the same two versions, whichever of them is local, because
   * clocks are totally ordered (the device id breaks ties).
   */
  public static LastWriteWins byHlc() {
    return BY_HLC;
  }

  /**
   * Returns the resolver under which the version that reaches the server last wins.
   *
   * <p>What this means on a device: the resolver runs when a remote version is pulled while this
   * device holds a change the server has not acknowledged. The pulled version is already on the
   * server; the pending local change will reach the server after it, when the outbox drains. So
   * the local version wins, every time, and is pushed; the server (whose policy must then also be
   * arrival order, not HLC) keeps it, and other devices pull it later as an ordinary update. The
   * clocks are not consulted. Devices converge on whichever version reached the server last,
   * exactly as in the seed design.
   *
   * <p>Caveat, inherent in deciding from versions alone: a local change that was already delivered
   * but whose acknowledgement was lost is treated as pending; it wins locally although the server
   * may hold a later version. The engine should treat a change as pending only until its batch is
   * acknowledged, and retry an unacknowledged batch with the same idempotency key.
   */
  public static LastWriteWins byServerArrival() {
    return BY_SERVER_ARRIVAL;
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@link #byHlc()} is the engine's own default rule, the same code; {@link
   * #byServerArrival()} is that rule with the local version winning where the clock would decide.
   */
  @Override
  public Resolution resolve(@Nullable Record base, Record local, Record remote) {
    return LastWriteWinsRule.resolve(base, local, remote, byHlc);
  }

  static boolean sameVersion(Record a, Record b) {
    return LastWriteWinsRule.sameVersion(a, b);
  }

  static Conflict wholeRecord(Record local, Record remote, String resolution) {
    return new Conflict(local.type(), local.id(), "", local.json(), remote.json(), resolution,
        local.hlc(), remote.hlc(), 0);
  }

  @Override
  public String toString() {
    return byHlc ? "LastWriteWins.byHlc()" : "LastWriteWins.byServerArrival()";
  }
}
