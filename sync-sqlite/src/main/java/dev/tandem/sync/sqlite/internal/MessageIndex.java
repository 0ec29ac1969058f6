package dev.tandem.sync.sqlite.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.spi.HistoryQueries;
import dev.tandem.sync.spi.LocalRecord;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The message side of the store: the full-text index of message text ({@code messages_fts},
 * rowid = {@code messages.rowid}), each conversation's {@code last_activity}, and the history
 * queries over them.
 */
public final class MessageIndex implements HistoryQueries {
  /** The previous state of a message row, needed to keep the search index and activity right. */
  public static final class OldMessage {
    final long rowid;
    final @Nullable String conversationId;
    final long ts;
    final boolean deleted;

    OldMessage(long rowid, @Nullable String conversationId, long ts, boolean deleted) {
      this.rowid = rowid;
      this.conversationId = conversationId;
      this.ts = ts;
      this.deleted = deleted;
    }
  }

  /** A message read inside a transaction, with the row state its upsert needs. */
  public static final class Read {
    public final LocalRecord record;
    public final OldMessage old;

    Read(LocalRecord record, OldMessage old) {
      this.record = record;
      this.old = old;
    }
  }

  private final Pool pool;
  private final RecordTables tables;

  public MessageIndex(Pool pool, RecordTables tables) {
    this.pool = pool;
    this.tables = tables;
  }

  /** Reads a message with the row state its upsert needs, or null. */
  public @Nullable Read get(Conn c, String id) throws SQLException {
    return c.queryFirst("SELECT hlc, deleted, data, base_hlc, base_deleted,"
        + " base_data, rowid, conversation_id, ts FROM messages WHERE id = ?", rs -> {
          String hlc = rs.getString(1);
          boolean deleted = rs.getLong(2) != 0;
          Record current = RecordTables.version(RecordTypes.MESSAGE, id, hlc, deleted,
              rs.getString(3));
          String baseHlc = rs.getString(4);
          Record base = null;
          if (baseHlc != null) {
            base = baseHlc.equals(hlc) ? current : RecordTables.version(RecordTypes.MESSAGE, id,
                baseHlc, rs.getLong(5) != 0, rs.getString(6));
          }
          return new Read(new LocalRecord(current, base),
              new OldMessage(rs.getLong(7), rs.getString(8), rs.getLong(9), deleted));
        }, id);
  }

  /** Reads the row state of a message, or null if it has no row. */
  @Nullable OldMessage old(Conn c, String id) throws SQLException {
    return c.queryFirst("SELECT rowid, conversation_id, ts, deleted FROM messages WHERE id = ?",
        rs -> new OldMessage(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4) != 0),
        id);
  }

  /** The newest live message of a conversation, for its activity column (0 if none). */
  long newestMessage(Conn c, String conversationId) throws SQLException {
    return c.queryLong(
        "SELECT max(ts) FROM messages WHERE conversation_id = ? AND deleted = 0", 0,
        conversationId);
  }

  /**
   * Brings the index and the conversations' activity up to date after a message's upsert;
   * {@code old} is the row before it (null if it had none).
   */
  void afterWrite(Conn c, Record r, @Nullable ObjectNode data, @Nullable String conversationId,
      long ts, @Nullable OldMessage old) throws SQLException {
    if (old != null && !old.deleted) {
      c.update("DELETE FROM messages_fts WHERE rowid = ?", old.rowid);
    }
    if (!r.deleted()) {
      String text = SearchText.of(data == null ? null : data.get("content"));
      if (!text.isEmpty()) {
        if (old != null) {
          c.update("INSERT INTO messages_fts (rowid, text) VALUES (?, ?)", old.rowid, text);
        } else {
          // The upsert just inserted the row: its rowid is last_insert_rowid(), read inside the
          // FTS insert instead of by a statement of its own.
          c.update("INSERT INTO messages_fts (rowid, text) VALUES (last_insert_rowid(), ?)", text);
        }
      }
      if (conversationId != null) {
        c.update("UPDATE conversations SET last_activity = ? WHERE id = ? AND last_activity < ?",
            ts, conversationId, ts);
      }
    }
    if (old != null && !old.deleted && old.conversationId != null
        && (r.deleted() || !old.conversationId.equals(conversationId) || old.ts > ts)) {
      // The newest message may have moved away: recompute that conversation's activity.
      c.update("UPDATE conversations SET last_activity = max(updated_at, coalesce((SELECT"
          + " max(ts) FROM messages WHERE conversation_id = ?1 AND deleted = 0), 0))"
          + " WHERE id = ?1", old.conversationId);
    }
  }

  private static int requireLimit(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    return limit;
  }

  @Override
  public List<Record> listByConversation(String type, String conversationId) {
    String table = tables.tableFor(type);
    Ids.requireId(conversationId);
    return pool.read("list " + type + " of " + conversationId, c -> c.query(
        "SELECT id, hlc, data FROM " + table + " WHERE " + RecordTables.typeFilter(table)
            + "conversation_id = ? AND deleted = 0 ORDER BY ts, id",
        rs -> RecordTables.live(type, rs), RecordTables.typeArgs(table, type, conversationId)));
  }

  @Override
  public List<Record> latestMessages(String conversationId, long beforeTs, int limit) {
    Ids.requireId(conversationId);
    requireLimit(limit);
    return pool.read("latest messages of " + conversationId, c -> c.query(
        "SELECT id, hlc, data FROM messages WHERE conversation_id = ? AND deleted = 0 AND ts < ?"
            + " ORDER BY ts DESC, id DESC LIMIT ?",
        rs -> RecordTables.live(RecordTypes.MESSAGE, rs), conversationId, beforeTs, limit));
  }

  @Override
  public List<Record> conversationsByActivity(int limit, int offset) {
    requireLimit(limit);
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative: " + offset);
    }
    return pool.read("list conversations", c -> c.query(
        "SELECT id, hlc, data FROM conversations WHERE deleted = 0"
            + " ORDER BY last_activity DESC, id LIMIT ? OFFSET ?",
        rs -> RecordTables.live(RecordTypes.CONVERSATION, rs), limit, offset));
  }

  @Override
  public int countByConversation(String type, String conversationId) {
    String table = tables.tableFor(type);
    Ids.requireId(conversationId);
    return pool.read("count " + type, c -> (int) c.queryLong(
        "SELECT count(*) FROM " + table + " WHERE " + RecordTables.typeFilter(table)
            + "conversation_id = ? AND deleted = 0", 0,
        RecordTables.typeArgs(table, type, conversationId)));
  }

  /**
   * Searches message text. Each word of {@code query} must occur (words are quoted, so FTS5
   * syntax in user input is taken literally; a trailing {@code *} makes a word a prefix). Hits
   * are ranked by bm25, best first; snippets mark matches with {@code [} and {@code ]}.
   *
   * @throws IllegalArgumentException if the query has no searchable word or limit is not positive
   */
  @Override
  public List<SearchHit> search(String query, int limit) {
    Objects.requireNonNull(query, "query");
    requireLimit(limit);
    String fts = SearchText.toFtsQuery(query);
    // The inner query is FTS5 alone, so FTS5 sorts by rank itself and stops after the limit:
    // snippet() (the costly part) then runs for the returned rows only, not for every match.
    return pool.read("search", c -> c.query(
        "SELECT m.conversation_id, m.id, c.title, m.ts, f.snip, f.rank FROM"
            + " (SELECT rowid AS rid, rank, snippet(messages_fts, 0, '[', ']', '…', 16) AS snip"
            + " FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank LIMIT ?) f"
            + " JOIN messages m ON m.rowid = f.rid"
            + " LEFT JOIN conversations c ON c.id = m.conversation_id AND c.deleted = 0"
            + " WHERE m.deleted = 0 ORDER BY f.rank, m.id",
        rs -> new SearchHit(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
            rs.getString(5), rs.getDouble(6)), fts, limit));
  }
}
