package dev.tandem.sync.sqlite.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.HistoryQueries;
import dev.tandem.sync.spi.LocalRecord;
import java.io.IOException;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The message side of the store: the full-text index of message text ({@code messages_fts},
 * rowid = {@code messages.rowid}), each conversation's {@code last_activity}, and the history
 * queries over them.
 *
 * <p>New messages are indexed late, in batches: flushing FTS5's segment, structure and averages
 * records, and moving the conversation in its activity index, is most of a single message's
 * commit. A new message's conversation {@code last_activity} moves with the index. The
 * invariant, kept inside every write transaction (so across processes too): every message row
 * with a rowid up to the watermark in {@code sync_state} ({@link #WATERMARK}) is indexed and
 * counted in its conversation's activity, and none above it is. A write transaction that reaches
 * {@link #CATCH_UP_AT} rows above it indexes them there and then; a search or a listing by
 * activity first indexes whatever is above it; opening and closing the store do too (opening is
 * the catch-up after a crash). Rewrites of messages already indexed update the index at once.
 * The text of a message just written is kept in memory until it is indexed, so catching up
 * parses nothing the store already parsed.
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

  /** The {@code sync_state} key of the highest message rowid covered by the index. */
  public static final String WATERMARK = "store.search_indexed_rowid";
  /** How many unindexed messages a write transaction leaves before it indexes them. */
  public static final int CATCH_UP_AT = 64;
  private static final int MAX_CACHED = 4 * CATCH_UP_AT;

  private final Pool pool;
  private final RecordTables tables;
  private final Runnable catchUpInTransaction;
  /**
   * Text of messages written but not yet indexed: id to {hlc, text}. Used only under the
   * write lock. A stale entry (another process rewrote the row, a transaction rolled back) is
   * told by its clock and ignored.
   */
  private final Map<String, String[]> pendingText = new HashMap<>();
  /**
   * New message rows this store wrote since it last caught up: when to catch up. Only a hint
   * (another process's writes and catch-ups are not counted; a rolled-back row is), since the
   * catch-up itself reads what is above the watermark.
   */
  private int newSinceCatchUp;

  /**
   * @param catchUpInTransaction runs {@link #catchUp} in a write transaction of the store, for a
   *     search that finds the index behind
   */
  public MessageIndex(Pool pool, RecordTables tables, Runnable catchUpInTransaction) {
    this.pool = pool;
    this.tables = tables;
    this.catchUpInTransaction = catchUpInTransaction;
  }

  /** Reads the watermark on {@code c}; -1 if it was never set (a database of an older version). */
  long watermark(Conn c) throws SQLException {
    String v = c.queryFirst("SELECT value FROM sync_state WHERE key = ?", rs -> rs.getString(1),
        WATERMARK);
    return v == null ? -1 : Long.parseLong(v);
  }

  private static long maxRowid(Conn c) throws SQLException {
    return c.queryLong("SELECT max(rowid) FROM messages", 0);
  }

  /**
   * Sets up the watermark of a writable store at open and indexes what a crash left behind.
   * Before the watermark existed every message was indexed when written, so a database without
   * one is indexed up to its newest row. Runs inside a write transaction.
   */
  public void open(Conn c) throws SQLException {
    if (!hasTables(c)) {
      return;
    }
    long wm = watermark(c);
    if (wm < 0) {
      setWatermark(c, maxRowid(c));
    } else {
      catchUp(c, wm);
    }
  }

  private static boolean hasTables(Conn c) throws SQLException {
    return c.queryLong("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        + " AND name IN ('messages', 'messages_fts', 'sync_state')", 0) == 3;
  }

  private static void setWatermark(Conn c, long wm) throws SQLException {
    c.update("INSERT INTO sync_state (key, value) VALUES (?, ?)"
        + " ON CONFLICT (key) DO UPDATE SET value = excluded.value", WATERMARK,
        Long.toString(wm));
  }

  /**
   * Lowers the watermark to the newest message row, after SQL of the host's own may have deleted
   * rows: a new row must never get a rowid the watermark already covers.
   */
  public void afterHostSql(Conn c) throws SQLException {
    if (!hasTables(c)) {
      return;
    }
    c.update("UPDATE sync_state SET value = CAST((SELECT coalesce(max(rowid), 0) FROM messages)"
        + " AS TEXT) WHERE key = ? AND CAST(value AS INTEGER) >"
        + " (SELECT coalesce(max(rowid), 0) FROM messages)", WATERMARK);
  }

  /**
   * Indexes every message above watermark {@code wm} and moves the watermark to the newest row;
   * returns the new watermark. Runs inside a write transaction.
   */
  long catchUp(Conn c, long wm) throws SQLException {
    long[] top = {wm};
    List<Object[]> todo = c.query("SELECT rowid, id, hlc, deleted, conversation_id, ts"
        + " FROM messages WHERE rowid > ? ORDER BY rowid", rs -> {
          long rowid = rs.getLong(1);
          top[0] = Math.max(top[0], rowid);
          return rs.getLong(4) != 0 ? null : new Object[] {rowid, rs.getString(2),
              rs.getString(3), rs.getString(5), rs.getLong(6)};
        }, wm);
    Map<String, Long> newest = new HashMap<>();
    for (Object[] row : todo) {
      if (row == null) {
        continue;
      }
      long rowid = (Long) row[0];
      String[] cached = pendingText.get((String) row[1]);
      String text = cached != null && cached[0].equals(row[2]) ? cached[1]
          : textOf(c.queryFirst("SELECT data FROM messages WHERE rowid = ?",
              rs -> rs.getString(1), rowid));
      if (!text.isEmpty()) {
        c.update("INSERT INTO messages_fts (rowid, text) VALUES (?, ?)", rowid, text);
      }
      if (row[3] != null) {
        newest.merge((String) row[3], (Long) row[4], Math::max);
      }
    }
    for (Map.Entry<String, Long> e : newest.entrySet()) {
      c.update("UPDATE conversations SET last_activity = ? WHERE id = ? AND last_activity < ?",
          e.getValue(), e.getKey(), e.getValue());
    }
    pendingText.clear();
    newSinceCatchUp = 0;
    if (top[0] != wm) {
      setWatermark(c, top[0]);
    }
    return top[0];
  }

  /** The searchable text of stored message data; a row that does not parse has none. */
  private static String textOf(@Nullable String data) {
    if (data == null) {
      return "";
    }
    try {
      JsonNode n = Json.MAPPER.readTree(data);
      return n == null ? "" : SearchText.of(n.get("content"));
    } catch (IOException e) {
      return "";
    }
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
   * {@code old} is the row before it (null if it had none), {@code wm} the watermark. Returns
   * true if enough new messages wait for the index to make a batch.
   */
  boolean afterWrite(Conn c, Record r, @Nullable ObjectNode data, @Nullable String conversationId,
      long ts, @Nullable OldMessage old, long wm) throws SQLException {
    boolean indexed = old != null && old.rowid <= wm;
    if (indexed && !old.deleted) {
      c.update("DELETE FROM messages_fts WHERE rowid = ?", old.rowid);
    }
    if (old == null) {
      newSinceCatchUp++;
    }
    if (!r.deleted()) {
      String text = SearchText.of(data == null ? null : data.get("content"));
      if (indexed) {
        if (!text.isEmpty()) {
          c.update("INSERT INTO messages_fts (rowid, text) VALUES (?, ?)", old.rowid, text);
        }
        if (conversationId != null) {
          c.update("UPDATE conversations SET last_activity = ? WHERE id = ? AND last_activity < ?",
              ts, conversationId, ts);
        }
      } else if (pendingText.size() < MAX_CACHED) {
        // The conversation's activity moves with the index, in the catch-up.
        pendingText.put(r.id(), new String[] {r.hlc().toString(), text});
      }
    }
    if (old != null && !old.deleted && old.conversationId != null
        && (r.deleted() || !old.conversationId.equals(conversationId) || old.ts > ts)) {
      // The newest message may have moved away: recompute that conversation's activity.
      c.update("UPDATE conversations SET last_activity = max(updated_at, coalesce((SELECT"
          + " max(ts) FROM messages WHERE conversation_id = ?1 AND deleted = 0), 0))"
          + " WHERE id = ?1", old.conversationId);
    }
    return newSinceCatchUp >= CATCH_UP_AT;
  }

  /**
   * Brings the index and the activity up to date before a query that reads them. May wait for a
   * write transaction in progress, but only when writes are waiting for the index.
   */
  private void catchUpIfBehind() {
    if (!pool.readOnly() && pool.read("check the search index", this::behind)) {
      catchUpInTransaction.run();
    }
  }

  private boolean behind(Conn c) throws SQLException {
    long wm = watermark(c);
    return wm >= 0 && maxRowid(c) > wm;
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
    catchUpIfBehind();
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
    catchUpIfBehind();
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
