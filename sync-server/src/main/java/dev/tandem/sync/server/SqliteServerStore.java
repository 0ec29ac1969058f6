package dev.tandem.sync.server;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.server.internal.SchemaMigrator;
import dev.tandem.sync.sqlite.SqliteJdbc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The default {@link ServerStore}: one SQLite file in WAL mode.
 *
 * <p>SQLite allows one writer at a time, so every write goes through one connection behind a lock;
 * that lock is what makes {@link #inTeamTransaction} exclusive per team (it is in fact exclusive
 * for all teams, which is fine at the scale one SQLite file serves). Reads — pulls and token
 * checks, the bulk of the traffic — use a small pool of read connections and never wait for a
 * writer, thanks to WAL. Every connection keeps its prepared statements.
 *
 * <p>The SQL it shares with PostgreSQL is in {@link JdbcServerStore}; the schema is the versioned
 * migrations {@code db/sqlite/} (docs/server.md, "Schema migrations"), and {@link
 * #schemaVersion()} tells which a file has.
 */
public final class SqliteServerStore extends JdbcServerStore {
  /** The file name inside the data directory. */
  public static final String FILE_NAME = "tandem-server.db";

  private static final int READERS = 4;
  private static final String BATCHES_DDL =
      "CREATE TABLE batches (team TEXT NOT NULL, device TEXT NOT NULL,"
          + " batch_id TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,"
          + " PRIMARY KEY (team, device, batch_id))";
  // A query takes milliseconds; waiting longer than this for a connection only piles up threads.
  private static final long READER_WAIT_MILLIS = 2000;
  private static final int MAX_IN = 512;
  private static final int MAX_ROWS = 64;

  private final Path file;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Connection writer;
  private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
  // Each connection's prepared statements: preparing dominated the per-change cost of a batch.
  // Filled here, before the store is shared; each inner map is used only by the connection's
  // holder (the writer's under writeLock).
  private final Map<Connection, Map<String, PreparedStatement>> statements =
      new IdentityHashMap<>();
  private final List<Connection> all = new ArrayList<>();

  private SqliteServerStore(Path file, dev.tandem.sync.Clock clock) throws SQLException {
    super(clock);
    this.file = file;
    writer = connect(file);
    all.add(writer);
    statements.put(writer, new HashMap<>());
    try {
      try (Statement s = writer.createStatement()) {
        // Before the migration, and closed: the pragma's open result would block its commit.
        s.execute("PRAGMA journal_mode=WAL");
      }
      // A file from before migrations gets its last two hand-made upgrades first, which bring
      // it to the shape of V1; V1's IF NOT EXISTS then leaves its tables as they are. A file
      // whose retention columns were added at open, before V2 existed, has V2 already.
      SchemaMigrator.load("sqlite").migrate(writer, null, c -> {
        addTokenExpiry(c);
        migrateBatchesToDeviceScope(c);
      }, (c, m) -> m.version() == 2 && hasColumn(c, "records", "stored_at"), clock.millis());
    } catch (SQLException | RuntimeException e) {
      writer.close();
      throw e;
    }
    for (int i = 0; i < READERS; i++) {
      Connection c = connect(file);
      all.add(c);
      statements.put(c, new HashMap<>());
      readers.add(c);
    }
  }

  /**
   * Files written before batch ids were scoped to (team, device) have {@code batches} keyed by
   * (team, batch_id) only, which made a second device's batch with a reused id a "replay" of the
   * first. The table is rebuilt with a device column; the old rows keep their answers under the
   * device {@code ""}, which no real device id matches (ids are at least one character). A
   * pre-upgrade batch sent again is therefore applied again, which the per-record clock
   * comparison turns into "already stored": nothing is stored twice.
   */
  private static void migrateBatchesToDeviceScope(Connection c) throws SQLException {
    boolean exists = false;
    boolean hasDevice = false;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA table_info(batches)")) {
      while (rs.next()) {
        exists = true;
        hasDevice |= "device".equals(rs.getString("name"));
      }
    }
    if (!exists || hasDevice) {
      return;
    }
    // Inside the migration's transaction.
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE batches RENAME TO batches_team_scoped");
      s.execute(BATCHES_DDL);
      s.execute("INSERT INTO batches (team, device, batch_id, response, created_at)"
          + " SELECT team, '', batch_id, response, created_at FROM batches_team_scoped");
      s.execute("DROP TABLE batches_team_scoped");
    }
  }

  /**
   * Opens (creating if needed) the store {@value #FILE_NAME} inside {@code dataDir}, creating the
   * directory too.
   *
   * @throws ServerStoreException if the directory or database cannot be opened
   */
  public static SqliteServerStore open(Path dataDir) {
    return open(dataDir, dev.tandem.sync.Clock.SYSTEM);
  }

  /**
   * As {@link #open(Path)}, with the clock that stamps when each version and batch answer was
   * stored, which retention compares against ({@link #applyRetention}).
   *
   * @throws ServerStoreException if the directory or database cannot be opened
   */
  public static SqliteServerStore open(Path dataDir, dev.tandem.sync.Clock clock) {
    java.util.Objects.requireNonNull(clock, "clock");
    try {
      Files.createDirectories(dataDir);
      return new SqliteServerStore(dataDir.resolve(FILE_NAME), clock);
    } catch (IOException | SQLException e) {
      throw new ServerStoreException(
          "cannot open server store in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** Stores made before tokens could expire lack the column; NULL (never) is right for them. */
  private static void addTokenExpiry(Connection c) throws SQLException {
    boolean exists = false;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA table_info(tokens)")) {
      while (rs.next()) {
        exists = true;
        if ("expires_at".equals(rs.getString("name"))) {
          return;
        }
      }
    }
    if (!exists) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE tokens ADD COLUMN expires_at INTEGER");
    }
  }

  private static Connection connect(Path file) throws SQLException {
    // Opened as the devices' store opens its file (sync-sqlite), then the server's own pragmas.
    Connection c = SqliteJdbc.open(file.toAbsolutePath(), false);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout=10000");
      // NORMAL in WAL mode loses at most the last transactions on power loss, never consistency.
      s.execute("PRAGMA synchronous=NORMAL");
      // Reads through a memory map instead of a read() copy per page: a pull page of 500 rows
      // took ~25% less CPU (benchmarks/results/server.md). Address space only; the pages are
      // the OS page cache, shared by all connections.
      s.execute("PRAGMA mmap_size=268435456");
    }
    return c;
  }

  /** Returns the database file. */
  public Path file() {
    return file;
  }

  private static boolean hasColumn(Connection c, String table, String column)
      throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (rs.next()) {
        if (column.equals(rs.getString("name"))) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  Connection acquireReader() throws SQLException {
    Connection c;
    try {
      c = readers.poll(READER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerStoreException("interrupted while waiting for a read connection", e);
    }
    if (c == null) {
      // Load, not a fault: the server turns this into 503 overloaded, and the client backs off.
      throw new ServerOverloadedException(
          "no read connection free after " + READER_WAIT_MILLIS + " ms");
    }
    return c;
  }

  @Override
  void releaseReader(Connection c) {
    readers.add(c);
  }

  @Override
  Connection acquireWriter() {
    writeLock.lock();
    return writer;
  }

  @Override
  void releaseWriter(Connection c) {
    writeLock.unlock();
  }

  @Override
  <T> T withStatement(Connection c, String sql, StatementWork<T> work) throws SQLException {
    Map<String, PreparedStatement> cache = statements.get(c);
    PreparedStatement ps = cache.get(sql);
    if (ps == null) {
      ps = c.prepareStatement(sql);
      cache.put(sql, ps);
    }
    return work.run(ps);
  }

  @Override
  void selectHlcs(Connection c, String team, String type, List<String> ids,
      Map<String, String> out) throws SQLException {
    // Ids in chunks, padded to a power of two (repeating an id is harmless in IN): one indexed
    // query per chunk, and only a handful of statement shapes are ever prepared.
    for (int from = 0; from < ids.size(); from += MAX_IN) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_IN));
      int slots = Math.max(8, Integer.highestOneBit(chunk.size() - 1) << 1);
      withStatement(c, inSql(slots), ps -> {
        ps.setString(1, team);
        ps.setString(2, type);
        for (int i = 0; i < slots; i++) {
          ps.setString(3 + i, chunk.get(Math.min(i, chunk.size() - 1)));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.put(TeamTransaction.recordKey(type, rs.getString(1)), rs.getString(2));
          }
        }
        return null;
      });
    }
  }

  @Override
  void upsertAll(Connection c, String team, List<Change> changes, String origin, long firstSeq,
      long storedAt) throws SQLException {
    // Rows go in power-of-two groups (100 = 64 + 32 + 4): a few statement shapes, and one
    // statement step per group instead of per row.
    long seq = firstSeq;
    int from = 0;
    while (from < changes.size()) {
      int n = Math.min(MAX_ROWS, Integer.highestOneBit(changes.size() - from));
      List<Change> group = changes.subList(from, from + n);
      long groupSeq = seq;
      withStatement(c, upsertSql(n), ps -> {
        int p = 1;
        long s = groupSeq;
        for (Change change : group) {
          p = bindUpsert(ps, p, team, change, origin, s++, storedAt);
        }
        return ps.executeUpdate();
      });
      seq += n;
      from += n;
    }
  }

  private static String upsertSql(int rows) {
    StringBuilder sb = new StringBuilder("INSERT INTO records (" + UPSERT_COLUMNS + ") VALUES ");
    for (int i = 0; i < rows; i++) {
      sb.append(i == 0 ? "" : ", ").append(UPSERT_ROW);
    }
    return sb.append(UPSERT_ON_CONFLICT).toString();
  }

  private static String inSql(int slots) {
    StringBuilder sb = new StringBuilder(
        "SELECT id, hlc FROM records WHERE team = ? AND type = ? AND id IN (?");
    for (int i = 1; i < slots; i++) {
      sb.append(", ?");
    }
    return sb.append(')').toString();
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      // Wait briefly for readers in use to come back, so no query is cut in half.
      for (int i = 0; i < READERS; i++) {
        try {
          if (readers.poll(5, TimeUnit.SECONDS) == null) {
            break;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      for (Connection c : all) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // Closing anyway; nothing useful to do with a failure here.
        }
      }
    } finally {
      writeLock.unlock();
    }
  }
}
