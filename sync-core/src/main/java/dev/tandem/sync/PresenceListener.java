package dev.tandem.sync;

/** Hears another device of the team come online or go offline (over the live channel). */
@FunctionalInterface
public interface PresenceListener {
  /**
   * Called in order on Tandem's callback thread, never under the engine's lock.
   *
   * @param at when the server saw it, epoch milliseconds
   */
  void onPresence(String deviceId, boolean online, long at);
}
