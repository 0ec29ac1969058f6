package dev.tandem.sync;

import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one {@code syncNow()} moved, and what stopped it if it did not complete. Immutable.
 *
 * <p>A run stops at its first failure: {@link #downloadError()} if pulling failed (or the server
 * could not be reached at all), {@link #uploadError()} if pushing did. Changes the server refused
 * one by one do not stop a run; {@link #failed()} counts them.
 */
public final class SyncResult {
  private final int pushed;
  private final int pulled;
  private final int failed;
  private final List<Conflict> conflicts;
  private final @Nullable SyncException uploadError;
  private final @Nullable SyncException downloadError;
  private final @Nullable String legacyError;

  /**
   * @param uploadError what stopped the push, or null
   * @param downloadError what stopped the pull (or the run before it reached the server), or null
   */
  public SyncResult(int pushed, int pulled, int failed, List<Conflict> conflicts,
      @Nullable SyncException uploadError, @Nullable SyncException downloadError) {
    this.pushed = pushed;
    this.pulled = pulled;
    this.failed = failed;
    this.conflicts = Collections.unmodifiableList(conflicts);
    this.uploadError = uploadError;
    this.downloadError = downloadError;
    this.legacyError = null;
  }

  /**
   * A result whose failure is known only as text.
   *
   * @deprecated use {@link #SyncResult(int, int, int, List, SyncException, SyncException)}
   */
  @Deprecated
  public SyncResult(int pushed, int pulled, int failed, List<Conflict> conflicts,
      @Nullable String error) {
    this.pushed = pushed;
    this.pulled = pulled;
    this.failed = failed;
    this.conflicts = Collections.unmodifiableList(conflicts);
    this.uploadError = null;
    this.downloadError = null;
    this.legacyError = error;
  }

  /** Returns the number of local changes the server accepted. */
  public int pushed() {
    return pushed;
  }

  /** Returns the number of remote changes applied locally. */
  public int pulled() {
    return pulled;
  }

  /** Returns the number of entries that failed in this run. */
  public int failed() {
    return failed;
  }

  public List<Conflict> conflicts() {
    return conflicts;
  }

  /** Returns what stopped the push, or null. */
  public @Nullable SyncException uploadError() {
    return uploadError;
  }

  /** Returns what stopped the pull, or the run before it reached the server; or null. */
  public @Nullable SyncException downloadError() {
    return downloadError;
  }

  /** Returns what stopped the run (upload or download), or null if it completed. */
  public @Nullable SyncException failure() {
    return uploadError != null ? uploadError : downloadError;
  }

  /**
   * Returns the message of what stopped the run, or null if it completed.
   *
   * @deprecated use {@link #failure()}, {@link #uploadError()} or {@link #downloadError()}, whose
   *     {@link SyncException#reason()} says what happened without parsing text
   */
  @Deprecated
  public @Nullable String error() {
    SyncException f = failure();
    return f != null ? f.getMessage() : legacyError;
  }

  /** Returns true if the run reached the server and completed. */
  public boolean ok() {
    return failure() == null && legacyError == null;
  }

  @Override
  public String toString() {
    String error = error();
    return "SyncResult{pushed=" + pushed + " pulled=" + pulled + " failed=" + failed
        + " conflicts=" + conflicts.size() + (error == null ? "" : " error=" + error) + "}";
  }
}
