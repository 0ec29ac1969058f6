package dev.tandem.sync.protocol;

import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The 200 body of {@code GET /sync/pull}. */
public final class PullResponse {
  private final List<Change> changes;
  private final @Nullable String cursor;
  private final boolean hasMore;
  private final long serverTimestamp;

  public PullResponse(List<Change> changes, @Nullable String cursor, boolean hasMore,
      long serverTimestamp) {
    this.changes = Collections.unmodifiableList(changes);
    this.cursor = cursor;
    this.hasMore = hasMore;
    this.serverTimestamp = serverTimestamp;
  }

  /** Returns the changes in server sequence order, each with {@code seq} and origin device. */
  public List<Change> changes() {
    return changes;
  }

  /** Returns the opaque cursor to send as {@code since} next time. */
  public @Nullable String cursor() {
    return cursor;
  }

  public boolean hasMore() {
    return hasMore;
  }

  public long serverTimestamp() {
    return serverTimestamp;
  }
}
