package dev.tandem.sync.sqlite;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.protocol.Op;
import dev.tandem.sync.spi.HistoryQueries;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.StoreConfig;
import dev.tandem.sync.spi.StoreTransaction;
import dev.tandem.sync.sqlite.internal.Conn;
import dev.tandem.sync.sqlite.internal.MessageIndex;
import dev.tandem.sync.sqlite.internal.Outbox;
import dev.tandem.sync.sqlite.internal.Pool;
import dev.tandem.sync.sqlite.internal.RecordTables;
import dev.tandem.sync.sqlite.internal.StoreTx;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

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
 * method throws {@link dev.tandem.sync.ClosedException}.
 */
public final class HybridStorageBackend implements LocalStore {
  private static final long[] SEED_BACKOFF = {30_000, 60_000, 120_000, 300_000};
  private static final int SEED_MAX_TRIES = 10;

  private final StoreConfig config;
  private final Pool pool;
  private final RecordTables tables;
  private final MessageIndex index;
  private final Outbox outbox;
  private final Migrator migrator;
  /** The open transaction; read and written only under the pool's write lock. */
  private @Nullable StoreTx active;

  private HybridStorageBackend(StoreConfig config, Pool pool, List<Migration> migrations) {
    this.config = config;
    this.pool = pool;
    this.tables = new RecordTables(config.customTypes(), config.maxRecordBytes());
    this.index = new MessageIndex(pool, tables, () -> inTransaction(tx -> {
      ((StoreTx) tx).catchUpNow();
      return null;
    }));
    this.outbox = new Outbox(tables);
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
   * Opens the store like {@link #open(StoreConfig)}, with its SQL run by {@code driver} instead
   * of sqlite-jdbc (see {@link SqlDriver}).
   *
   * @throws StoreException as {@link #open(StoreConfig)}
   */
  public static HybridStorageBackend open(StoreConfig config, SqlDriver driver) {
    Objects.requireNonNull(driver, "driver");
    return open(config, driver, Migrator.BUILT_IN, true);
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
    return open(config, SqlDriver.sqliteJdbc(), migrations, migrateToLatest);
  }

  private static HybridStorageBackend open(StoreConfig config, SqlDriver driver,
      List<Migration> migrations, boolean migrateToLatest) {
    Objects.requireNonNull(config, "config");
    Path path = config.path().toAbsolutePath().normalize();
    Pool pool = Pool.open(path, driver, config.synchronousFull());
    HybridStorageBackend store = new HybridStorageBackend(config, pool, migrations);
    try {
      if (pool.readOnly()) {
        store.checkReadOnlySchema(migrateToLatest);
      } else {
        store.migrator.bootstrap();
        if (migrateToLatest) {
          store.migrator.migrate();
        }
        if (store.migrator.currentVersion() > 0) {
          store.inTransaction(tx -> {
            ((StoreTx) tx).openIndex();
            return null;
          });
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
      throw new StoreException(Reason.STORE_FAILURE, "the database " + path()
          + " is read-only and has no Tandem schema: open it once with write access");
    }
    migrator.validate();
    int current = migrator.currentVersion();
    if (needLatest && current < migrator.latestVersion()) {
      throw new StoreException(Reason.STORE_FAILURE, "the database " + path()
          + " is read-only and its schema (version " + current + ") needs migrating to version "
          + migrator.latestVersion() + ": open it once with write access");
    }
  }

  /** Returns true if the file was opened read-only because this process cannot write it. */
  public boolean isReadOnly() {
    return pool.readOnly();
  }

  static StoreException translate(Path path, String what, SQLException e) {
    return Pool.translate(path, what, e);
  }

  /** Returns the database file. */
  public Path path() {
    return pool.path();
  }

  /** Returns the schema's migrations: status, validate, migrate, rollback. */
  public Migrator migrations() {
    pool.ensureOpen();
    return migrator;
  }

  // ------------------------------------------------------------------------------------------
  // Plumbing for the migrator and the seed surface.

  /** Runs {@code work} on the writer under the lock, as one transaction (or inside the open one). */
  <R> R write(String what, Pool.Work<R> work) {
    return inTransaction(tx -> {
      // Arbitrary SQL may change any row: forget what the transaction cached about the tables.
      ((StoreTx) tx).forget();
      try {
        return work.run(pool.writer());
      } catch (SQLException e) {
        throw pool.failure(what, e);
      }
    });
  }

  /** Runs {@code work} on the writer under the lock, outside any transaction. */
  <R> R withWriterLocked(String what, Pool.Work<R> work) {
    return pool.locked(() -> {
      if (active != null) {
        throw new IllegalStateException(what + " cannot run inside a transaction");
      }
      try {
        return work.run(pool.writer());
      } catch (SQLException e) {
        throw pool.failure(what, e);
      }
    });
  }

  /** Drops cached statements of every connection, after the schema changed. */
  void schemaChanged() {
    pool.schemaChanged();
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
    return pool.locked(() -> {
      StoreTx open = active;
      if (open != null) {
        // Nested call on the thread that holds the writer: join the open transaction.
        return work.apply(open);
      }
      StoreTx tx = new StoreTx(pool, tables, index, outbox, config.clock());
      pool.begin();
      active = tx;
      boolean committed = false;
      try {
        R result = work.apply(tx);
        pool.writer().commit();
        committed = true;
        return result;
      } catch (SQLException e) {
        throw pool.failure("commit", e);
      } finally {
        active = null;
        tx.end();
        if (!committed) {
          pool.writer().rollbackQuietly();
        }
      }
    });
  }

  @Override
  public @Nullable LocalRecord get(String type, String id) {
    String table = tables.tableFor(type);
    Ids.requireId(id);
    return pool.read("get " + type + "/" + id, c -> tables.get(c, table, type, id));
  }

  @Override
  public List<Record> list(String type, @Nullable String afterId, int limit) {
    tables.tableFor(type);
    requireLimit(limit);
    return pool.read("list " + type, c -> tables.list(c, type, afterId, limit));
  }

  /** Returns the message index: conversations by activity, messages, full-text search. */
  @Override
  public HistoryQueries history() {
    return index;
  }

  /**
   * Searches message text; see {@link #history()}. Each word of {@code query} must occur (words
   * are quoted, so FTS5 syntax in user input is taken literally; a trailing {@code *} makes a
   * word a prefix). Hits are ranked by bm25, best first; snippets mark matches with {@code [}
   * and {@code ]}.
   *
   * @throws IllegalArgumentException if the query has no searchable word or limit is not positive
   */
  public List<SearchHit> search(String query, int limit) {
    return index.search(query, limit);
  }

  @Override
  public List<OutboxEntry> duePending(long nowMillis, int limit) {
    requireLimit(limit);
    return pool.read("read the outbox", c -> outbox.duePending(c, nowMillis, limit));
  }

  /**
   * Returns SQLite's {@code PRAGMA data_version} of the writer connection: every write of this
   * store goes through that connection, so the value moves only when another connection (another
   * process) committed to the file.
   */
  @Override
  public long dataVersion() {
    return pool.locked(() -> {
      try {
        return pool.writer().queryLong("PRAGMA data_version", 0);
      } catch (SQLException e) {
        throw pool.failure("read the data version", e);
      }
    });
  }

  @Override
  public List<OutboxEntry> failedEntries(int limit) {
    requireLimit(limit);
    return pool.read("read the outbox", c -> outbox.failed(c, limit));
  }

  @Override
  public void markSynced(List<OutboxEntry> entries) {
    Objects.requireNonNull(entries, "entries");
    if (entries.isEmpty()) {
      pool.ensureOpen();
      return;
    }
    write("mark synced", c -> {
      for (OutboxEntry e : entries) {
        outbox.markSynced(c, e.id(), e.type(), e.entityId(), e.hlc().toString());
      }
      return null;
    });
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
      outbox.markFailed(c, entry.id(), entry.hlc().toString(), error, now, nextAttemptAt,
          terminal);
      return null;
    });
  }

  @Override
  public int retryFailed(long nowMillis) {
    return write("retry failed", c -> outbox.retryFailed(c, nowMillis));
  }

  @Override
  public int countOutbox(OutboxEntry.Status status) {
    Objects.requireNonNull(status, "status");
    return pool.read("count the outbox", c -> outbox.count(c, status));
  }

  @Override
  public List<Conflict> conflicts(int limit) {
    requireLimit(limit);
    return pool.read("read conflicts", c -> c.query(
        "SELECT type, entity_id, path, local_value, remote_value, resolution, local_hlc,"
            + " remote_hlc, decided_at FROM conflicts ORDER BY decided_at DESC, id DESC LIMIT ?",
        rs -> new Conflict(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5), rs.getString(6), hlcOrNull(rs.getString(7)),
            hlcOrNull(rs.getString(8)), rs.getLong(9)), limit));
  }

  private static @Nullable Hlc hlcOrNull(@Nullable String s) {
    return s == null ? null : Hlc.parse(s);
  }

  @Override
  public @Nullable String state(String key) {
    Objects.requireNonNull(key, "key");
    return pool.read("read state", c -> c.queryFirst(
        "SELECT value FROM sync_state WHERE key = ?", rs -> rs.getString(1), key));
  }

  /**
   * Closes the database: waits up to 5 s for a write transaction in progress, indexes the
   * messages still waiting for the search index (so that a copy of the file, even read-only, is
   * complete), then closes every connection. Idempotent.
   */
  @Override
  public void close() {
    if (pool.closed()) {
      return;
    }
    boolean locked = false;
    try {
      locked = pool.writeLock().tryLock(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (locked && active == null && !pool.readOnly()) {
        try {
          inTransaction(tx -> {
            ((StoreTx) tx).catchUpNow();
            return null;
          });
        } catch (RuntimeException e) {
          // Opening the file again catches up; closing must not fail for it.
        }
      }
      pool.close();
    } finally {
      if (locked) {
        pool.writeLock().unlock();
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
    return write("execute", c -> {
      int n = c.executeUncached(sql, params);
      index.afterHostSql(c);
      return n;
    });
  }

  /**
   * Runs a query on a read connection and returns its rows as maps from column label to value
   * ({@code Integer} or {@code Long}, {@code Double}, {@code String}, {@code byte[]} or null).
   * Prefer the typed API.
   *
   * @throws StoreException {@code STORE_FAILURE} if the query fails
   */
  public List<Map<String, Object>> query(String sql, @Nullable Object... params) {
    Objects.requireNonNull(sql, "sql");
    return pool.read("query", c -> c.queryMaps(sql, params));
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
    tables.tableFor(type);
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
      String hlc = tables.hlcOf(c, type, entityId);
      if (hlc == null) {
        throw new IllegalArgumentException("cannot queue " + type + "/" + entityId
            + ": no such record in the store");
      }
      outbox.enqueue(c, type, entityId, a, hlc, config.clock().millis());
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
    return pool.read("read the outbox", c -> {
      List<SyncQueueItem> raw = c.query(
          "SELECT id, type, entity_id, action, hlc, status, retry_count, error_message,"
              + " created_at, updated_at, next_attempt_at, data FROM sync_queue"
              + " WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
          rs -> new SyncQueueItem(rs.getLong(1), rs.getString(2), rs.getString(3),
              rs.getString(4), rs.getString(12), rs.getString(6), (int) rs.getLong(7),
              rs.getString(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getString(5)),
          now, limit);
      List<SyncQueueItem> out = new ArrayList<>(raw.size());
      for (SyncQueueItem i : raw) {
        String data = i.data();
        if (data == null && tables.known(i.type())) {
          data = tables.dataOf(c, i.type(), i.entityId());
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
        outbox.markSynced(c, i.id(), i.type(), i.entityId(), i.hlc());
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
    write("mark failed", c -> {
      outbox.markFailedAnyVersion(c, item.id(), error, now, now + delay, terminal);
      return null;
    });
  }
}
