package dev.tandem.sync;

import java.util.Collections;
import java.util.List;

/** What one {@code syncNow()} moved. Immutable. */
public final class SyncResult {
  private final int pushed;
  private final int pulled;
  private final int failed;
  private final List<Conflict> conflicts;
  private final String error;

  public SyncResult(int pushed, int pulled, int failed, List<Conflict> conflicts, String error) {
    this.pushed = pushed;
    this.pulled = pulled;
    this.failed = failed;
    this.conflicts = Collections.unmodifiableList(conflicts);
    this.error = error;
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

  /** Returns the error that stopped the run, or null if it completed. */
  public String error() {
    return error;
  }

  /** Returns true if the run reached the server and completed. */
  public boolean ok() {
    return error == null;
  }

  @Override
  public String toString() {
    return "SyncResult{pushed=" + pushed + " pulled=" + pulled + " failed=" + failed
        + " conflicts=" + conflicts.size() + (error == null ? "" : " error=" + error) + "}";
  }
}
