package dev.tandem.sync;

/**
 * Hears that the local data changed; see {@link Tandem#observe}. A lambda will do:
 * {@code tandem.observe(change -> refresh(change.types()))}.
 */
@FunctionalInterface
public interface ChangeObserver {
  /** The local data changed; query again what {@code change} affects. */
  void onChange(DataChange change);
}
