package dev.tandem.sync.sqlite.internal;

import dev.tandem.sync.RecordTypes;

/**
 * The built-in schema, as the SQL of migration 1, and the mapping of record types to tables.
 *
 * <p>Every record table has the same core columns: {@code id}, {@code hlc}, {@code deleted},
 * {@code data} (the JSON text, null for a tombstone), the base ({@code base_hlc},
 * {@code base_deleted}, {@code base_data}) and the extracted, indexed {@code conversation_id}
 * and {@code ts}. When the base is the current version ({@code base_hlc = hlc}), {@code
 * base_data} is null instead of a second copy of the data: most records are in sync most of the
 * time, and a copy per record would double the database.
 */
public final class Schema {
  private Schema() {}

  private static final String CORE =
      "id TEXT NOT NULL, hlc TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, data TEXT, "
          + "base_hlc TEXT, base_deleted INTEGER, base_data TEXT, conversation_id TEXT, "
          + "ts INTEGER NOT NULL DEFAULT 0";

  /** Migration 1: the built-in schema. */
  public static final String V1_UP =
      "CREATE TABLE sync_state (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);\n"
          + "CREATE TABLE sync_queue (id INTEGER PRIMARY KEY, type TEXT NOT NULL, "
          + "entity_id TEXT NOT NULL, action TEXT NOT NULL, data TEXT, hlc TEXT NOT NULL, "
          + "status TEXT NOT NULL DEFAULT 'pending', retry_count INTEGER NOT NULL DEFAULT 0, "
          + "error_message TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, "
          + "next_attempt_at INTEGER NOT NULL DEFAULT 0);\n"
          // At most one unsynced entry per record: the coalescing upsert targets this index.
          + "CREATE UNIQUE INDEX sync_queue_unsynced ON sync_queue(type, entity_id) "
          + "WHERE status <> 'synced';\n"
          // Drained oldest first among due entries: with (status, next_attempt_at) SQLite read
          // and sorted every pending row for each batch, O(N^2) to drain N entries.
          + "CREATE INDEX sync_queue_pending_order ON sync_queue(status, id);\n"
          + "CREATE TABLE conflicts (id INTEGER PRIMARY KEY, type TEXT NOT NULL, "
          + "entity_id TEXT NOT NULL, path TEXT NOT NULL, local_value TEXT, remote_value TEXT, "
          + "resolution TEXT NOT NULL, local_hlc TEXT, remote_hlc TEXT, "
          + "decided_at INTEGER NOT NULL);\n"
          + "CREATE INDEX conflicts_decided ON conflicts(decided_at);\n"
          + "CREATE TABLE conversations (" + CORE + ", title TEXT, "
          + "updated_at INTEGER NOT NULL DEFAULT 0, last_activity INTEGER NOT NULL DEFAULT 0, "
          + "PRIMARY KEY (id));\n"
          + "CREATE INDEX conversations_activity ON conversations(deleted, last_activity DESC, id);\n"
          + "CREATE TABLE messages (" + CORE + ", role TEXT, PRIMARY KEY (id));\n"
          + "CREATE INDEX messages_conversation ON messages(conversation_id, deleted, ts, id);\n"
          + "CREATE TABLE ui_messages (" + CORE + ", PRIMARY KEY (id));\n"
          + "CREATE INDEX ui_messages_conversation ON ui_messages(conversation_id, deleted, ts, id);\n"
          + "CREATE TABLE tool_calls (" + CORE + ", message_id TEXT, PRIMARY KEY (id));\n"
          + "CREATE INDEX tool_calls_conversation ON tool_calls(conversation_id, deleted, ts, id);\n"
          + "CREATE TABLE audit_logs (" + CORE + ", kind TEXT, PRIMARY KEY (id));\n"
          + "CREATE INDEX audit_logs_ts ON audit_logs(ts);\n"
          + "CREATE TABLE file_contexts (" + CORE + ", PRIMARY KEY (id));\n"
          + "CREATE INDEX file_contexts_conversation ON file_contexts(conversation_id, deleted, ts, id);\n"
          + "CREATE TABLE records (type TEXT NOT NULL, " + CORE + ", PRIMARY KEY (type, id));\n"
          + "CREATE INDEX records_conversation ON records(type, conversation_id, deleted, ts, id);\n"
          // Full-text index of message text; rowid = messages.rowid.
          + "CREATE VIRTUAL TABLE messages_fts USING fts5(text, "
          + "tokenize = 'unicode61 remove_diacritics 2');\n";

  /** Undoes migration 1. */
  public static final String V1_DOWN =
      "DROP TABLE IF EXISTS messages_fts;\n"
          + "DROP TABLE IF EXISTS records;\n"
          + "DROP TABLE IF EXISTS file_contexts;\n"
          + "DROP TABLE IF EXISTS audit_logs;\n"
          + "DROP TABLE IF EXISTS tool_calls;\n"
          + "DROP TABLE IF EXISTS ui_messages;\n"
          + "DROP TABLE IF EXISTS messages;\n"
          + "DROP TABLE IF EXISTS conversations;\n"
          + "DROP TABLE IF EXISTS conflicts;\n"
          + "DROP TABLE IF EXISTS sync_queue;\n"
          + "DROP TABLE IF EXISTS sync_state;\n";

  /**
   * Migration 2: the outbox keeps one secondary index instead of two. Delivered entries are
   * deleted, so the table holds only pending and failed ones and is drained in id order (its
   * rowid) without an index; {@code sync_queue_pending_order} cost a page on every write. The
   * failed entries, few, get a partial index of their own, which a pending write never touches.
   */
  public static final String V2_UP =
      "DROP INDEX sync_queue_pending_order;\n"
          + "CREATE INDEX sync_queue_failed ON sync_queue(id) WHERE status = 'failed';\n";

  /** Undoes migration 2. */
  public static final String V2_DOWN =
      "DROP INDEX IF EXISTS sync_queue_failed;\n"
          + "CREATE INDEX IF NOT EXISTS sync_queue_pending_order ON sync_queue(status, id);\n";

  /** Returns the table holding records of {@code type}. */
  public static String tableOf(String type) {
    switch (type) {
      case RecordTypes.CONVERSATION:
        return "conversations";
      case RecordTypes.MESSAGE:
        return "messages";
      case RecordTypes.UI_MESSAGE:
        return "ui_messages";
      case RecordTypes.TOOL_CALL:
        return "tool_calls";
      case RecordTypes.AUDIT_LOG:
        return "audit_logs";
      case RecordTypes.FILE_CONTEXT:
        return "file_contexts";
      default:
        return "records";
    }
  }

  /** Returns every record table, built-in first. */
  public static String[] recordTables() {
    return new String[] {"conversations", "messages", "ui_messages", "tool_calls", "audit_logs",
        "file_contexts", "records"};
  }

  /**
   * Splits SQL into statements at semicolons outside quotes and comments.
   */
  public static java.util.List<String> split(String sql) {
    java.util.List<String> out = new java.util.ArrayList<>();
    StringBuilder cur = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (quote != 0) {
        cur.append(c);
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
        cur.append(c);
      } else if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
        int nl = sql.indexOf('\n', i);
        i = nl < 0 ? sql.length() : nl;
        cur.append('\n');
      } else if (c == ';') {
        add(out, cur);
      } else {
        cur.append(c);
      }
    }
    add(out, cur);
    return out;
  }

  private static void add(java.util.List<String> out, StringBuilder cur) {
    String s = cur.toString().trim();
    if (!s.isEmpty()) {
      out.add(s);
    }
    cur.setLength(0);
  }
}
