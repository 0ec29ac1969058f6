package dev.tandem.sync.sqlite;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One outbox row as the seed surface ({@link HybridStorageBackend#getPendingSync(int)}) returns
 * it, with the record's current data joined in. Immutable.
 */
public final class SyncQueueItem {
  private final long id;
  private final String type;
  private final String entityId;
  private final String action;
  private final @Nullable String data;
  private final String status;
  private final int retryCount;
  private final @Nullable String errorMessage;
  private final long createdAt;
  private final long updatedAt;
  private final long nextAttemptAt;
  private final String hlc;

  SyncQueueItem(long id, String type, String entityId, String action, @Nullable String data,
      String status, int retryCount, @Nullable String errorMessage, long createdAt, long updatedAt,
      long nextAttemptAt, String hlc) {
    this.id = id;
    this.type = type;
    this.entityId = entityId;
    this.action = action;
    this.data = data;
    this.status = status;
    this.retryCount = retryCount;
    this.errorMessage = errorMessage;
    this.createdAt = createdAt;
    this.updatedAt = updatedAt;
    this.nextAttemptAt = nextAttemptAt;
    this.hlc = hlc;
  }

  public long id() {
    return id;
  }

  public String type() {
    return type;
  }

  public String entityId() {
    return entityId;
  }

  /** Returns {@code upsert} or {@code delete}. */
  public String action() {
    return action;
  }

  /** Returns the record's current data as JSON text, or null for a delete. */
  public @Nullable String data() {
    return data;
  }

  /** Returns {@code pending}, {@code failed} or {@code synced}. */
  public String status() {
    return status;
  }

  public int retryCount() {
    return retryCount;
  }

  /** Returns the last error, or null. */
  public @Nullable String errorMessage() {
    return errorMessage;
  }

  public long createdAt() {
    return createdAt;
  }

  public long updatedAt() {
    return updatedAt;
  }

  public long nextAttemptAt() {
    return nextAttemptAt;
  }

  /** Returns the clock of the record version this entry describes. */
  public String hlc() {
    return hlc;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof SyncQueueItem)) {
      return false;
    }
    SyncQueueItem i = (SyncQueueItem) o;
    return id == i.id && retryCount == i.retryCount && createdAt == i.createdAt
        && updatedAt == i.updatedAt && nextAttemptAt == i.nextAttemptAt && type.equals(i.type)
        && entityId.equals(i.entityId) && action.equals(i.action) && Objects.equals(data, i.data)
        && status.equals(i.status) && Objects.equals(errorMessage, i.errorMessage)
        && Objects.equals(hlc, i.hlc);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, type, entityId, hlc, status, retryCount);
  }

  @Override
  public String toString() {
    return "SyncQueueItem{#" + id + " " + type + "/" + entityId + " " + action + " " + status
        + " tries=" + retryCount + "}";
  }
}
