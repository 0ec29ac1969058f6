package dev.tandem.sync.sqlite.internal;

import dev.tandem.sync.Hlc;
import dev.tandem.sync.sqlite.SqlCursor;
import dev.tandem.sync.spi.OutboxEntry;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * The outbox, {@code sync_queue}: at most one unsynced entry per record, coalesced on every local
 * write, drained oldest first among the due entries.
 */
public final class Outbox {
  /** The filter of entries not yet delivered (pending or failed). */
  static final String UNSYNCED = "status <> 'synced'";
  private static final String COLUMNS = "id, type, entity_id, action, hlc, status, retry_count,"
      + " error_message, created_at, updated_at, next_attempt_at";

  private final RecordTables tables;

  public Outbox(RecordTables tables) {
    this.tables = tables;
  }

  static OutboxEntry entry(SqlCursor rs) throws SQLException {
    return new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
        Hlc.parse(rs.getString(5)), OutboxEntry.Status.valueOf(
            rs.getString(6).toUpperCase(Locale.ROOT)), (int) rs.getLong(7), rs.getString(8),
        rs.getLong(9), rs.getLong(10), rs.getLong(11));
  }

  /**
   * Queues a change, coalescing with the record's unsynced entry. A failed entry gets a fresh
   * start (the record changed); a pending one keeps its backoff.
   */
  public void enqueue(Conn c, String type, String id, String action, String hlc, long now)
      throws SQLException {
    c.update("INSERT INTO sync_queue (type, entity_id, action, hlc, status, retry_count,"
            + " created_at, updated_at, next_attempt_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)"
            + " ON CONFLICT (type, entity_id) WHERE " + UNSYNCED + " DO UPDATE SET"
            + " action = excluded.action, hlc = excluded.hlc, updated_at = excluded.updated_at,"
            + " retry_count = CASE WHEN status = 'failed' THEN 0 ELSE retry_count END,"
            + " error_message = CASE WHEN status = 'failed' THEN NULL ELSE error_message END,"
            + " next_attempt_at = CASE WHEN status = 'failed' THEN excluded.next_attempt_at"
            + " ELSE next_attempt_at END, status = 'pending'",
        type, id, action, hlc, now, now, now);
  }

  /** Returns true if any entry is pending or failed. */
  boolean anyUnsynced(Conn c) throws SQLException {
    return c.queryLong("SELECT EXISTS (SELECT 1 FROM sync_queue WHERE " + UNSYNCED + ")", 1) != 0;
  }

  /** Drops a record's unsynced entry (a remote version replaced it). */
  void dropUnsynced(Conn c, String type, String id) throws SQLException {
    c.update("DELETE FROM sync_queue WHERE type = ? AND entity_id = ? AND " + UNSYNCED, type, id);
  }

  /** Returns true if the record has a pending or failed entry. */
  boolean hasUnsynced(Conn c, String type, String id) throws SQLException {
    return c.queryLong("SELECT count(*) FROM sync_queue WHERE type = ? AND entity_id = ?"
        + " AND " + UNSYNCED, 0, type, id) > 0;
  }

  public List<OutboxEntry> duePending(Conn c, long nowMillis, int limit) throws SQLException {
    return c.query("SELECT " + COLUMNS + " FROM sync_queue"
        + " WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        Outbox::entry, nowMillis, limit);
  }

  public List<OutboxEntry> failed(Conn c, int limit) throws SQLException {
    return c.query("SELECT " + COLUMNS + " FROM sync_queue"
        + " WHERE status = 'failed' ORDER BY id LIMIT ?", Outbox::entry, limit);
  }

  /**
   * Deletes a delivered entry if it still describes version {@code hlc}, and makes that version
   * the record's base; an entry coalesced with a newer change since stays.
   */
  public void markSynced(Conn c, long id, String type, String entityId, String hlc)
      throws SQLException {
    if (c.update("DELETE FROM sync_queue WHERE id = ? AND hlc = ?", id, hlc) == 1) {
      tables.markBaseSynced(c, type, entityId, hlc);
    }
  }

  /**
   * Records a failed attempt of entry {@code id} at version {@code hlc}; if it moved on since,
   * only the error is kept.
   */
  public void markFailed(Conn c, long id, String hlc, String error, long now, long nextAttemptAt,
      boolean terminal) throws SQLException {
    int n = c.update("UPDATE sync_queue SET retry_count = retry_count + 1, error_message = ?,"
            + " updated_at = ?, next_attempt_at = ?, status = ? WHERE id = ? AND hlc = ?",
        error, now, nextAttemptAt, terminal ? "failed" : "pending", id, hlc);
    if (n == 0) {
      c.update("UPDATE sync_queue SET error_message = ?, updated_at = ? WHERE id = ?",
          error, now, id);
    }
  }

  /** Records a failed attempt of a seed-surface item, whatever its version. */
  public void markFailedAnyVersion(Conn c, long id, String error, long now, long nextAttemptAt,
      boolean terminal) throws SQLException {
    c.update("UPDATE sync_queue SET retry_count = retry_count + 1, error_message = ?,"
            + " updated_at = ?, next_attempt_at = ?, status = ? WHERE id = ?",
        error, now, nextAttemptAt, terminal ? "failed" : "pending", id);
  }

  public int retryFailed(Conn c, long nowMillis) throws SQLException {
    return c.update("UPDATE sync_queue SET status = 'pending', retry_count = 0,"
        + " next_attempt_at = ?, updated_at = ? WHERE status = 'failed'", nowMillis, nowMillis);
  }

  public int count(Conn c, OutboxEntry.Status status) throws SQLException {
    if (status == OutboxEntry.Status.PENDING) {
      // Counted on the two partial indexes (every unsynced entry, the failed ones): the sync
      // engine asks every cycle, and the table itself has no index on its status.
      return (int) c.queryLong("SELECT (SELECT count(*) FROM sync_queue WHERE " + UNSYNCED
          + ") - (SELECT count(*) FROM sync_queue WHERE status = 'failed')", 0);
    }
    return (int) c.queryLong("SELECT count(*) FROM sync_queue WHERE status = ?", 0,
        status.wireName());
  }
}
