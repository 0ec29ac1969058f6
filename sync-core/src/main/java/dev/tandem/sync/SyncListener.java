package dev.tandem.sync;

/**
 * Receives sync events. Override what you need; every method does nothing by default, so new
 * events never break an implementation.
 *
 * <p>Methods run on the listener executor given to {@code addListener} (by default the engine's
 * own listener thread, which delivers events in order), never while the engine holds its sync
 * lock: a listener may call back into {@link Tandem}, {@code syncNow()} included. A slow listener
 * on the default executor delays only the events after it; a listener that throws is logged and
 * the others still hear the event.
 */
public abstract class SyncListener {
  /** The engine's status changed. */
  public void onStatus(SyncStatus status) {}

  /** A conflict was decided and recorded. */
  public void onConflict(Conflict conflict) {}

  /** A change from another device was applied to the local store. */
  public void onRemoteChange(Record record) {}
}
