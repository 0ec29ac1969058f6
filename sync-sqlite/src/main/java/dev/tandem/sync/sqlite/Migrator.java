package dev.tandem.sync.sqlite;

import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.sqlite.internal.Conn;
import dev.tandem.sync.sqlite.internal.Schema;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The schema migrations of one {@link HybridStorageBackend}: what is applied, what is pending,
 * and the operations the {@code tandem db} commands run. Obtain it from {@link
 * HybridStorageBackend#migrations()}.
 *
 * <pre>{@code
 * try (HybridStorageBackend store = HybridStorageBackend.open(config, false)) {
 *   for (MigrationStatus s : store.migrations().status()) { ... }
 *   store.migrations().rollback(0);
 * }
 * }</pre>
 *
 * <p>Applied migrations are recorded in {@code schema_migrations(version, description, checksum,
 * executed_at, execution_time_ms, rollback_sql)}; each runs in its own transaction. The down SQL
 * is recorded when a migration is applied, so a rollback undoes what was actually applied. Runs
 * on the store's writer: it waits for write transactions in progress, and must not be called
 * inside one. After a rollback below the latest version the record API fails until the schema
 * is migrated again. Thread-safe.
 */
public final class Migrator {
  static final List<Migration> BUILT_IN = Collections.unmodifiableList(Arrays.asList(
      Migration.of(1, "built-in schema: records, outbox, state, conflicts, search",
          Schema.V1_UP, Schema.V1_DOWN),
      Migration.of(2, "outbox: one index for failed entries instead of one for every entry",
          Schema.V2_UP, Schema.V2_DOWN)));

  private final HybridStorageBackend store;
  private final List<Migration> migrations;

  Migrator(HybridStorageBackend store, List<Migration> migrations) {
    List<Migration> sorted = new ArrayList<>(migrations);
    sorted.sort(Comparator.comparingInt(Migration::version));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).version() == sorted.get(i - 1).version()) {
        throw new IllegalArgumentException("two migrations with version " + sorted.get(i).version());
      }
    }
    this.store = store;
    this.migrations = Collections.unmodifiableList(sorted);
  }

  /** Returns the migrations this code knows, in version order. */
  public List<Migration> known() {
    return migrations;
  }

  /** Returns the latest version this code knows (0 if none). */
  public int latestVersion() {
    return migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
  }

  /** Returns the highest applied version, or 0 for an empty database. */
  public int currentVersion() {
    return store.withWriterLocked("read schema version",
        c -> (int) c.queryLong("SELECT max(version) FROM schema_migrations", 0));
  }

  void bootstrap() {
    store.withWriterLocked("create schema_migrations", c -> {
      c.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
          + " description TEXT NOT NULL, checksum TEXT NOT NULL, executed_at INTEGER NOT NULL,"
          + " execution_time_ms INTEGER NOT NULL, rollback_sql TEXT)");
      return null;
    });
  }

  /**
   * Returns every known migration and every applied one this code does not know, in version
   * order, with its state.
   */
  public List<MigrationStatus> status() {
    return store.withWriterLocked("read migration status", this::status);
  }

  private List<MigrationStatus> status(Conn c) throws SQLException {
    Map<Integer, MigrationStatus> out = new TreeMap<>();
    Map<Integer, Migration> known = new TreeMap<>();
    for (Migration m : migrations) {
      known.put(m.version(), m);
    }
    for (MigrationStatus applied : c.query("SELECT version, description, checksum, executed_at,"
        + " execution_time_ms FROM schema_migrations ORDER BY version", rs -> {
          int v = (int) rs.getLong(1);
          Migration m = known.get(v);
          MigrationStatus.State st = m == null ? MigrationStatus.State.UNKNOWN
              : m.checksum().equals(rs.getString(3)) ? MigrationStatus.State.APPLIED
              : MigrationStatus.State.CHECKSUM_MISMATCH;
          return new MigrationStatus(v, rs.getString(2), rs.getString(3), st, rs.getLong(4),
              rs.getLong(5));
        })) {
      out.put(applied.version(), applied);
    }
    for (Migration m : migrations) {
      if (!out.containsKey(m.version())) {
        out.put(m.version(), new MigrationStatus(m.version(), m.description(), m.checksum(),
            MigrationStatus.State.PENDING, 0, 0));
      }
    }
    return new ArrayList<>(out.values());
  }

  /**
   * Checks that every applied migration is known to this code with the same checksum.
   *
   * @throws StoreException {@code MIGRATION_FAILED} naming the first migration whose checksum
   *     changed, or an applied version this code does not know
   */
  public void validate() {
    store.withWriterLocked("validate migrations", c -> {
      validate(c);
      return null;
    });
  }

  private void validate(Conn c) throws SQLException {
    for (MigrationStatus s : status(c)) {
      if (s.state() == MigrationStatus.State.CHECKSUM_MISMATCH) {
        String expected = null;
        for (Migration m : migrations) {
          if (m.version() == s.version()) {
            expected = m.checksum();
          }
        }
        throw new StoreException(Reason.MIGRATION_FAILED, "migration " + s.version() + " (\""
            + s.description() + "\") was changed after it was applied to " + store.path()
            + ": recorded checksum " + s.checksum() + ", this code has " + expected
            + ". Never edit an applied migration; add a new one");
      }
      if (s.state() == MigrationStatus.State.UNKNOWN) {
        throw new StoreException(Reason.MIGRATION_FAILED, "migration " + s.version() + " (\""
            + s.description() + "\") is applied to " + store.path()
            + " but unknown to this version of Tandem: the database is newer than the code");
      }
    }
  }

  /**
   * Validates, then applies every pending migration. Returns how many were applied.
   *
   * @throws StoreException {@code MIGRATION_FAILED} if validation or a migration fails (that
   *     migration is rolled back; earlier ones stay applied)
   */
  public int migrate() {
    return migrate(latestVersion());
  }

  /**
   * Validates, then applies pending migrations up to and including version {@code to}. Returns
   * how many were applied.
   *
   * @throws IllegalArgumentException if {@code to} is below the current version (use {@link
   *     #rollback(int)}) or above the latest known version
   * @throws StoreException {@code MIGRATION_FAILED} if validation or a migration fails
   */
  public int migrate(int to) {
    if (to > latestVersion() || to < 0) {
      throw new IllegalArgumentException("no migration " + to + ": latest known is "
          + latestVersion());
    }
    return store.withWriterLocked("migrate", c -> {
      validate(c);
      int current = (int) c.queryLong("SELECT max(version) FROM schema_migrations", 0);
      if (to < current) {
        throw new IllegalArgumentException("database is at version " + current
            + ", above " + to + ": use rollback(" + to + ")");
      }
      int applied = 0;
      try {
        for (Migration m : migrations) {
          if (m.version() > current && m.version() <= to) {
            apply(c, m);
            applied++;
          }
        }
      } finally {
        if (applied > 0) {
          store.schemaChanged();
        }
      }
      return applied;
    });
  }

  private void apply(Conn c, Migration m) throws SQLException {
    long start = System.nanoTime();
    c.begin();
    boolean done = false;
    try {
      for (String sql : Schema.split(m.upSql())) {
        c.exec(sql);
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      c.update("INSERT INTO schema_migrations (version, description, checksum, executed_at,"
              + " execution_time_ms, rollback_sql) VALUES (?, ?, ?, ?, ?, ?)", m.version(),
          m.description(), m.checksum(), System.currentTimeMillis(), ms, m.downSql());
      c.commit();
      done = true;
    } catch (SQLException e) {
      throw new StoreException(Reason.MIGRATION_FAILED, "migration " + m.version() + " (\""
          + m.description() + "\") failed on " + store.path() + ": " + e.getMessage(), e);
    } finally {
      if (!done) {
        c.rollbackQuietly();
      }
    }
  }

  /**
   * Undoes applied migrations above version {@code to}, newest first, each in its own
   * transaction, with the down SQL recorded when it was applied. Returns how many were undone.
   *
   * @throws IllegalArgumentException if {@code to} is negative
   * @throws StoreException {@code MIGRATION_FAILED} if a down migration fails (it is rolled back;
   *     the ones undone before it stay undone)
   */
  public int rollback(int to) {
    if (to < 0) {
      throw new IllegalArgumentException("rollback target must not be negative: " + to);
    }
    return store.withWriterLocked("rollback", c -> {
      List<Object[]> applied = c.query("SELECT version, description, rollback_sql"
          + " FROM schema_migrations WHERE version > ? ORDER BY version DESC",
          rs -> new Object[] {(int) rs.getLong(1), rs.getString(2), rs.getString(3)}, to);
      int undone = 0;
      try {
        for (Object[] a : applied) {
          undo(c, (Integer) a[0], (String) a[1], (String) a[2]);
          undone++;
        }
      } finally {
        if (undone > 0) {
          store.schemaChanged();
        }
      }
      return undone;
    });
  }

  private void undo(Conn c, int version, String description, String downSql)
      throws SQLException {
    c.begin();
    boolean done = false;
    try {
      if (downSql == null) {
        throw new StoreException(Reason.MIGRATION_FAILED, "migration " + version + " (\""
            + description + "\") has no rollback SQL");
      }
      for (String sql : Schema.split(downSql)) {
        c.exec(sql);
      }
      c.update("DELETE FROM schema_migrations WHERE version = ?", version);
      c.commit();
      done = true;
    } catch (SQLException e) {
      throw new StoreException(Reason.MIGRATION_FAILED, "rollback of migration " + version
          + " (\"" + description + "\") failed on " + store.path() + ": " + e.getMessage(), e);
    } finally {
      if (!done) {
        c.rollbackQuietly();
      }
    }
  }
}
