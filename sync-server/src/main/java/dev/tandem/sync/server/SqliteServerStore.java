package dev.tandem.sync.server;

import dev.tandem.sync.protocol.Change;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
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
 * writer, thanks to WAL.
 */
public final class SqliteServerStore implements ServerStore {
  /** The file name inside the data directory. */
  public static final String FILE_NAME = "tandem-server.db";

  private static final int READERS = 4;
  private static final String BATCHES_DDL =
      "CREATE TABLE batches (team TEXT NOT NULL, device TEXT NOT NULL,"
          + " batch_id TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,"
          + " PRIMARY KEY (team, device, batch_id))";
  // A query takes milliseconds; waiting longer than this for a connection only piles up threads.
  private static final long READER_WAIT_MILLIS = 2000;

  private final Path file;
  private final dev.tandem.sync.Clock clock;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Connection writer;
  // Prepared once per SQL text: preparing dominated the per-change cost of a batch. Used only
  // under writeLock, like the writer itself.
  private final java.util.Map<String, PreparedStatement> writerStatements = new java.util.HashMap<>();
  private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
  // Each reader's prepared statements, used only by the thread that holds that reader.
  private final java.util.Map<Connection, java.util.Map<String, PreparedStatement>>
      readerStatements = new java.util.IdentityHashMap<>();
  // Live tokens seen lately. Every request authenticates, and a token row changes only on
  // revoke, which clears the affected entries in this process at once. Another process writing
  // the same file could revoke unseen, so an entry is trusted for TOKEN_TTL_NANOS at most.
  private final java.util.concurrent.ConcurrentHashMap<String, CachedOwner> tokenCache =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong revocations =
      new java.util.concurrent.atomic.AtomicLong();
  private final List<Connection> all = new ArrayList<>();
  private volatile boolean closed;

  private SqliteServerStore(Path file, dev.tandem.sync.Clock clock) throws SQLException {
    this.file = file;
    this.clock = clock;
    writer = connect(file);
    all.add(writer);
    try {
      try (Statement s = writer.createStatement()) {
        // Before the migration, and closed: the pragma's open result would block its commit.
        s.execute("PRAGMA journal_mode=WAL");
      }
      // A file from before migrations gets its last two hand-made upgrades first, which bring
      // it to the shape of V1; V1's IF NOT EXISTS then leaves its tables as they are.
      dev.tandem.sync.server.internal.SchemaMigrator.load("sqlite").migrate(writer, null, c -> {
        addTokenExpiry(c);
        migrateBatchesToDeviceScope(c);
      }, System.currentTimeMillis());
      // Idempotent, after the versioned schema: retention's columns and index, with the time a
      // delete already stored is taken to have been stored.
      SqliteRetention.migrate(writer, clock.millis());
      // Idempotent too: the device registry and command queue (sqlite/devices-commands.sql).
      CommandSql.createTables(writer);
    } catch (SQLException | RuntimeException e) {
      writer.close();
      throw e;
    }
    for (int i = 0; i < READERS; i++) {
      Connection c = connect(file);
      all.add(c);
      readerStatements.put(c, new java.util.HashMap<>());
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
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
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

  @Override
  public <T> T inTeamTransaction(String teamId, TeamWork<T> work) {
    writeLock.lock();
    try {
      checkOpen();
      writer.setAutoCommit(false);
      try {
        Tx tx = new Tx(teamId, selectSeq(writer, teamId));
        T result = work.run(tx);
        if (tx.seq != tx.startSeq) {
          PreparedStatement ps = writerStatement(
              "INSERT INTO teams (team, seq) VALUES (?, ?)"
                  + " ON CONFLICT (team) DO UPDATE SET seq = excluded.seq");
          ps.setString(1, teamId);
          ps.setLong(2, tx.seq);
          ps.executeUpdate();
        }
        writer.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        writer.rollback();
        throw e;
      } finally {
        writer.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new ServerStoreException("server store transaction failed: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public List<Change> changesSince(String teamId, long afterSeq, int limit) {
    return read(c -> {
      PreparedStatement ps = statement(c,
          "SELECT type, id, op, hlc, base_hlc, data, seq, origin FROM records"
              + " WHERE team = ? AND seq > ? ORDER BY seq LIMIT ?");
      ps.setString(1, teamId);
      ps.setLong(2, afterSeq);
      ps.setInt(3, limit);
      try (ResultSet rs = ps.executeQuery()) {
        List<Change> out = new ArrayList<>(Math.min(limit, 1024));
        while (rs.next()) {
          out.add(change(rs));
        }
        return out;
      }
    });
  }

  @Override
  public PullPage pullPage(String teamId, long afterSeq, int limit, String deviceId) {
    return read(c -> {
      // The sequence first, then the rows up to it: without a read transaction the two reads
      // are separate snapshots, and a cursor taken after the rows could skip a row stored
      // between them.
      long teamSeq = selectSeq(c, teamId);
      if (afterSeq >= teamSeq) {
        return new PullPage(List.of(), false, afterSeq, teamSeq);
      }
      PreparedStatement ps = statement(c,
          "SELECT type, id, op, hlc, base_hlc, data, seq, origin FROM records"
              + " WHERE team = ? AND seq > ? AND seq <= ? AND origin <> ? ORDER BY seq LIMIT ?");
      ps.setString(1, teamId);
      ps.setLong(2, afterSeq);
      ps.setLong(3, teamSeq);
      ps.setString(4, deviceId == null ? "" : deviceId);
      ps.setInt(5, limit + 1);
      List<Change> out = new ArrayList<>(Math.min(limit + 1, 1024));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(change(rs));
        }
      }
      boolean more = out.size() > limit;
      if (more) {
        out = out.subList(0, limit);
      }
      if (afterSeq > 0) {
        // After the rows: a purge that removed a delete from them has raised the floor by now.
        long purged = SqliteRetention.purgedSeq(statement(c, SqliteRetention.PURGED_SEQ_SQL),
            teamId);
        if (afterSeq < purged) {
          throw new CursorExpiredException(afterSeq, purged);
        }
      }
      return new PullPage(out, more, more ? out.get(limit - 1).seq() : teamSeq, teamSeq);
    });
  }

  @Override
  public RetentionResult applyRetention(long tombstonesStoredBefore, long batchesStoredBefore) {
    // One row per record: nothing to compact. Deletes go in chunks, each its own transaction,
    // so that pushes wait for one chunk at most.
    long tombstones = 0;
    while (true) {
      int n = write(() -> SqliteRetention.purgeTombstoneChunk(writer, tombstonesStoredBefore));
      tombstones += n;
      if (n < SqliteRetention.CHUNK) {
        break;
      }
    }
    long batches = write(() -> SqliteRetention.purgeBatches(writer, batchesStoredBefore));
    return new RetentionResult(0, tombstones, batches);
  }

  @Override
  public long currentSeq(String teamId) {
    return read(c -> selectSeq(c, teamId));
  }

  @Override
  public void replaceToken(String tokenHash, String teamId, String deviceId, long expiresAt) {
    writeLock.lock();
    try {
      checkOpen();
      writer.setAutoCommit(false);
      try {
        try (PreparedStatement ps = writer.prepareStatement(
            "UPDATE tokens SET revoked = 1 WHERE team = ? AND device = ? AND revoked = 0")) {
          ps.setString(1, teamId);
          ps.setString(2, deviceId);
          ps.executeUpdate();
        }
        try (PreparedStatement ps = writer.prepareStatement("INSERT INTO tokens"
            + " (hash, team, device, revoked, created_at, expires_at) VALUES (?, ?, ?, 0, ?, ?)")) {
          ps.setString(1, tokenHash);
          ps.setString(2, teamId);
          ps.setString(3, deviceId);
          ps.setLong(4, System.currentTimeMillis());
          if (expiresAt > 0) {
            ps.setLong(5, expiresAt);
          } else {
            ps.setNull(5, java.sql.Types.INTEGER);
          }
          ps.executeUpdate();
        }
        writer.commit();
      } catch (SQLException | RuntimeException e) {
        writer.rollback();
        throw e;
      } finally {
        writer.setAutoCommit(true);
        forgetDevice(teamId, deviceId);
      }
    } catch (SQLException e) {
      throw new ServerStoreException("cannot save the token: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public TokenOwner findToken(String tokenHash) {
    CachedOwner cached = tokenCache.get(tokenHash);
    if (cached != null && System.nanoTime() - cached.checkedAt < TOKEN_TTL_NANOS) {
      checkOpen();
      return cached.owner;
    }
    long revocationsBefore = revocations.get();
    TokenOwner owner = read(c -> {
      PreparedStatement ps = statement(c,
          "SELECT team, device, expires_at FROM tokens WHERE hash = ? AND revoked = 0");
      ps.setString(1, tokenHash);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new TokenOwner(rs.getString(1), rs.getString(2), rs.getLong(3)) : null;
      }
    });
    if (owner == null) {
      tokenCache.remove(tokenHash);
      return null;
    }
    if (tokenCache.size() >= TOKEN_CACHE_MAX) {
      tokenCache.clear();
    }
    tokenCache.put(tokenHash, new CachedOwner(owner, System.nanoTime()));
    // A revoke that ran during the query may have cleared the cache before this put: then
    // the answer may be stale, so drop it (revoke bumps the counter before clearing).
    if (revocations.get() != revocationsBefore) {
      tokenCache.remove(tokenHash);
    }
    return owner;
  }

  @Override
  public int revokeTokens(String teamId, String deviceId) {
    return write(() -> {
      try (PreparedStatement ps = writer.prepareStatement(
          "UPDATE tokens SET revoked = 1 WHERE team = ? AND device = ? AND revoked = 0")) {
        ps.setString(1, teamId);
        ps.setString(2, deviceId);
        int revoked = ps.executeUpdate();
        forgetDevice(teamId, deviceId);
        return revoked;
      }
    });
  }

  // ---- devices and commands (the SQL is in CommandSql) ----

  private final CommandStore commands = new SqlCommandStore(new SqlCommandStore.Db() {
    @Override
    public <T> T read(SqlCommandStore.Sql<T> work) {
      return SqliteServerStore.this.read(work::run);
    }

    @Override
    public <T> T write(SqlCommandStore.Sql<T> work) {
      return writeTx(() -> work.run(writer));
    }
  });

  @Override
  public CommandStore commands() {
    return commands;
  }

  /** Runs {@code work} on the writer in one transaction. */
  private <T> T writeTx(SqlWork<T> work) {
    writeLock.lock();
    try {
      checkOpen();
      writer.setAutoCommit(false);
      try {
        T result = work.run();
        writer.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        writer.rollback();
        throw e;
      } finally {
        writer.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new ServerStoreException("server store query failed: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  /** Drops the device's cached tokens after its tokens changed (see {@link #findToken}). */
  private void forgetDevice(String teamId, String deviceId) {
    revocations.incrementAndGet();
    tokenCache.values().removeIf(e -> e.owner.isDevice(teamId, deviceId));
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
      List<Connection> idle = new ArrayList<>();
      for (int i = 0; i < READERS; i++) {
        try {
          Connection c = readers.poll(5, TimeUnit.SECONDS);
          if (c != null) {
            idle.add(c);
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

  // ---- internals ----

  private static final long TOKEN_TTL_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final int TOKEN_CACHE_MAX = 10_000;

  private record CachedOwner(TokenOwner owner, long checkedAt) {}

  /** Returns the cached statement of {@code c}, which the caller holds exclusively. */
  private PreparedStatement statement(Connection c, String sql) throws SQLException {
    java.util.Map<String, PreparedStatement> cache =
        c == writer ? writerStatements : readerStatements.get(c);
    PreparedStatement ps = cache.get(sql);
    if (ps == null) {
      ps = c.prepareStatement(sql);
      cache.put(sql, ps);
    }
    return ps;
  }

  private PreparedStatement writerStatement(String sql) throws SQLException {
    PreparedStatement ps = writerStatements.get(sql);
    if (ps == null) {
      ps = writer.prepareStatement(sql);
      writerStatements.put(sql, ps);
    }
    return ps;
  }

  private final class Tx implements TeamTransaction {
    final String team;
    final long startSeq;
    long seq;

    Tx(String team, long startSeq) {
      this.team = team;
      this.startSeq = startSeq;
      this.seq = startSeq;
    }

    @Override
    public String batchResponse(String deviceId, String batchId) {
      return sql(() -> {
        PreparedStatement ps = writerStatement(
            "SELECT response FROM batches WHERE team = ? AND device = ? AND batch_id = ?");
        ps.setString(1, team);
        ps.setString(2, deviceId);
        ps.setString(3, batchId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getString(1) : null;
        }
      });
    }

    @Override
    public void saveBatchResponse(String deviceId, String batchId, String responseJson) {
      sql(() -> {
        PreparedStatement ps = writerStatement("INSERT INTO batches"
            + " (team, device, batch_id, response, created_at) VALUES (?, ?, ?, ?, ?)");
        ps.setString(1, team);
        ps.setString(2, deviceId);
        ps.setString(3, batchId);
        ps.setString(4, responseJson);
        ps.setLong(5, clock.millis());
        return ps.executeUpdate();
      });
    }

    @Override
    public Change current(String type, String id) {
      return sql(() -> {
        PreparedStatement ps = writerStatement(
            "SELECT type, id, op, hlc, base_hlc, data, seq, origin FROM records"
                + " WHERE team = ? AND type = ? AND id = ?");
        ps.setString(1, team);
        ps.setString(2, type);
        ps.setString(3, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? change(rs) : null;
        }
      });
    }

    @Override
    public String currentHlc(String type, String id) {
      return sql(() -> {
        PreparedStatement ps = writerStatement(
            "SELECT hlc FROM records WHERE team = ? AND type = ? AND id = ?");
        ps.setString(1, team);
        ps.setString(2, type);
        ps.setString(3, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getString(1) : null;
        }
      });
    }

    @Override
    public java.util.Map<String, String> currentHlcs(List<Change> changes) {
      // Grouped by type, ids in chunks: one indexed query per type and chunk instead of one per
      // change. Chunks are padded to a power of two (repeating an id is harmless in IN) so only
      // a handful of statement shapes are ever prepared.
      java.util.Map<String, List<String>> idsByType = new java.util.LinkedHashMap<>();
      for (Change c : changes) {
        idsByType.computeIfAbsent(c.type(), t -> new ArrayList<>()).add(c.id());
      }
      java.util.Map<String, String> out = new java.util.HashMap<>();
      for (java.util.Map.Entry<String, List<String>> e : idsByType.entrySet()) {
        String type = e.getKey();
        List<String> ids = e.getValue();
        for (int from = 0; from < ids.size(); from += MAX_IN) {
          List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_IN));
          int slots = Math.max(8, Integer.highestOneBit(chunk.size() - 1) << 1);
          sql(() -> {
            PreparedStatement ps = writerStatement(inSql(slots));
            ps.setString(1, team);
            ps.setString(2, type);
            for (int i = 0; i < slots; i++) {
              ps.setString(3 + i, chunk.get(Math.min(i, chunk.size() - 1)));
            }
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.put(ServerStore.TeamTransaction.recordKey(type, rs.getString(1)),
                    rs.getString(2));
              }
            }
            return null;
          });
        }
      }
      return out;
    }

    @Override
    public void putAll(List<Change> changes, String originDevice) {
      // Rows go in power-of-two groups (100 = 64 + 32 + 4): a few statement shapes, and one
      // statement step per group instead of per row.
      long now = clock.millis();
      int from = 0;
      while (from < changes.size()) {
        int n = Math.min(MAX_ROWS, Integer.highestOneBit(changes.size() - from));
        List<Change> group = changes.subList(from, from + n);
        sql(() -> {
          PreparedStatement ps = writerStatement(upsertSql(n));
          int p = 1;
          for (Change change : group) {
            seq++;
            ps.setString(p++, team);
            ps.setString(p++, change.type());
            ps.setString(p++, change.id());
            ps.setString(p++, change.op());
            ps.setString(p++, change.hlc());
            ps.setString(p++, change.baseHlc());
            ps.setString(p++, change.isDelete() ? null : change.data());
            ps.setString(p++, originDevice);
            ps.setLong(p++, seq);
            ps.setLong(p++, now);
          }
          return ps.executeUpdate();
        });
        from += n;
      }
    }

    @Override
    public long put(Change change, String originDevice) {
      long next = seq + 1;
      sql(() -> {
        PreparedStatement ps = writerStatement(
            "INSERT INTO records (team, type, id, op, hlc, base_hlc, data, origin, seq,"
                + " stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team, type, id)"
                + " DO UPDATE SET op = excluded.op, hlc = excluded.hlc,"
                + " base_hlc = excluded.base_hlc, data = excluded.data, origin = excluded.origin,"
                + " seq = excluded.seq, stored_at = excluded.stored_at");
        ps.setString(1, team);
        ps.setString(2, change.type());
        ps.setString(3, change.id());
        ps.setString(4, change.op());
        ps.setString(5, change.hlc());
        ps.setString(6, change.baseHlc());
        ps.setString(7, change.isDelete() ? null : change.data());
        ps.setString(8, originDevice);
        ps.setLong(9, next);
        ps.setLong(10, clock.millis());
        return ps.executeUpdate();
      });
      seq = next;
      return next;
    }

    @Override
    public long seq() {
      return seq;
    }
  }

  private static final int MAX_IN = 512;
  private static final int MAX_ROWS = 64;

  private static String upsertSql(int rows) {
    StringBuilder sb = new StringBuilder(
        "INSERT INTO records (team, type, id, op, hlc, base_hlc, data, origin, seq, stored_at)"
            + " VALUES ");
    for (int i = 0; i < rows; i++) {
      sb.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }
    return sb.append(" ON CONFLICT (team, type, id) DO UPDATE SET op = excluded.op,")
        .append(" hlc = excluded.hlc, base_hlc = excluded.base_hlc, data = excluded.data,")
        .append(" origin = excluded.origin, seq = excluded.seq, stored_at = excluded.stored_at")
        .toString();
  }

  private static String inSql(int slots) {
    StringBuilder sb = new StringBuilder(
        "SELECT id, hlc FROM records WHERE team = ? AND type = ? AND id IN (?");
    for (int i = 1; i < slots; i++) {
      sb.append(", ?");
    }
    return sb.append(')').toString();
  }

  private static Change change(ResultSet rs) throws SQLException {
    return new Change(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        rs.getString(5), rs.getString(6), rs.getLong(7), rs.getString(8));
  }

  private long selectSeq(Connection c, String teamId) throws SQLException {
    PreparedStatement ps = statement(c, "SELECT seq FROM teams WHERE team = ?");
    ps.setString(1, teamId);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private interface SqlWork<T> {
    T run() throws SQLException;
  }

  private interface ReadWork<T> {
    T run(Connection c) throws SQLException;
  }

  private static <T> T sql(SqlWork<T> work) {
    try {
      return work.run();
    } catch (SQLException e) {
      throw new ServerStoreException("server store query failed: " + e.getMessage(), e);
    }
  }

  private <T> T write(SqlWork<T> work) {
    writeLock.lock();
    try {
      checkOpen();
      return sql(work);
    } finally {
      writeLock.unlock();
    }
  }

  private <T> T read(ReadWork<T> work) {
    checkOpen();
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
    try {
      checkOpen();
      return work.run(c);
    } catch (SQLException e) {
      throw new ServerStoreException("server store query failed: " + e.getMessage(), e);
    } finally {
      readers.add(c);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("server store is closed");
    }
  }
}
