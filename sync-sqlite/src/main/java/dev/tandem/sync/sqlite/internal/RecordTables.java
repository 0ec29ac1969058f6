package dev.tandem.sync.sqlite.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.internal.Utf8;
import dev.tandem.sync.spi.LocalRecord;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The record tables: which table holds a type, reading a record with its base, and the upserts of
 * local and remote versions with the columns extracted from the data. The message table's search
 * index and the conversations' activity are kept by {@link MessageIndex}.
 */
public final class RecordTables {
  private static final Map<String, String[]> UPSERTS = new HashMap<>();

  static {
    for (String t : Schema.recordTables()) {
      UPSERTS.put(t, new String[] {upsertSql(t, false), upsertSql(t, true)});
    }
  }

  private final Set<String> types;
  private final long maxRecordBytes;

  public RecordTables(Set<String> customTypes, long maxRecordBytes) {
    Set<String> t = new LinkedHashSet<>(RecordTypes.BUILT_IN);
    t.addAll(customTypes);
    this.types = Collections.unmodifiableSet(t);
    this.maxRecordBytes = maxRecordBytes;
  }

  /** Returns true if {@code type} is built in or registered. */
  public boolean known(String type) {
    return types.contains(type);
  }

  /** Returns the table of {@code type}, checking that the type is valid and known. */
  public String tableFor(String type) {
    Ids.requireType(type);
    if (!types.contains(type)) {
      throw new IllegalArgumentException("unknown type \"" + type
          + "\": not a built-in type and not registered with Tandem.builder().registerType(\""
          + type + "\")");
    }
    return Schema.tableOf(type);
  }

  static boolean generic(String table) {
    return "records".equals(table);
  }

  /** {@code [type = ? AND] id = ?}, with the args to match. */
  public static String key(String table) {
    return generic(table) ? "type = ? AND id = ?" : "id = ?";
  }

  public static Object[] keyArgs(String table, String type, String id, Object... more) {
    int k = generic(table) ? 2 : 1;
    Object[] a = new Object[k + more.length];
    if (generic(table)) {
      a[0] = type;
    }
    a[k - 1] = id;
    System.arraycopy(more, 0, a, k, more.length);
    return a;
  }

  static String typeFilter(String table) {
    return generic(table) ? "type = ? AND " : "";
  }

  static Object[] typeArgs(String table, String type, Object... more) {
    if (!generic(table)) {
      return more;
    }
    Object[] a = new Object[more.length + 1];
    a[0] = type;
    System.arraycopy(more, 0, a, 1, more.length);
    return a;
  }

  static Record live(String type, dev.tandem.sync.sqlite.SqlCursor rs) throws SQLException {
    return Record.of(type, rs.getString(1), Hlc.parse(rs.getString(2)), rs.getString(3));
  }

  static Record version(String type, String id, String hlc, boolean deleted,
      @Nullable String data) {
    Hlc h = Hlc.parse(hlc);
    return deleted || data == null ? Record.tombstone(type, id, h) : Record.of(type, id, h, data);
  }

  /** Reads a record with its base, or null. */
  public LocalRecord get(Conn c, String table, String type, String id) throws SQLException {
    return c.queryFirst("SELECT hlc, deleted, data, base_hlc, base_deleted, base_data FROM "
        + table + " WHERE " + key(table), rs -> {
          String hlc = rs.getString(1);
          Record current = version(type, id, hlc, rs.getLong(2) != 0, rs.getString(3));
          String baseHlc = rs.getString(4);
          Record base = null;
          if (baseHlc != null) {
            base = baseHlc.equals(hlc) ? current
                : version(type, id, baseHlc, rs.getLong(5) != 0, rs.getString(6));
          }
          return new LocalRecord(current, base);
        }, keyArgs(table, type, id));
  }

  /** Live records of {@code type} with ids after {@code afterId}, by id. */
  public List<Record> list(Conn c, String type, @Nullable String afterId, int limit)
      throws SQLException {
    String table = tableFor(type);
    return c.query("SELECT id, hlc, data FROM " + table + " WHERE " + typeFilter(table)
            + "deleted = 0 AND id > ? ORDER BY id LIMIT ?",
        rs -> live(type, rs), typeArgs(table, type, afterId == null ? "" : afterId, limit));
  }

  /** Returns the current clock of a record, or null if it has no row. */
  public @Nullable String hlcOf(Conn c, String type, String id) throws SQLException {
    String table = Schema.tableOf(type);
    return c.queryFirst("SELECT hlc FROM " + table + " WHERE " + key(table),
        rs -> rs.getString(1), keyArgs(table, type, id));
  }

  /** Returns the current data of a record, or null. */
  public @Nullable String dataOf(Conn c, String type, String id) throws SQLException {
    String table = Schema.tableOf(type);
    return c.queryFirst("SELECT data FROM " + table + " WHERE " + key(table),
        rs -> rs.getString(1), keyArgs(table, type, id));
  }

  /** Sets the base of a record to {@code base}. */
  public void setBase(Conn c, Record base) throws SQLException {
    String table = tableFor(base.type());
    String hlc = base.hlc().toString();
    Object[] head = {hlc, base.deleted() ? 1 : 0, hlc, base.json()};
    Object[] key = keyArgs(table, base.type(), base.id());
    Object[] args = Arrays.copyOf(head, head.length + key.length);
    System.arraycopy(key, 0, args, head.length, key.length);
    c.update("UPDATE " + table + " SET base_hlc = ?, base_deleted = ?,"
        + " base_data = CASE WHEN hlc = ? THEN NULL ELSE ? END WHERE " + key(table), args);
  }

  /** Makes the current version the base, if it is still version {@code hlc}. */
  public void markBaseSynced(Conn c, String type, String id, String hlc) throws SQLException {
    if (!types.contains(type)) {
      return;
    }
    String table = Schema.tableOf(type);
    c.update("UPDATE " + table + " SET base_hlc = hlc, base_deleted = deleted, base_data = NULL"
        + " WHERE " + key(table) + " AND hlc = ?", keyArgs(table, type, id, hlc));
  }

  /** The upsert statement of one table: local (base untouched) or remote (base = current). */
  private static String upsertSql(String table, boolean remote) {
    List<String> extra = extraColumns(table);
    StringBuilder cols = new StringBuilder();
    StringBuilder vals = new StringBuilder();
    if (generic(table)) {
      cols.append("type, ");
      vals.append("?, ");
    }
    cols.append("id, hlc, deleted, data, conversation_id, ts");
    vals.append("?, ?, ?, ?, ?, ?");
    for (String e : extra) {
      cols.append(", ").append(e);
      vals.append(", ?");
    }
    if (remote) {
      cols.append(", base_hlc, base_deleted");
      vals.append(", ?, ?");
    }
    StringBuilder set = new StringBuilder();
    if (remote) {
      set.append("base_hlc = excluded.hlc, base_deleted = excluded.deleted, base_data = NULL, ");
    } else {
      // Keep the base: if it was the version being replaced, materialize it before replacing.
      set.append("base_data = CASE WHEN base_hlc = hlc THEN data ELSE base_data END, ")
          .append("base_deleted = CASE WHEN base_hlc = hlc THEN deleted ELSE base_deleted END, ");
    }
    set.append("hlc = excluded.hlc, deleted = excluded.deleted, data = excluded.data");
    List<String> keep = new ArrayList<>(extra);
    keep.add(0, "ts");
    keep.add(0, "conversation_id");
    for (String e : keep) {
      // A tombstone has no data: keep the extracted columns so the record stays findable.
      set.append(", ").append(e).append(" = CASE WHEN excluded.deleted = 1 THEN ").append(e)
          .append(" ELSE excluded.").append(e).append(" END");
    }
    return "INSERT INTO " + table + " (" + cols + ") VALUES (" + vals + ") ON CONFLICT ("
        + (generic(table) ? "type, id" : "id") + ") DO UPDATE SET " + set;
  }

  private static List<String> extraColumns(String table) {
    switch (table) {
      case "conversations":
        return Arrays.asList("title", "updated_at", "last_activity");
      case "messages":
        return Collections.singletonList("role");
      case "tool_calls":
        return Collections.singletonList("message_id");
      case "audit_logs":
        return Collections.singletonList("kind");
      default:
        return Collections.emptyList();
    }
  }

  static @Nullable String text(@Nullable JsonNode data, String field) {
    JsonNode n = data == null ? null : data.get(field);
    return n != null && n.isValueNode() && !n.isNull() ? n.asText() : null;
  }

  static long number(@Nullable JsonNode data, String field) {
    JsonNode n = data == null ? null : data.get(field);
    return n != null && n.isNumber() ? n.asLong() : 0;
  }

  /**
   * Checks the size of a record's data and parses it, unless the caller did ({@code parsed});
   * null for a tombstone.
   *
   * @throws StoreException {@code RECORD_TOO_LARGE} over the store's limit
   * @throws IllegalArgumentException if the data is not a JSON object
   */
  public @Nullable ObjectNode checkAndParse(Record r, @Nullable ObjectNode parsed) {
    if (r.deleted()) {
      return null;
    }
    long size = Utf8.length(r.json());
    if (size > maxRecordBytes) {
      throw new StoreException(Reason.RECORD_TOO_LARGE, r.type() + "/" + r.id() + " is " + size
          + " bytes, over the limit of " + maxRecordBytes + " bytes");
    }
    if (parsed != null) {
      return parsed;
    }
    try {
      JsonNode n = Json.MAPPER.readTree(r.json());
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException(r.type() + "/" + r.id()
            + ": data must be a JSON object");
      }
      return (ObjectNode) n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(r.type() + "/" + r.id() + ": invalid JSON: "
          + e.getOriginalMessage(), e);
    }
  }

  /** The {@code ts} column of a record: its {@code ts}, else the type's creation time field. */
  static long tsOf(String type, @Nullable JsonNode data) {
    long ts = number(data, "ts");
    if (ts == 0 && RecordTypes.TOOL_CALL.equals(type)) {
      ts = number(data, "startedAt");
    } else if (ts == 0 && RecordTypes.CONVERSATION.equals(type)) {
      ts = number(data, "createdAt");
    }
    return ts;
  }

  /**
   * Upserts one version into its table: local ({@code remote} false, the base kept) or remote
   * (it becomes the base). {@code newestMessage} is the conversation's newest live message ts,
   * for a conversation's activity column (ignored for other types).
   */
  void upsert(Conn c, Record r, @Nullable ObjectNode data, String table,
      @Nullable String conversationId, long ts, boolean remote, long newestMessage)
      throws SQLException {
    List<Object> args = new ArrayList<>(12);
    if (generic(table)) {
      args.add(r.type());
    }
    args.add(r.id());
    args.add(r.hlc().toString());
    args.add(r.deleted() ? 1 : 0);
    args.add(r.json());
    args.add(conversationId);
    args.add(ts);
    switch (table) {
      case "conversations":
        long updatedAt = number(data, "updatedAt");
        args.add(text(data, "title"));
        args.add(updatedAt);
        args.add(Math.max(updatedAt, newestMessage));
        break;
      case "messages":
        args.add(text(data, "role"));
        break;
      case "tool_calls":
        args.add(text(data, "messageId"));
        break;
      case "audit_logs":
        args.add(text(data, "kind"));
        break;
      default:
        break;
    }
    if (remote) {
      args.add(r.hlc().toString());
      args.add(r.deleted() ? 1 : 0);
    }
    c.update(UPSERTS.get(table)[remote ? 1 : 0], args.toArray());
  }
}
