package dev.tandem.sync;

/**
 * Receives sync events. Override what you need; every method does nothing by default, so new
 * events never break an implementation.
 *
 * <p>Methods run on the listener executor given to {@code addListener} (by default the engine's
 * own thread). They must be fast, must not throw, and must not call back into {@link Tandem}
 * synchronously from the engine thread.
 */
public abstract class SyncListener {
  /** The engine's status changed. */
  public void onStatus(SyncStatus status) {}

  /** A conflict was decided and recorded. */
  public void onConflict(Conflict conflict) {}

  /** A change from another device was applied to the local store. */
  public void onRemoteChange(Record record) {}
}
