package dev.tandem.sync.sqlite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.ClosedException;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.Op;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.StoreConfig;
import dev.tandem.sync.spi.StoreTransaction;
import dev.tandem.sync.sqlite.internal.Conn;
import dev.tandem.sync.sqlite.internal.Schema;
import dev.tandem.sync.sqlite.internal.SearchText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Tandem's local store on one SQLite file: records of the built-in types in their own tables,
 * host types in a shared table, the outbox ({@code sync_queue}), sync state, conflicts, a
 * full-text index of message text and the schema's migrations.
 *
 * <pre>{@code
 * try (HybridStorageBackend store = HybridStorageBackend.open(
 *     new StoreConfig(Paths.get("tandem.db"), StoreConfig.DEFAULT_MAX_RECORD_BYTES, false,
 *         Clock.SYSTEM, Collections.emptySet()))) {
 *   store.inTransaction(tx -> {
 *     tx.writeLocal(Record.of("conversation", "c-1", hlc, "{\"title\":\"Hello\"}"));
 *     return null;
 *   });
 * }
 * }</pre>
 *
 * <p>Most hosts never touch this class: {@code Tandem.builder().database(path)} opens one through
 * {@link SqliteStoreProvider}. The typed {@link LocalStore} API is the one to use; the seed
 * surface ({@link #execute}, {@link #query}, {@link #queueForSync}, {@link #getPendingSync},
 * {@link #markSyncedItems}, {@link #markFailed(SyncQueueItem,
 * String)}) is kept for hosts migrating from the seed design.
 *
 * <p>Every write and its outbox entry commit in one transaction. Write transactions are
 * serialized through one writer connection ({@code BEGIN IMMEDIATE}, guarded by a lock); reads
 * run on separate read-only connections from a small pool, so in WAL mode readers never wait for
 * the writer. All methods are thread-safe. {@link #close()} is idempotent; afterwards every
 * method throws {@link ClosedException}.
 */
public final class HybridStorageBackend implements LocalStore {
  private static final int IDLE_READERS = 4;
  private static final int BUSY_TIMEOUT_MS = 5000;
  private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  private static final String UNSYNCED = "status <> 'synced'";
  private static final long[] SEED_BACKOFF = {30_000, 60_000, 120_000, 300_000};
  private static final int SEED_MAX_TRIES = 10;

  private final Path path;
  private final StoreConfig config;
  private final Set<String> types;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Conn writer;
  private final ConcurrentLinkedDeque<Conn> idleReaders = new ConcurrentLinkedDeque<>();
  private final Migrator migrator;
  private final boolean readOnly;
  private Tx active;
  private volatile boolean closed;

  private HybridStorageBackend(StoreConfig config, Path path, Conn writer,
      List<Migration> migrations, boolean readOnly) {
    this.config = config;
    this.path = path;
    this.writer = writer;
    this.readOnly = readOnly;
    Set<String> t = new LinkedHashSet<>(RecordTypes.BUILT_IN);
    t.addAll(config.customTypes());
    this.types = Collections.unmodifiableSet(t);
    this.migrator = new Migrator(this, migrations);
  }

  /**
   * Opens (creating if needed) the store at {@code config.path()}, sets WAL and the configured
   * {@code synchronous} mode, and migrates the schema to the latest version.
   *
   * <p>An existing file that this process cannot write (the file or its directory is read-only)
   * is opened read-only instead: every read works, every write fails with a {@code
   * STORE_FAILURE} that says the database is read-only, and nothing is migrated ({@link
   * #isReadOnly()}).
   *
   * @throws StoreException {@code CORRUPT_DATABASE} if the file is not a SQLite database, {@code
   *     STORE_FAILURE} if the file or its directory cannot be created, if the file cannot be
   *     read, or if a read-only file's schema is not at the latest version, {@code
   *     MIGRATION_FAILED} if an applied migration changed or the database is newer than this code
   */
  public static HybridStorageBackend open(StoreConfig config) {
    return open(config, true);
  }

  /**
   * Opens the store like {@link #open(StoreConfig)}; with {@code migrateToLatest} false the schema
   * is left as it is, for tools that manage migrations themselves ({@code tandem db status},
   * {@code tandem db migrate --to V}, {@code tandem db rollback --to V}) through {@link
   * #migrations()}. Until the schema is at the latest version, the record API may fail with
   * {@code STORE_FAILURE}.
   *
   * @throws StoreException as {@link #open(StoreConfig)}
   */
  public static HybridStorageBackend open(StoreConfig config, boolean migrateToLatest) {
    return open(config, Migrator.BUILT_IN, migrateToLatest);
  }

  static HybridStorageBackend open(StoreConfig config, List<Migration> migrations,
      boolean migrateToLatest) {
    Objects.requireNonNull(config, "config");
    Path path = config.path().toAbsolutePath().normalize();
    boolean readOnly = checkFile(path);
    Conn writer = connect(path, config.synchronousFull(), false, readOnly);
    HybridStorageBackend store =
        new HybridStorageBackend(config, path, writer, migrations, readOnly);
    try {
      if (readOnly) {
        store.checkReadOnlySchema(migrateToLatest);
      } else {
        store.migrator.bootstrap();
        if (migrateToLatest) {
          store.migrator.migrate();
        }
      }
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** A read-only store cannot migrate: it must already be at the version this code needs. */
  private void checkReadOnlySchema(boolean needLatest) {
    boolean hasTable = withWriterLocked("read schema version", c -> c.queryLong(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        0) > 0);
    if (!hasTable) {
      throw new StoreException(Reason.STORE_FAILURE, "the database " + path
          + " is read-only and has no Tandem schema: open it once with write access");
    }
    migrator.validate();
    int current = migrator.currentVersion();
    if (needLatest && current < migrator.latestVersion()) {
      throw new StoreException(Reason.STORE_FAILURE, "the database " + path
          + " is read-only and its schema (version " + current + ") needs migrating to version "
          + migrator.latestVersion() + ": open it once with write access");
    }
  }

  /** Returns true if the file was opened read-only because this process cannot write it. */
  public boolean isReadOnly() {
    return readOnly;
  }

  private StoreException readOnlyFailure() {
    return new StoreException(Reason.STORE_FAILURE, "the database " + path + " is read-only"
        + " (the file or its directory is not writable), so it was opened for reading only");
  }

  /**
   * Checks the path before SQLite sees it; returns true if the file exists and must be opened
   * read-only.
   */
  private static boolean checkFile(Path path) {
    Path dir = path.getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      try {
        Files.createDirectories(dir);
      } catch (IOException | SecurityException e) {
        throw new StoreException(Reason.STORE_FAILURE, "cannot create the directory " + dir
            + " for the database " + path + ": " + e, e);
      }
    }
    if (Files.isDirectory(path)) {
      throw new StoreException(Reason.STORE_FAILURE, "database path " + path + " is a directory");
    }
    boolean readOnly = false;
    if (Files.exists(path)) {
      if (!Files.isReadable(path)) {
        throw new StoreException(Reason.STORE_FAILURE,
            "database file " + path + " is not readable");
      }
      // WAL needs the -wal and -shm files next to the database, so a read-only directory makes
      // the store read-only too.
      readOnly = !Files.isWritable(path) || (dir != null && !Files.isWritable(dir));
      byte[] head = new byte[SQLITE_HEADER.length];
      int n = 0;
      try (InputStream in = Files.newInputStream(path)) {
        while (n < head.length) {
          int r = in.read(head, n, head.length - n);
          if (r < 0) {
            break;
          }
          n += r;
        }
      } catch (IOException e) {
        throw new StoreException(Reason.STORE_FAILURE, "cannot read " + path + ": " + e, e);
      }
      // An empty file is what SQLite itself creates before the first write: accept it.
      if (n > 0 && (n < head.length || !Arrays.equals(head, SQLITE_HEADER))) {
        throw new StoreException(Reason.CORRUPT_DATABASE,
            path + " is not a SQLite database (wrong file header)");
      }
    } else if (dir != null && !Files.isWritable(dir)) {
      throw new StoreException(Reason.STORE_FAILURE,
          "cannot create the database " + path + ": directory " + dir + " is not writable");
    }
    return readOnly;
  }

  /**
   * Opens a connection. {@code readOnly}: a reader of a writable store; {@code fileReadOnly}:
   * any connection of a store this process cannot write.
   */
  private static Conn connect(Path path, boolean synchronousFull, boolean readOnly,
      boolean fileReadOnly) {
    if (fileReadOnly) {
      return connectReadOnlyFile(path);
    }
    SQLiteConfig c = new SQLiteConfig();
    c.setBusyTimeout(BUSY_TIMEOUT_MS);
    if (!readOnly) {
      c.setJournalMode(SQLiteConfig.JournalMode.WAL);
    }
    c.setSynchronous(synchronousFull ? SQLiteConfig.SynchronousMode.FULL
        : SQLiteConfig.SynchronousMode.NORMAL);
    c.setTempStore(SQLiteConfig.TempStore.MEMORY);
    Conn conn = null;
    try {
      conn = new Conn(c.createConnection("jdbc:sqlite:" + path));
      if (readOnly) {
        conn.exec("PRAGMA query_only = 1");
      } else {
        String mode = conn.queryFirst("PRAGMA journal_mode", rs -> rs.getString(1));
        if (!"wal".equalsIgnoreCase(mode)) {
          conn.exec("PRAGMA journal_mode = WAL");
        }
      }
      return conn;
    } catch (SQLException e) {
      if (conn != null) {
        conn.close();
      }
      throw translate(path, "cannot open the database " + path, e);
    }
  }

  /**
   * Opens a file this process cannot write. A WAL database needs its {@code -shm} file, which a
   * read-only directory does not let SQLite create; then the file is opened as immutable, which
   * is right for a copy nobody writes (and the only way to read it at all).
   */
  private static Conn connectReadOnlyFile(Path path) {
    SQLiteConfig c = new SQLiteConfig();
    c.setBusyTimeout(BUSY_TIMEOUT_MS);
    c.setReadOnly(true);
    c.setTempStore(SQLiteConfig.TempStore.MEMORY);
    SQLException first;
    try {
      return openQueryOnly(c, "jdbc:sqlite:" + path);
    } catch (SQLException e) {
      first = e;
    }
    try {
      return openQueryOnly(c, "jdbc:sqlite:" + path.toUri().toString() + "?immutable=1");
    } catch (SQLException e) {
      e.addSuppressed(first);
      throw translate(path, "cannot open the read-only database " + path, e);
    }
  }

  /** Opens {@code url} and reads it once, so that a database that cannot be read fails here. */
  private static Conn openQueryOnly(SQLiteConfig c, String url) throws SQLException {
    Conn conn = new Conn(c.createConnection(url));
    try {
      // Opening is lazy: the first read is what fails when the -shm file cannot be made.
      conn.queryLong("SELECT count(*) FROM sqlite_master", 0);
      conn.exec("PRAGMA query_only = 1");
      return conn;
    } catch (SQLException e) {
      conn.close();
      throw e;
    }
  }

  static StoreException translate(Path path, String what, SQLException e) {
    if (e instanceof SQLiteException) {
      SQLiteErrorCode code = ((SQLiteException) e).getResultCode();
      if (code == SQLiteErrorCode.SQLITE_NOTADB || code == SQLiteErrorCode.SQLITE_CORRUPT
          || code.code == SQLiteErrorCode.SQLITE_CORRUPT.code
          || code.code == SQLiteErrorCode.SQLITE_NOTADB.code) {
        return new StoreException(Reason.CORRUPT_DATABASE,
            path + " is not a SQLite database or is damaged: " + e.getMessage(), e);
      }
    }
    return new StoreException(Reason.STORE_FAILURE, what + ": " + e.getMessage(), e);
  }

  /** Returns the database file. */
  public Path path() {
    return path;
  }

  /** Returns the schema's migrations: status, validate, migrate, rollback. */
  public Migrator migrations() {
    ensureOpen();
    return migrator;
  }

  // ------------------------------------------------------------------------------------------
  // Plumbing: the writer, the reader pool, error translation.

  interface SqlWork<R> {
    R run(Conn c) throws SQLException;
  }

  /** Runs {@code work} on the writer under the lock, as one transaction (or inside the open one). */
  <R> R write(String what, SqlWork<R> work) {
    return inTransaction(tx -> {
      // Arbitrary SQL may change any row: forget what the transaction cached about the tables.
      ((Tx) tx).forget();
      try {
        return work.run(writer);
      } catch (SQLException e) {
        throw failure(what, e);
      }
    });
  }

  /** Runs {@code work} on the writer under the lock, outside any transaction. */
  <R> R withWriterLocked(String what, SqlWork<R> work) {
    ensureOpen();
    writeLock.lock();
    try {
      ensureOpen();
      if (active != null) {
        throw new IllegalStateException(what + " cannot run inside a transaction");
      }
      return work.run(writer);
    } catch (SQLException e) {
      throw failure(what, e);
    } finally {
      writeLock.unlock();
    }
  }

  /** Drops cached statements of every connection, after the schema changed. */
  void schemaChanged() {
    writer.clearCache();
    Conn c;
    while ((c = idleReaders.poll()) != null) {
      c.close();
    }
  }

  private <R> R read(String what, SqlWork<R> work) {
    ensureOpen();
    Conn c = idleReaders.poll();
    if (c == null) {
      c = connect(path, config.synchronousFull(), true, readOnly);
    }
    boolean ok = false;
    try {
      R r = work.run(c);
      ok = true;
      return r;
    } catch (SQLException e) {
      throw failure(what, e);
    } finally {
      if (ok && !closed && idleReaders.size() < IDLE_READERS) {
        idleReaders.push(c);
        if (closed && idleReaders.remove(c)) {
          c.close();
        }
      } else {
        c.close();
      }
    }
  }

  private RuntimeException failure(String what, SQLException e) {
    if (closed) {
      return new ClosedException("HybridStorageBackend");
    }
    if (readOnly && e instanceof SQLiteException
        && ((SQLiteException) e).getResultCode().code == SQLiteErrorCode.SQLITE_READONLY.code) {
      StoreException ro = readOnlyFailure();
      ro.addSuppressed(e);
      return ro;
    }
    return translate(path, what + " failed on " + path, e);
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("HybridStorageBackend");
    }
  }

  private String tableFor(String type) {
    Ids.requireType(type);
    if (!types.contains(type)) {
      throw new IllegalArgumentException("unknown type \"" + type
          + "\": not a built-in type and not registered with Tandem.builder().registerType(\""
          + type + "\")");
    }
    return Schema.tableOf(type);
  }

  private static boolean generic(String table) {
    return "records".equals(table);
  }

  /** {@code [type = ? AND] id = ?}, with the args to match. */
  private static String key(String table) {
    return generic(table) ? "type = ? AND id = ?" : "id = ?";
  }

  private static Object[] keyArgs(String table, String type, String id, Object... more) {
    int k = generic(table) ? 2 : 1;
    Object[] a = new Object[k + more.length];
    if (generic(table)) {
      a[0] = type;
    }
    a[k - 1] = id;
    System.arraycopy(more, 0, a, k, more.length);
    return a;
  }

  private static Object[] concat(Object[] a, Object[] b) {
    Object[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String typeFilter(String table) {
    return generic(table) ? "type = ? AND " : "";
  }

  private static Object[] typeArgs(String table, String type, Object... more) {
    if (!generic(table)) {
      return more;
    }
    Object[] a = new Object[more.length + 1];
    a[0] = type;
    System.arraycopy(more, 0, a, 1, more.length);
    return a;
  }

  private static int requireLimit(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    return limit;
  }

  // ------------------------------------------------------------------------------------------
  // LocalStore

  @Override
  public <R> R inTransaction(Function<StoreTransaction, R> work) {
    Objects.requireNonNull(work, "work");
    ensureOpen();
    writeLock.lock();
    try {
      ensureOpen();
      if (active != null) {
        // Nested call on the thread that holds the writer: join the open transaction.
        return work.apply(active);
      }
      Tx tx = new Tx();
      begin();
      active = tx;
      boolean committed = false;
      try {
        R result = work.apply(tx);
        writer.run("COMMIT");
        committed = true;
        return result;
      } catch (SQLException e) {
        throw failure("commit", e);
      } finally {
        active = null;
        tx.open = false;
        if (!committed) {
          rollbackQuietly();
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Starts the writer's transaction. A transaction still open here is one an earlier failure
   * left behind (SQLite keeps some open after SQLITE_FULL or an I/O error, and a failed
   * ROLLBACK leaves it so): it is rolled back and the BEGIN tried once more, so that one failed
   * task does not fail every later one with "cannot start a transaction within a transaction".
   */
  private void begin() {
    if (readOnly) {
      throw readOnlyFailure();
    }
    try {
      writer.run("BEGIN IMMEDIATE");
    } catch (SQLException first) {
      if (first.getMessage() == null || !first.getMessage().contains("within a transaction")) {
        throw failure("begin transaction", first);
      }
      rollbackQuietly();
      try {
        writer.run("BEGIN IMMEDIATE");
      } catch (SQLException e) {
        throw failure("begin transaction", e);
      }
    }
  }

  /** Rolls the writer back, uncached: a cached statement may be what just failed. */
  private void rollbackQuietly() {
    try {
      writer.exec("ROLLBACK");
    } catch (SQLException ignored) {
      // SQLite may already have rolled back (it does after some SQLITE_FULL and I/O errors).
    }
  }

  @Override
  public @Nullable LocalRecord get(String type, String id) {
    String table = tableFor(type);
    Ids.requireId(id);
    return read("get " + type + "/" + id, c -> getRecord(c, table, type, id));
  }

  @Override
  public List<Record> list(String type, @Nullable String afterId, int limit) {
    String table = tableFor(type);
    requireLimit(limit);
    return read("list " + type, c -> c.query(
        "SELECT id, hlc, data FROM " + table + " WHERE " + typeFilter(table)
            + "deleted = 0 AND id > ? ORDER BY id LIMIT ?",
        rs -> live(type, rs), typeArgs(table, type, afterId == null ? "" : afterId, limit)));
  }

  @Override
  public List<Record> listByConversation(String type, String conversationId) {
    String table = tableFor(type);
    Ids.requireId(conversationId);
    return read("list " + type + " of " + conversationId, c -> c.query(
        "SELECT id, hlc, data FROM " + table + " WHERE " + typeFilter(table)
            + "conversation_id = ? AND deleted = 0 ORDER BY ts, id",
        rs -> live(type, rs), typeArgs(table, type, conversationId)));
  }

  @Override
  public List<Record> latestMessages(String conversationId, long beforeTs, int limit) {
    Ids.requireId(conversationId);
    requireLimit(limit);
    return read("latest messages of " + conversationId, c -> c.query(
        "SELECT id, hlc, data FROM messages WHERE conversation_id = ? AND deleted = 0 AND ts < ?"
            + " ORDER BY ts DESC, id DESC LIMIT ?",
        rs -> live(RecordTypes.MESSAGE, rs), conversationId, beforeTs, limit));
  }

  @Override
  public List<Record> conversationsByActivity(int limit, int offset) {
    requireLimit(limit);
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative: " + offset);
    }
    return read("list conversations", c -> c.query(
        "SELECT id, hlc, data FROM conversations WHERE deleted = 0"
            + " ORDER BY last_activity DESC, id LIMIT ? OFFSET ?",
        rs -> live(RecordTypes.CONVERSATION, rs), limit, offset));
  }

  @Override
  public int countByConversation(String type, String conversationId) {
    String table = tableFor(type);
    Ids.requireId(conversationId);
    return read("count " + type, c -> (int) c.queryLong(
        "SELECT count(*) FROM " + table + " WHERE " + typeFilter(table)
            + "conversation_id = ? AND deleted = 0", 0, typeArgs(table, type, conversationId)));
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
    return read("search", c -> c.query(
        "SELECT m.conversation_id, m.id, c.title, m.ts, f.snip, f.rank FROM"
            + " (SELECT rowid AS rid, rank, snippet(messages_fts, 0, '[', ']', '…', 16) AS snip"
            + " FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank LIMIT ?) f"
            + " JOIN messages m ON m.rowid = f.rid"
            + " LEFT JOIN conversations c ON c.id = m.conversation_id AND c.deleted = 0"
            + " WHERE m.deleted = 0 ORDER BY f.rank, m.id",
        rs -> new SearchHit(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
            rs.getString(5), rs.getDouble(6)), fts, limit));
  }

  @Override
  public List<OutboxEntry> duePending(long nowMillis, int limit) {
    requireLimit(limit);
    return read("read the outbox", c -> c.query(
        "SELECT id, type, entity_id, action, hlc, status, retry_count, error_message, created_at,"
            + " updated_at, next_attempt_at FROM sync_queue"
            + " WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        HybridStorageBackend::outboxEntry, nowMillis, limit));
  }

  /**
   * Returns SQLite's {@code PRAGMA data_version} of the writer connection: every write of this
   * store goes through that connection, so the value moves only when another connection (another
   * process) committed to the file.
   */
  @Override
  public long dataVersion() {
    ensureOpen();
    writeLock.lock();
    try {
      ensureOpen();
      return writer.queryLong("PRAGMA data_version", 0);
    } catch (SQLException e) {
      throw failure("read the data version", e);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public List<OutboxEntry> failedEntries(int limit) {
    requireLimit(limit);
    return read("read the outbox", c -> c.query(
        "SELECT id, type, entity_id, action, hlc, status, retry_count, error_message, created_at,"
            + " updated_at, next_attempt_at FROM sync_queue"
            + " WHERE status = 'failed' ORDER BY id LIMIT ?",
        HybridStorageBackend::outboxEntry, limit));
  }

  @Override
  public void markSynced(List<OutboxEntry> entries) {
    Objects.requireNonNull(entries, "entries");
    if (entries.isEmpty()) {
      ensureOpen();
      return;
    }
    write("mark synced", c -> {
      for (OutboxEntry e : entries) {
        markOneSynced(c, e.id(), e.type(), e.entityId(), e.hlc().toString());
      }
      return null;
    });
  }

  private void markOneSynced(Conn c, long id, String type, String entityId, String hlc)
      throws SQLException {
    if (c.update("DELETE FROM sync_queue WHERE id = ? AND hlc = ?", id, hlc) == 1
        && types.contains(type)) {
      String table = Schema.tableOf(type);
      c.update("UPDATE " + table + " SET base_hlc = hlc, base_deleted = deleted, base_data = NULL"
          + " WHERE " + key(table) + " AND hlc = ?", keyArgs(table, type, entityId, hlc));
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>If the entry was coalesced with a newer change since it was read (its clock moved on),
   * only the error is recorded: the newer version deserves its own attempt.
   */
  @Override
  public void markFailed(OutboxEntry entry, String error, long nextAttemptAt, boolean terminal) {
    Objects.requireNonNull(entry, "entry");
    long now = config.clock().millis();
    write("mark failed", c -> {
      int n = c.update("UPDATE sync_queue SET retry_count = retry_count + 1, error_message = ?,"
              + " updated_at = ?, next_attempt_at = ?, status = ? WHERE id = ? AND hlc = ?",
          error, now, nextAttemptAt, terminal ? "failed" : "pending", entry.id(),
          entry.hlc().toString());
      if (n == 0) {
        c.update("UPDATE sync_queue SET error_message = ?, updated_at = ? WHERE id = ?",
            error, now, entry.id());
      }
      return null;
    });
  }

  @Override
  public int retryFailed(long nowMillis) {
    return write("retry failed", c -> c.update(
        "UPDATE sync_queue SET status = 'pending', retry_count = 0, next_attempt_at = ?,"
            + " updated_at = ? WHERE status = 'failed'", nowMillis, nowMillis));
  }

  @Override
  public int countOutbox(OutboxEntry.Status status) {
    Objects.requireNonNull(status, "status");
    return read("count the outbox", c -> (int) c.queryLong(
        "SELECT count(*) FROM sync_queue WHERE status = ?", 0, status.wireName()));
  }

  @Override
  public List<Conflict> conflicts(int limit) {
    requireLimit(limit);
    return read("read conflicts", c -> c.query(
        "SELECT type, entity_id, path, local_value, remote_value, resolution, local_hlc,"
            + " remote_hlc, decided_at FROM conflicts ORDER BY decided_at DESC, id DESC LIMIT ?",
        rs -> new Conflict(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5), rs.getString(6), hlcOrNull(rs.getString(7)),
            hlcOrNull(rs.getString(8)), rs.getLong(9)), limit));
  }

  @Override
  public @Nullable String state(String key) {
    Objects.requireNonNull(key, "key");
    return read("read state", c -> c.queryFirst(
        "SELECT value FROM sync_state WHERE key = ?", rs -> rs.getString(1), key));
  }

  /**
   * Closes the database: waits up to 5 s for a write transaction in progress, then closes every
   * connection. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    boolean locked = false;
    try {
      locked = writeLock.tryLock(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      writer.close();
      Conn c;
      while ((c = idleReaders.poll()) != null) {
        c.close();
      }
    } finally {
      if (locked) {
        writeLock.unlock();
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Seed surface

  /**
   * Runs one SQL statement on the writer, in its own transaction (or in the caller's, inside
   * {@link #inTransaction}), and returns the number of rows changed. Prefer the typed API:
   * writes made here bypass the outbox.
   *
   * @throws StoreException {@code STORE_FAILURE} if the statement fails
   */
  public int execute(String sql, @Nullable Object... params) {
    Objects.requireNonNull(sql, "sql");
    return write("execute", c -> c.executeUncached(sql, params));
  }

  /**
   * Runs a query on a read connection and returns its rows as maps from column label to value
   * ({@code Long}, {@code Double}, {@code String}, {@code byte[]} or null). Prefer the typed API.
   *
   * @throws StoreException {@code STORE_FAILURE} if the query fails
   */
  public List<Map<String, Object>> query(String sql, @Nullable Object... params) {
    Objects.requireNonNull(sql, "sql");
    return read("query", c -> c.queryMaps(sql, params));
  }

  /**
   * Queues an existing record for sync, coalescing with its unsynced entry. The entry describes
   * the record's current version. Prefer {@link StoreTransaction#writeLocal}, which writes and
   * queues in one step.
   *
   * @param action {@code upsert} (or the seed's {@code create}/{@code update}) or {@code delete}
   * @throws IllegalArgumentException if the type is unknown, the id invalid, the action unknown,
   *     or the record does not exist (nothing is queued that was not written)
   */
  public void queueForSync(String type, String entityId, String action) {
    String table = tableFor(type);
    Ids.requireId(entityId);
    Objects.requireNonNull(action, "action");
    String a;
    switch (action) {
      case "create":
      case "update":
      case "upsert":
        a = Op.UPSERT.wireName();
        break;
      case "delete":
        a = Op.DELETE.wireName();
        break;
      default:
        throw new IllegalArgumentException("unknown action \"" + action
            + "\": expected upsert, create, update or delete");
    }
    write("queue for sync", c -> {
      String hlc = c.queryFirst("SELECT hlc FROM " + table + " WHERE " + key(table),
          rs -> rs.getString(1), keyArgs(table, type, entityId));
      if (hlc == null) {
        throw new IllegalArgumentException("cannot queue " + type + "/" + entityId
            + ": no such record in the store");
      }
      enqueue(c, type, entityId, a, hlc);
      return null;
    });
  }

  /**
   * Returns up to {@code limit} pending entries that are due now, oldest first, with each
   * record's current data. Prefer {@link #duePending}.
   */
  public List<SyncQueueItem> getPendingSync(int limit) {
    requireLimit(limit);
    long now = config.clock().millis();
    return read("read the outbox", c -> {
      List<SyncQueueItem> raw = c.query(
          "SELECT id, type, entity_id, action, hlc, status, retry_count, error_message,"
              + " created_at, updated_at, next_attempt_at, data FROM sync_queue"
              + " WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
          rs -> new SyncQueueItem(rs.getLong(1), rs.getString(2), rs.getString(3),
              rs.getString(4), rs.getString(12), rs.getString(6), rs.getInt(7), rs.getString(8),
              rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getString(5)), now, limit);
      List<SyncQueueItem> out = new ArrayList<>(raw.size());
      for (SyncQueueItem i : raw) {
        String data = i.data();
        if (data == null && types.contains(i.type())) {
          String table = Schema.tableOf(i.type());
          data = c.queryFirst("SELECT data FROM " + table + " WHERE " + key(table),
              rs -> rs.getString(1), keyArgs(table, i.type(), i.entityId()));
        }
        out.add(new SyncQueueItem(i.id(), i.type(), i.entityId(), i.action(), data, i.status(),
            i.retryCount(), i.errorMessage(), i.createdAt(), i.updatedAt(), i.nextAttemptAt(),
            i.hlc()));
      }
      return out;
    });
  }

  /**
   * Marks seed-surface items as delivered, with the semantics of {@link #markSynced(List)}: an
   * item coalesced with a newer change since it was read stays pending. (The seed called this
   * {@code markSynced(items)}; that name is taken by {@link #markSynced(List)} of {@link
   * OutboxEntry}s, and Java cannot overload on the list's element type.)
   */
  public void markSyncedItems(List<SyncQueueItem> items) {
    Objects.requireNonNull(items, "items");
    write("mark synced", c -> {
      for (SyncQueueItem i : items) {
        markOneSynced(c, i.id(), i.type(), i.entityId(), i.hlc());
      }
      return null;
    });
  }

  /**
   * Records a failed attempt of a seed-surface item: the retry count goes up, the next attempt
   * waits 30 s, 60 s, 120 s, then 300 s; after 10 tries the item is {@code failed} until {@link
   * #retryFailed(long)}.
   */
  public void markFailed(SyncQueueItem item, String error) {
    Objects.requireNonNull(item, "item");
    long now = config.clock().millis();
    int tries = item.retryCount() + 1;
    boolean terminal = tries >= SEED_MAX_TRIES;
    long delay = SEED_BACKOFF[Math.min(tries, SEED_BACKOFF.length) - 1];
    write("mark failed", c -> c.update(
        "UPDATE sync_queue SET retry_count = retry_count + 1, error_message = ?, updated_at = ?,"
            + " next_attempt_at = ?, status = ? WHERE id = ?",
        error, now, now + delay, terminal ? "failed" : "pending", item.id()));
  }

  // ------------------------------------------------------------------------------------------
  // Row mapping and the write path

  private static Record live(String type, ResultSet rs) throws SQLException {
    return Record.of(type, rs.getString(1), Hlc.parse(rs.getString(2)), rs.getString(3));
  }

  private static Hlc hlcOrNull(String s) {
    return s == null ? null : Hlc.parse(s);
  }

  private static OutboxEntry outboxEntry(ResultSet rs) throws SQLException {
    return new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
        Hlc.parse(rs.getString(5)), OutboxEntry.Status.valueOf(
            rs.getString(6).toUpperCase(java.util.Locale.ROOT)), rs.getInt(7), rs.getString(8),
        rs.getLong(9), rs.getLong(10), rs.getLong(11));
  }

  private static LocalRecord getRecord(Conn c, String table, String type, String id)
      throws SQLException {
    return c.queryFirst("SELECT hlc, deleted, data, base_hlc, base_deleted, base_data FROM "
        + table + " WHERE " + key(table), rs -> {
          String hlc = rs.getString(1);
          Record current = version(type, id, hlc, rs.getInt(2) != 0, rs.getString(3));
          String baseHlc = rs.getString(4);
          Record base = null;
          if (baseHlc != null) {
            base = baseHlc.equals(hlc) ? current
                : version(type, id, baseHlc, rs.getInt(5) != 0, rs.getString(6));
          }
          return new LocalRecord(current, base);
        }, keyArgs(table, type, id));
  }

  private static Record version(String type, String id, String hlc, boolean deleted, String data) {
    Hlc h = Hlc.parse(hlc);
    return deleted || data == null ? Record.tombstone(type, id, h) : Record.of(type, id, h, data);
  }

  private void enqueue(Conn c, String type, String id, String action, String hlc)
      throws SQLException {
    long now = config.clock().millis();
    // A failed entry gets a fresh start (the record changed); a pending one keeps its backoff.
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

  private static final Map<String, String[]> UPSERTS = new java.util.HashMap<>();

  static {
    for (String t : Schema.recordTables()) {
      UPSERTS.put(t, new String[] {upsertSql(t, false), upsertSql(t, true)});
    }
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

  private static String text(JsonNode data, String field) {
    JsonNode n = data == null ? null : data.get(field);
    return n != null && n.isValueNode() && !n.isNull() ? n.asText() : null;
  }

  private static long number(JsonNode data, String field) {
    JsonNode n = data == null ? null : data.get(field);
    return n != null && n.isNumber() ? n.asLong() : 0;
  }

  private ObjectNode parse(Record r) {
    if (r.deleted()) {
      return null;
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

  private void checkSize(Record r) {
    if (r.deleted()) {
      return;
    }
    long size = dev.tandem.sync.internal.Utf8.length(r.json());
    if (size > config.maxRecordBytes()) {
      throw new StoreException(Reason.RECORD_TOO_LARGE, r.type() + "/" + r.id() + " is " + size
          + " bytes, over the limit of " + config.maxRecordBytes() + " bytes");
    }
  }

  /** The previous state of a message row, needed to keep the search index and activity right. */
  private static final class OldMessage {
    final long rowid;
    final String conversationId;
    final long ts;
    final boolean deleted;

    OldMessage(long rowid, String conversationId, long ts, boolean deleted) {
      this.rowid = rowid;
      this.conversationId = conversationId;
      this.ts = ts;
      this.deleted = deleted;
    }
  }

  private void upsert(Conn c, Record r, ObjectNode data, boolean remote, Tx tx)
      throws SQLException {
    String type = r.type();
    String table = Schema.tableOf(type);
    String conversationId = text(data, "conversationId");
    long ts = number(data, "ts");
    if (ts == 0 && RecordTypes.TOOL_CALL.equals(type)) {
      ts = number(data, "startedAt");
    } else if (ts == 0 && RecordTypes.CONVERSATION.equals(type)) {
      ts = number(data, "createdAt");
    }
    OldMessage old = null;
    if (table.equals("messages")) {
      if (tx.knows(r.id())) {
        // The engine read this row a moment ago in the same transaction (tx.get): no second select.
        old = tx.known;
      } else {
        old = c.queryFirst("SELECT rowid, conversation_id, ts, deleted FROM messages WHERE id = ?",
            rs -> new OldMessage(rs.getLong(1), rs.getString(2), rs.getLong(3),
                rs.getInt(4) != 0), r.id());
      }
      tx.forgetKnown();
    }
    List<Object> args = new ArrayList<>(12);
    if (generic(table)) {
      args.add(type);
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
        long newest = r.deleted() ? 0 : c.queryLong(
            "SELECT max(ts) FROM messages WHERE conversation_id = ? AND deleted = 0", 0, r.id());
        args.add(text(data, "title"));
        args.add(updatedAt);
        args.add(Math.max(updatedAt, newest));
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
    if (table.equals("messages")) {
      afterMessageWrite(c, r, data, conversationId, ts, old);
    }
  }

  private static void afterMessageWrite(Conn c, Record r, ObjectNode data, String conversationId,
      long ts, OldMessage old) throws SQLException {
    if (old != null && !old.deleted) {
      c.update("DELETE FROM messages_fts WHERE rowid = ?", old.rowid);
    }
    if (!r.deleted()) {
      String text = SearchText.of(data.get("content"));
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

  /** The operations of one write transaction; valid only inside its callback. */
  private final class Tx implements StoreTransaction {
    boolean open = true;
    /** The message whose previous state {@link #known} holds (null: none); see {@link #get}. */
    private String knownId;
    /** The previous state of message {@link #knownId}, null if it has no row. */
    OldMessage known;
    /**
     * Whether {@code sync_queue} may hold an unsynced entry; null until checked. On a device that
     * only receives, the outbox is empty and {@link #applyRemote} need not delete from it.
     */
    private Boolean unsyncedMayExist;

    boolean knows(String id) {
      return id.equals(knownId);
    }

    void forget() {
      knownId = null;
      known = null;
      unsyncedMayExist = null;
    }

    private boolean unsyncedMayExist() throws SQLException {
      if (unsyncedMayExist == null) {
        unsyncedMayExist = writer.queryLong(
            "SELECT EXISTS (SELECT 1 FROM sync_queue WHERE " + UNSYNCED + ")", 1) != 0;
      }
      return unsyncedMayExist;
    }

    private void check() {
      if (!open) {
        throw new IllegalStateException("transaction is over: use it only inside its callback");
      }
      ensureOpen();
    }

    @Override
    public @Nullable LocalRecord get(String type, String id) {
      check();
      String table = tableFor(type);
      Ids.requireId(id);
      try {
        if (table.equals("messages")) {
          return getMessage(id);
        }
        return getRecord(writer, table, type, id);
      } catch (SQLException e) {
        throw failure("get " + type + "/" + id, e);
      }
    }

    /** Reads a message and remembers its previous state for the upsert that usually follows. */
    private LocalRecord getMessage(String id) throws SQLException {
      forgetKnown();
      LocalRecord[] out = new LocalRecord[1];
      OldMessage old = writer.queryFirst("SELECT hlc, deleted, data, base_hlc, base_deleted,"
          + " base_data, rowid, conversation_id, ts FROM messages WHERE id = ?", rs -> {
            String hlc = rs.getString(1);
            boolean deleted = rs.getInt(2) != 0;
            Record current = version(RecordTypes.MESSAGE, id, hlc, deleted, rs.getString(3));
            String baseHlc = rs.getString(4);
            Record base = null;
            if (baseHlc != null) {
              base = baseHlc.equals(hlc) ? current
                  : version(RecordTypes.MESSAGE, id, baseHlc, rs.getInt(5) != 0, rs.getString(6));
            }
            out[0] = new LocalRecord(current, base);
            return new OldMessage(rs.getLong(7), rs.getString(8), rs.getLong(9), deleted);
          }, id);
      knownId = id;
      known = old;
      return out[0];
    }

    void forgetKnown() {
      knownId = null;
      known = null;
    }

    @Override
    public void writeLocal(Record record) {
      check();
      Objects.requireNonNull(record, "record");
      tableFor(record.type());
      checkSize(record);
      ObjectNode data = parse(record);
      unsyncedMayExist = Boolean.TRUE;
      try {
        upsert(writer, record, data, false, this);
        enqueue(writer, record.type(), record.id(), Op.of(record.deleted()).wireName(),
            record.hlc().toString());
      } catch (SQLException e) {
        throw failure("write " + record.type() + "/" + record.id(), e);
      }
    }

    @Override
    public void applyRemote(Record record) {
      check();
      Objects.requireNonNull(record, "record");
      tableFor(record.type());
      checkSize(record);
      ObjectNode data = parse(record);
      try {
        upsert(writer, record, data, true, this);
        if (unsyncedMayExist()) {
          writer.update("DELETE FROM sync_queue WHERE type = ? AND entity_id = ? AND " + UNSYNCED,
              record.type(), record.id());
        }
      } catch (SQLException e) {
        throw failure("apply " + record.type() + "/" + record.id(), e);
      }
    }

    @Override
    public void setBase(Record base) {
      check();
      Objects.requireNonNull(base, "base");
      String table = tableFor(base.type());
      String hlc = base.hlc().toString();
      try {
        writer.update("UPDATE " + table + " SET base_hlc = ?, base_deleted = ?,"
                + " base_data = CASE WHEN hlc = ? THEN NULL ELSE ? END WHERE " + key(table),
            concat(new Object[] {hlc, base.deleted() ? 1 : 0, hlc, base.json()},
                keyArgs(table, base.type(), base.id())));
      } catch (SQLException e) {
        throw failure("set base of " + base.type() + "/" + base.id(), e);
      }
    }

    @Override
    public boolean hasUnsyncedChanges(String type, String id) {
      check();
      try {
        return writer.queryLong("SELECT count(*) FROM sync_queue WHERE type = ? AND entity_id = ?"
            + " AND " + UNSYNCED, 0, type, id) > 0;
      } catch (SQLException e) {
        throw failure("read the outbox", e);
      }
    }

    @Override
    public void recordConflict(Conflict conflict) {
      check();
      Objects.requireNonNull(conflict, "conflict");
      long decided = conflict.decidedAt() != 0 ? conflict.decidedAt() : config.clock().millis();
      try {
        writer.update("INSERT INTO conflicts (type, entity_id, path, local_value, remote_value,"
                + " resolution, local_hlc, remote_hlc, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            conflict.type(), conflict.id(), conflict.path(), conflict.localValue(),
            conflict.remoteValue(), conflict.resolution(),
            conflict.localHlc() == null ? null : conflict.localHlc().toString(),
            conflict.remoteHlc() == null ? null : conflict.remoteHlc().toString(), decided);
      } catch (SQLException e) {
        throw failure("record a conflict", e);
      }
    }

    @Override
    public @Nullable String state(String key) {
      check();
      Objects.requireNonNull(key, "key");
      try {
        return writer.queryFirst("SELECT value FROM sync_state WHERE key = ?",
            rs -> rs.getString(1), key);
      } catch (SQLException e) {
        throw failure("read state", e);
      }
    }

    @Override
    public void putState(String key, @Nullable String value) {
      check();
      Objects.requireNonNull(key, "key");
      try {
        if (value == null) {
          writer.update("DELETE FROM sync_state WHERE key = ?", key);
        } else {
          writer.update("INSERT INTO sync_state (key, value) VALUES (?, ?)"
              + " ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
        }
      } catch (SQLException e) {
        throw failure("write state", e);
      }
    }
  }
}
