package dev.tandem.sync.spi;

import dev.tandem.sync.Hlc;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One row of the outbox ({@code sync_queue}). Repeated changes to one record before it is sent
 * coalesce into one entry, so an entry always describes the record's latest local version:
 * {@link #hlc()} is that version's clock, and the engine reads the record itself when it sends.
 */
public final class OutboxEntry {
  /** Outbox status values, as stored. */
  public enum Status {
    PENDING, SYNCED, FAILED;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final long id;
  private final String type;
  private final String entityId;
  private final String action;
  private final @Nullable Hlc hlc;
  private final Status status;
  private final int retryCount;
  private final @Nullable String errorMessage;
  private final long createdAt;
  private final long updatedAt;
  private final long nextAttemptAt;

  public OutboxEntry(long id, String type, String entityId, String action, @Nullable Hlc hlc,
      Status status, int retryCount, @Nullable String errorMessage, long createdAt, long updatedAt,
      long nextAttemptAt) {
    this.id = id;
    this.type = type;
    this.entityId = entityId;
    this.action = action;
    this.hlc = hlc;
    this.status = status;
    this.retryCount = retryCount;
    this.errorMessage = errorMessage;
    this.createdAt = createdAt;
    this.updatedAt = updatedAt;
    this.nextAttemptAt = nextAttemptAt;
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

  /** Returns the clock of the record version this entry was last coalesced to. */
  public @Nullable Hlc hlc() {
    return hlc;
  }

  public Status status() {
    return status;
  }

  public int retryCount() {
    return retryCount;
  }

  public @Nullable String errorMessage() {
    return errorMessage;
  }

  public long createdAt() {
    return createdAt;
  }

  public long updatedAt() {
    return updatedAt;
  }

  /** Returns the earliest wall time (ms) at which the engine may send this entry again. */
  public long nextAttemptAt() {
    return nextAttemptAt;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof OutboxEntry)) {
      return false;
    }
    OutboxEntry e = (OutboxEntry) o;
    return id == e.id && retryCount == e.retryCount && createdAt == e.createdAt
        && updatedAt == e.updatedAt && nextAttemptAt == e.nextAttemptAt
        && type.equals(e.type) && entityId.equals(e.entityId) && action.equals(e.action)
        && Objects.equals(hlc, e.hlc) && status == e.status
        && Objects.equals(errorMessage, e.errorMessage);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, type, entityId, hlc, status, retryCount);
  }

  @Override
  public String toString() {
    return "OutboxEntry{#" + id + " " + type + "/" + entityId + " " + action + " " + status
        + " tries=" + retryCount + "}";
  }
}
