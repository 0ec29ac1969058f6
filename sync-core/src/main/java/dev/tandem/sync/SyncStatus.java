package dev.tandem.sync;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of the sync engine's state. Immutable; equal when every field is (failures compare
 * by class, reason and message, so the same failure seen twice makes equal snapshots).
 */
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
  private final @Nullable SyncException uploadError;
  private final @Nullable SyncException downloadError;
  private final @Nullable String legacyError;
  private final Mode mode;
  private final @Nullable String cursor;
  private final long clockOffsetMillis;
  private final long clampedClocks;

  /**
   * @param uploadError what made the last push fail, or null if it succeeded or never ran
   * @param downloadError what made the last pull (or the last attempt to reach the server) fail,
   *     or null
   * @param clockOffsetMillis the correction of this device's wall clock learned from the server
   * @param clampedClocks how many received clocks were too far ahead and were clamped
   */
  public SyncStatus(int pending, int failed, long lastSyncAt,
      @Nullable SyncException uploadError, @Nullable SyncException downloadError, Mode mode,
      @Nullable String cursor, long clockOffsetMillis, long clampedClocks) {
    this(pending, failed, lastSyncAt, uploadError, downloadError, null, mode, cursor,
        clockOffsetMillis, clampedClocks);
  }

  /**
   * A status whose last error is known only as text.
   *
   * @deprecated use {@link #SyncStatus(int, int, long, SyncException, SyncException, Mode,
   *     String, long, long)}
   */
  @Deprecated
  public SyncStatus(int pending, int failed, long lastSyncAt, @Nullable String lastError,
      Mode mode, @Nullable String cursor) {
    this(pending, failed, lastSyncAt, null, null, lastError, mode, cursor, 0, 0);
  }

  /**
   * A status whose last error is known only as text.
   *
   * @deprecated use {@link #SyncStatus(int, int, long, SyncException, SyncException, Mode,
   *     String, long, long)}
   */
  @Deprecated
  public SyncStatus(int pending, int failed, long lastSyncAt, @Nullable String lastError,
      Mode mode, @Nullable String cursor, long clockOffsetMillis, long clampedClocks) {
    this(pending, failed, lastSyncAt, null, null, lastError, mode, cursor, clockOffsetMillis,
        clampedClocks);
  }

  private SyncStatus(int pending, int failed, long lastSyncAt,
      @Nullable SyncException uploadError, @Nullable SyncException downloadError,
      @Nullable String legacyError, Mode mode, @Nullable String cursor, long clockOffsetMillis,
      long clampedClocks) {
    this.clockOffsetMillis = clockOffsetMillis;
    this.clampedClocks = clampedClocks;
    this.pending = pending;
    this.failed = failed;
    this.lastSyncAt = lastSyncAt;
    this.uploadError = uploadError;
    this.downloadError = downloadError;
    this.legacyError = legacyError;
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

  /** Returns what made the last push fail, or null if it succeeded or has not run. */
  public @Nullable SyncException uploadError() {
    return uploadError;
  }

  /**
   * Returns what made the last pull fail, or the last attempt to reach the server at all; null if
   * it succeeded or has not run.
   */
  public @Nullable SyncException downloadError() {
    return downloadError;
  }

  /**
   * Returns the latest failure, upload or download, or null. A cycle pushes only after its pull
   * succeeded, so when both are set the download error is the later one.
   */
  public @Nullable SyncException failure() {
    return downloadError != null ? downloadError : uploadError;
  }

  /**
   * Returns the last error message, or null.
   *
   * @deprecated use {@link #failure()}, {@link #uploadError()} or {@link #downloadError()}, whose
   *     {@link SyncException#reason()} says what happened without parsing text
   */
  @Deprecated
  public @Nullable String lastError() {
    SyncException f = failure();
    return f != null ? f.getMessage() : legacyError;
  }

  public Mode mode() {
    return mode;
  }

  /** Returns true unless the engine is offline or has no server. */
  public boolean online() {
    return mode == Mode.POLLING || mode == Mode.LIVE;
  }

  /** Returns the server cursor this device has pulled up to, or null. */
  public @Nullable String cursor() {
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
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof SyncStatus)) {
      return false;
    }
    SyncStatus s = (SyncStatus) o;
    return pending == s.pending && failed == s.failed && lastSyncAt == s.lastSyncAt
        && clockOffsetMillis == s.clockOffsetMillis && clampedClocks == s.clampedClocks
        && mode == s.mode && Objects.equals(cursor, s.cursor)
        && Objects.equals(legacyError, s.legacyError) && sameFailure(uploadError, s.uploadError)
        && sameFailure(downloadError, s.downloadError);
  }

  @Override
  public int hashCode() {
    return Objects.hash(pending, failed, lastSyncAt, clockOffsetMillis, clampedClocks, mode,
        cursor, legacyError, failureKey(uploadError), failureKey(downloadError));
  }

  private static boolean sameFailure(@Nullable SyncException a, @Nullable SyncException b) {
    return Objects.equals(failureKey(a), failureKey(b));
  }

  private static @Nullable String failureKey(@Nullable SyncException e) {
    return e == null ? null : e.getClass().getName() + "|" + e.reason() + "|" + e.getMessage();
  }

  @Override
  public String toString() {
    String lastError = lastError();
    return "SyncStatus{" + mode + " pending=" + pending + " failed=" + failed + " lastSyncAt="
        + lastSyncAt + (lastError == null ? "" : " lastError=" + lastError)
        + (clockOffsetMillis == 0 ? "" : " clockOffset=" + clockOffsetMillis + "ms")
        + (clampedClocks == 0 ? "" : " clampedClocks=" + clampedClocks) + "}";
  }
}
