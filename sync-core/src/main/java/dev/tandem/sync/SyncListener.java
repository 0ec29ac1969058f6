package dev.tandem.sync;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Receives sync events. Override what you need; every method does nothing by default, so new
 * events never break an implementation.
 *
 * <p>Methods run on the listener executor given to {@code addListener} (by default the engine's
 * own listener thread, which delivers events in order), never while the engine holds its sync
 * lock: a listener may call back into {@link Tandem}, {@code syncNow()} included. A slow listener
 * on the default executor delays only the events after it; a listener that throws is logged and
 * the others still hear the event.
 *
 * <p>For one kind of event a lambda will do: {@code
 * tandem.addListener(SyncListener.forConflicts(c -> show(c)))}; for changes of the data a UI
 * shows, {@link Tandem#observe} is simpler still.
 */
public abstract class SyncListener {
  /** The engine's status changed. */
  public void onStatus(SyncStatus status) {}

  /** A conflict was decided and recorded. */
  public void onConflict(Conflict conflict) {}

  /** A change from another device was applied to the local store. */
  public void onRemoteChange(Record record) {}

  /** Returns a listener that hands each status change to {@code action}. */
  public static SyncListener forStatus(Consumer<? super SyncStatus> action) {
    Objects.requireNonNull(action, "action");
    return new SyncListener() {
      @Override
      public void onStatus(SyncStatus status) {
        action.accept(status);
      }
    };
  }

  /** Returns a listener that hands each decided conflict to {@code action}. */
  public static SyncListener forConflicts(Consumer<? super Conflict> action) {
    Objects.requireNonNull(action, "action");
    return new SyncListener() {
      @Override
      public void onConflict(Conflict conflict) {
        action.accept(conflict);
      }
    };
  }

  /** Returns a listener that hands each applied remote change to {@code action}. */
  public static SyncListener forRemoteChanges(Consumer<? super Record> action) {
    Objects.requireNonNull(action, "action");
    return new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        action.accept(record);
      }
    };
  }
}
