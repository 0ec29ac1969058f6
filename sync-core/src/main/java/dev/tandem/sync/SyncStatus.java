package dev.tandem.sync;

/** A snapshot of the sync engine's state. Immutable. */
public final class SyncStatus {
  /** How the device learns about remote changes. */
  public enum Mode {
    /** No server configured: the store is local only. */
    LOCAL_ONLY,
    /** The server is unreachable; writes queue locally. */
    OFFLINE,
    /** Connected, pulling on a timer. */
    POLLING,
    /** Connected with a live channel: the server says when to pull. */
    LIVE
  }

  private final int pending;
  private final int failed;
  private final long lastSyncAt;
  private final String lastError;
  private final Mode mode;
  private final String cursor;
  private final long clockOffsetMillis;
  private final long clampedClocks;

  public SyncStatus(int pending, int failed, long lastSyncAt, String lastError, Mode mode,
      String cursor) {
    this(pending, failed, lastSyncAt, lastError, mode, cursor, 0, 0);
  }

  /**
   * @param clockOffsetMillis the correction of this device's wall clock learned from the server
   * @param clampedClocks how many received clocks were too far ahead and were clamped
   */
  public SyncStatus(int pending, int failed, long lastSyncAt, String lastError, Mode mode,
      String cursor, long clockOffsetMillis, long clampedClocks) {
    this.clockOffsetMillis = clockOffsetMillis;
    this.clampedClocks = clampedClocks;
    this.pending = pending;
    this.failed = failed;
    this.lastSyncAt = lastSyncAt;
    this.lastError = lastError;
    this.mode = mode;
    this.cursor = cursor;
  }

  /** Returns the number of outbox entries waiting to be sent. */
  public int pending() {
    return pending;
  }

  /** Returns the number of outbox entries parked as failed (see {@code retryFailed()}). */
  public int failed() {
    return failed;
  }

  /** Returns the wall time (ms) of the last successful exchange with the server, or 0. */
  public long lastSyncAt() {
    return lastSyncAt;
  }

  /** Returns the last error message, or null. */
  public String lastError() {
    return lastError;
  }

  public Mode mode() {
    return mode;
  }

  /** Returns true unless the engine is offline or has no server. */
  public boolean online() {
    return mode == Mode.POLLING || mode == Mode.LIVE;
  }

  /** Returns the server cursor this device has pulled up to, or null. */
  public String cursor() {
    return cursor;
  }

  /**
   * Returns how far this device's wall clock is off the server's, in ms (server minus device;
   * 0 when within a second). Clocks are stamped with the corrected time; a large value means the
   * device's clock is wrong and worth fixing.
   */
  public long clockOffsetMillis() {
    return clockOffsetMillis;
  }

  /**
   * Returns how many clocks received from the server were further ahead than the bound of
   * PROTOCOL "Clock bounds" and were clamped: a sign of a device with a far-future clock.
   */
  public long clampedClocks() {
    return clampedClocks;
  }

  @Override
  public String toString() {
    return "SyncStatus{" + mode + " pending=" + pending + " failed=" + failed + " lastSyncAt="
        + lastSyncAt + (lastError == null ? "" : " lastError=" + lastError)
        + (clockOffsetMillis == 0 ? "" : " clockOffset=" + clockOffsetMillis + "ms")
        + (clampedClocks == 0 ? "" : " clampedClocks=" + clampedClocks) + "}";
  }
}
