package dev.tandem.sync.server;

import dev.tandem.sync.protocol.Change;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The SQL that {@link SqliteServerStore} and {@link PostgresServerStore} share: pull pages,
 * transactions of a team, retention, tokens, devices and commands. Both schemas have the same
 * tables and columns (db/sqlite, db/postgres), and every statement here is written in the SQL
 * both understand ({@code TRUE}/{@code FALSE}, {@code ON CONFLICT ... DO UPDATE}, no
 * {@code GREATEST}/{@code max(a, b)}).
 *
 * <p>A subclass says how it gets connections (one writer behind a lock and a pool of readers for
 * SQLite, a pool for PostgreSQL), whether it keeps prepared statements, and the few places where
 * the dialects part: how a team's sequence row is locked, the multi-row upsert and lookup of a
 * batch, and what other nodes are told when a sequence or a token changed.
 */
abstract class JdbcServerStore implements ServerStore {
  /** Deletes removed per transaction: pushes of a team wait for one chunk at most. */
  static final int RETENTION_CHUNK = 2000;

  static final String CHANGE_COLUMNS = "type, id, op, hlc, base_hlc, data, seq, origin";
  static final String UPSERT_COLUMNS =
      "team, type, id, op, hlc, base_hlc, data, origin, seq, stored_at";
  static final String UPSERT_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static final String UPSERT_ON_CONFLICT = " ON CONFLICT (team, type, id) DO UPDATE SET"
      + " op = excluded.op, hlc = excluded.hlc, base_hlc = excluded.base_hlc,"
      + " data = excluded.data, origin = excluded.origin, seq = excluded.seq,"
      + " stored_at = excluded.stored_at";
  static final String UPSERT =
      "INSERT INTO records (" + UPSERT_COLUMNS + ") VALUES " + UPSERT_ROW + UPSERT_ON_CONFLICT;

  /** Stamps when versions, batch answers and tokens were stored (retention compares with it). */
  final dev.tandem.sync.Clock clock;
  private final List<TokenListener> tokenListeners = new CopyOnWriteArrayList<>();
  private final CommandStore commands = new SqlCommandStore(new SqlCommandStore.Db() {
    @Override
    public <T> T read(SqlCommandStore.Sql<T> work) {
      return JdbcServerStore.this.read(work::run);
    }

    @Override
    public <T> T write(SqlCommandStore.Sql<T> work) {
      return transaction("server store query failed", work::run);
    }
  });
  volatile boolean closed;

  JdbcServerStore(dev.tandem.sync.Clock clock) {
    this.clock = java.util.Objects.requireNonNull(clock, "clock");
  }

  // ---- what a dialect provides ----

  /** Work on one connection. */
  interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Work with one prepared statement. */
  interface StatementWork<T> {
    T run(PreparedStatement ps) throws SQLException;
  }

  /**
   * Returns a connection for reads, to hand back with {@link #releaseReader}.
   *
   * @throws ServerOverloadedException if none is free within the store's wait
   */
  abstract Connection acquireReader() throws SQLException;

  abstract void releaseReader(Connection c);

  /**
   * Returns a connection for one transaction, to hand back with {@link #releaseWriter}; while the
   * caller holds it, no other transaction of this store that conflicts with it runs on it.
   */
  abstract Connection acquireWriter() throws SQLException;

  abstract void releaseWriter(Connection c);

  /**
   * Runs {@code work} with {@code sql} prepared on {@code c}, which the caller holds. A store may
   * keep the statement for the next call on the same connection.
   */
  abstract <T> T withStatement(Connection c, String sql, StatementWork<T> work)
      throws SQLException;

  /**
   * Returns the team's sequence inside a transaction on {@code c}, such that no other transaction
   * of the team moves it until this one ends. The default only reads it, which suffices where
   * the writer is exclusive.
   */
  long lockTeam(Connection c, String teamId) throws SQLException {
    return selectSeq(c, teamId);
  }

  /** Called in the transaction that moved the team's sequence to {@code seq}, before commit. */
  void seqMoved(Connection c, String teamId, long seq) throws SQLException {}

  /** Called in the transaction that changed the device's tokens, before commit. */
  void tokensChanging(Connection c, String teamId, String deviceId) throws SQLException {}

  /**
   * Puts the clock of each of {@code ids} (records of {@code type}) the team has into {@code out},
   * keyed by {@link TeamTransaction#recordKey}.
   */
  abstract void selectHlcs(Connection c, String team, String type, List<String> ids,
      Map<String, String> out) throws SQLException;

  /**
   * Upserts {@code changes} in order, the first under sequence {@code firstSeq}, the next under
   * the one after, and so on, each stamped {@code storedAt}.
   */
  abstract void upsertAll(Connection c, String team, List<Change> changes, String origin,
      long firstSeq, long storedAt) throws SQLException;

  // ---- the shared SQL ----

  @Override
  public <T> T inTeamTransaction(String teamId, TeamWork<T> work) {
    return transaction("server store transaction failed", c -> {
      long start = lockTeam(c, teamId);
      Tx tx = new Tx(c, teamId, start);
      T result = work.run(tx);
      if (tx.seq != start) {
        withStatement(c, "INSERT INTO teams (team, seq) VALUES (?, ?)"
            + " ON CONFLICT (team) DO UPDATE SET seq = excluded.seq", ps -> {
              ps.setString(1, teamId);
              ps.setLong(2, tx.seq);
              return ps.executeUpdate();
            });
        seqMoved(c, teamId, tx.seq);
      }
      return result;
    });
  }

  @Override
  public List<Change> changesSince(String teamId, long afterSeq, int limit) {
    return read(c -> withStatement(c, "SELECT " + CHANGE_COLUMNS + " FROM records"
        + " WHERE team = ? AND seq > ? ORDER BY seq LIMIT ?", ps -> {
          ps.setString(1, teamId);
          ps.setLong(2, afterSeq);
          ps.setInt(3, limit);
          return changes(ps, Math.min(limit, 1024));
        }));
  }

  @Override
  public PullPage pullPage(String teamId, long afterSeq, int limit, String deviceId) {
    return read(c -> {
      // The team's sequence first, then the rows up to it, as two snapshots: a change numbered
      // up to S has committed by the time S is read (SQLite's single writer; PostgreSQL's row
      // lock on the team), and a later one is numbered above S, so nothing up to S is skipped.
      long teamSeq = selectSeq(c, teamId);
      if (afterSeq >= teamSeq) {
        return new PullPage(List.of(), false, afterSeq, teamSeq);
      }
      List<Change> rows = withStatement(c, "SELECT " + CHANGE_COLUMNS + " FROM records"
          + " WHERE team = ? AND seq > ? AND seq <= ? AND origin <> ? ORDER BY seq LIMIT ?",
          ps -> {
            ps.setString(1, teamId);
            ps.setLong(2, afterSeq);
            ps.setLong(3, teamSeq);
            ps.setString(4, deviceId == null ? "" : deviceId);
            ps.setInt(5, limit + 1);
            return changes(ps, Math.min(limit + 1, 1024));
          });
      boolean more = rows.size() > limit;
      List<Change> out = more ? rows.subList(0, limit) : rows;
      if (afterSeq > 0) {
        // After the rows: a purge that removed a delete from them has raised the floor by now.
        long purged = selectTeamLong(c, "SELECT purged_seq FROM teams WHERE team = ?", teamId);
        if (afterSeq < purged) {
          throw new CursorExpiredException(afterSeq, purged);
        }
      }
      return new PullPage(out, more, more ? out.get(limit - 1).seq() : teamSeq, teamSeq);
    });
  }

  @Override
  public long currentSeq(String teamId) {
    return read(c -> selectSeq(c, teamId));
  }

  @Override
  public RetentionResult applyRetention(long tombstonesStoredBefore, long batchesStoredBefore) {
    // One row per record: nothing to compact. Deletes go in chunks, each its own transaction.
    long tombstones = 0;
    while (true) {
      int n = transaction("retention failed", c -> purgeTombstoneChunk(c, tombstonesStoredBefore));
      tombstones += n;
      if (n < RETENTION_CHUNK) {
        break;
      }
    }
    long batches = transaction("retention failed", c -> withStatement(c,
        "DELETE FROM batches WHERE created_at < ?", ps -> {
          ps.setLong(1, batchesStoredBefore);
          return ps.executeUpdate();
        }));
    return new RetentionResult(0, tombstones, batches);
  }

  /**
   * Removes up to a chunk of deletes stored before {@code before}, raising each team's floor in
   * the same transaction (so no reader sees a delete gone without the floor that refuses the
   * cursors which missed it). A row rewritten since it was selected keeps its newer version.
   */
  private int purgeTombstoneChunk(Connection c, long before) throws SQLException {
    List<Object[]> rows = new ArrayList<>();
    Map<String, Long> maxSeq = new TreeMap<>();
    withStatement(c, "SELECT team, type, id, seq FROM records"
        + " WHERE op = 'delete' AND stored_at < ? LIMIT ?", ps -> {
          ps.setLong(1, before);
          ps.setInt(2, RETENTION_CHUNK);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              rows.add(new Object[] {rs.getString(1), rs.getString(2), rs.getString(3),
                  rs.getLong(4)});
              maxSeq.merge(rs.getString(1), rs.getLong(4), Math::max);
            }
          }
          return null;
        });
    if (rows.isEmpty()) {
      return 0;
    }
    // Teams in a fixed order (the TreeMap): two nodes purging at once take the team rows alike.
    withStatement(c, "UPDATE teams SET purged_seq = CASE WHEN purged_seq < ? THEN ?"
        + " ELSE purged_seq END WHERE team = ?", ps -> {
          for (Map.Entry<String, Long> e : maxSeq.entrySet()) {
            ps.setLong(1, e.getValue());
            ps.setLong(2, e.getValue());
            ps.setString(3, e.getKey());
            ps.addBatch();
          }
          return ps.executeBatch();
        });
    withStatement(c, "DELETE FROM records"
        + " WHERE team = ? AND type = ? AND id = ? AND seq = ? AND op = 'delete'", ps -> {
          for (Object[] r : rows) {
            ps.setString(1, (String) r[0]);
            ps.setString(2, (String) r[1]);
            ps.setString(3, (String) r[2]);
            ps.setLong(4, (Long) r[3]);
            ps.addBatch();
          }
          return ps.executeBatch();
        });
    return rows.size();
  }

  @Override
  public void replaceToken(String tokenHash, String teamId, String deviceId, long expiresAt) {
    try {
      transaction("cannot save the token", c -> {
        revoke(c, teamId, deviceId);
        withStatement(c, "INSERT INTO tokens (hash, team, device, revoked, created_at,"
            + " expires_at) VALUES (?, ?, ?, FALSE, ?, ?)", ps -> {
              ps.setString(1, tokenHash);
              ps.setString(2, teamId);
              ps.setString(3, deviceId);
              ps.setLong(4, clock.millis());
              if (expiresAt > 0) {
                ps.setLong(5, expiresAt);
              } else {
                ps.setNull(5, java.sql.Types.BIGINT);
              }
              return ps.executeUpdate();
            });
        tokensChanging(c, teamId, deviceId);
        return null;
      });
    } finally {
      tokensChanged(teamId, deviceId);
    }
  }

  @Override
  public int revokeTokens(String teamId, String deviceId) {
    try {
      return transaction("cannot revoke tokens", c -> {
        int n = revoke(c, teamId, deviceId);
        tokensChanging(c, teamId, deviceId);
        return n;
      });
    } finally {
      tokensChanged(teamId, deviceId);
    }
  }

  private int revoke(Connection c, String teamId, String deviceId) throws SQLException {
    return withStatement(c,
        "UPDATE tokens SET revoked = TRUE WHERE team = ? AND device = ? AND NOT revoked", ps -> {
          ps.setString(1, teamId);
          ps.setString(2, deviceId);
          return ps.executeUpdate();
        });
  }

  @Override
  public TokenOwner findToken(String tokenHash) {
    return read(c -> withStatement(c,
        "SELECT team, device, expires_at FROM tokens WHERE hash = ? AND NOT revoked", ps -> {
          ps.setString(1, tokenHash);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new TokenOwner(rs.getString(1), rs.getString(2), rs.getLong(3))
                : null;
          }
        }));
  }

  @Override
  public void addTokenListener(TokenListener listener) {
    tokenListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
  }

  /** Tells the token listeners that the device's tokens changed (here or on another node). */
  final void tokensChanged(String teamId, String deviceId) {
    for (TokenListener l : tokenListeners) {
      l.tokensChanged(teamId, deviceId);
    }
  }

  /** Tells the token listeners that any token may have changed unheard. */
  final void anyTokenMayHaveChanged() {
    for (TokenListener l : tokenListeners) {
      l.anyTokenMayHaveChanged();
    }
  }

  @Override
  public CommandStore commands() {
    return commands;
  }

  /**
   * Returns the schema version of the database: the highest migration applied
   * (db/&lt;dialect&gt;/index.txt; docs/server-storage.md).
   */
  public int schemaVersion() {
    return read(c -> withStatement(c, "SELECT max(version) FROM schema_migrations", ps -> {
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }));
  }

  // ---- one transaction of a team ----

  private final class Tx implements TeamTransaction {
    final Connection c;
    final String team;
    long seq;

    Tx(Connection c, String team, long start) {
      this.c = c;
      this.team = team;
      this.seq = start;
    }

    @Override
    public String batchResponse(String deviceId, String batchId) {
      return text("SELECT response FROM batches WHERE team = ? AND device = ? AND batch_id = ?",
          deviceId, batchId);
    }

    /** Returns the one column {@code query} selects by the team and two more keys, or null. */
    private String text(String query, String key1, String key2) {
      return sql(() -> withStatement(c, query, ps -> {
        ps.setString(1, team);
        ps.setString(2, key1);
        ps.setString(3, key2);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getString(1) : null;
        }
      }));
    }

    @Override
    public void saveBatchResponse(String deviceId, String batchId, String responseJson) {
      sql(() -> withStatement(c, "INSERT INTO batches"
          + " (team, device, batch_id, response, created_at) VALUES (?, ?, ?, ?, ?)", ps -> {
            ps.setString(1, team);
            ps.setString(2, deviceId);
            ps.setString(3, batchId);
            ps.setString(4, responseJson);
            ps.setLong(5, clock.millis());
            return ps.executeUpdate();
          }));
    }

    @Override
    public Change current(String type, String id) {
      return sql(() -> withStatement(c, "SELECT " + CHANGE_COLUMNS + " FROM records"
          + " WHERE team = ? AND type = ? AND id = ?", ps -> {
            ps.setString(1, team);
            ps.setString(2, type);
            ps.setString(3, id);
            List<Change> found = changes(ps, 1);
            return found.isEmpty() ? null : found.get(0);
          }));
    }

    @Override
    public String currentHlc(String type, String id) {
      return text("SELECT hlc FROM records WHERE team = ? AND type = ? AND id = ?", type, id);
    }

    @Override
    public Map<String, String> currentHlcs(List<Change> changes) {
      Map<String, List<String>> idsByType = new LinkedHashMap<>();
      for (Change ch : changes) {
        idsByType.computeIfAbsent(ch.type(), t -> new ArrayList<>()).add(ch.id());
      }
      Map<String, String> out = new HashMap<>();
      for (Map.Entry<String, List<String>> e : idsByType.entrySet()) {
        sql(() -> {
          selectHlcs(c, team, e.getKey(), e.getValue(), out);
          return null;
        });
      }
      return out;
    }

    @Override
    public void putAll(List<Change> changes, String originDevice) {
      if (changes.isEmpty()) {
        return;
      }
      long first = seq + 1;
      sql(() -> {
        upsertAll(c, team, changes, originDevice, first, clock.millis());
        return null;
      });
      seq += changes.size();
    }

    @Override
    public long put(Change change, String originDevice) {
      long next = seq + 1;
      sql(() -> withStatement(c, UPSERT, ps -> {
        bindUpsert(ps, 1, team, change, originDevice, next, clock.millis());
        return ps.executeUpdate();
      }));
      seq = next;
      return next;
    }

    @Override
    public long seq() {
      return seq;
    }
  }

  /** Binds one row of {@link #UPSERT_COLUMNS} from parameter {@code p}; returns the next one. */
  static int bindUpsert(PreparedStatement ps, int p, String team, Change change, String origin,
      long seq, long storedAt) throws SQLException {
    ps.setString(p++, team);
    ps.setString(p++, change.type());
    ps.setString(p++, change.id());
    ps.setString(p++, change.op());
    ps.setString(p++, change.hlc());
    ps.setString(p++, change.baseHlc());
    ps.setString(p++, change.isDelete() ? null : change.data());
    ps.setString(p++, origin);
    ps.setLong(p++, seq);
    ps.setLong(p++, storedAt);
    return p;
  }

  // ---- plumbing ----

  private static List<Change> changes(PreparedStatement ps, int expected) throws SQLException {
    List<Change> out = new ArrayList<>(expected);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new Change(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5), rs.getString(6), rs.getLong(7), rs.getString(8)));
      }
    }
    return out;
  }

  final long selectSeq(Connection c, String teamId) throws SQLException {
    return selectTeamLong(c, "SELECT seq FROM teams WHERE team = ?", teamId);
  }

  private long selectTeamLong(Connection c, String sql, String teamId) throws SQLException {
    return withStatement(c, sql, ps -> {
      ps.setString(1, teamId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }

  /** Runs {@code work} on a read connection. */
  final <T> T read(SqlWork<T> work) {
    checkOpen();
    Connection c;
    try {
      c = acquireReader();
    } catch (SQLException e) {
      throw failure("server store query failed", e);
    }
    try {
      checkOpen();
      return work.run(c);
    } catch (SQLException e) {
      throw failure("server store query failed", e);
    } finally {
      releaseReader(c);
    }
  }

  /** Runs {@code work} in one transaction of its own; {@code what} names it in a failure. */
  final <T> T transaction(String what, SqlWork<T> work) {
    checkOpen();
    Connection c;
    try {
      c = acquireWriter();
    } catch (SQLException e) {
      throw failure(what, e);
    }
    try {
      checkOpen();
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        restoreAutoCommit(c);
      }
    } catch (SQLException e) {
      throw failure(what, e);
    } finally {
      releaseWriter(c);
    }
  }

  private static void restoreAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      // A broken connection: the pool drops it, and the transaction's own outcome is the news.
    }
  }

  /** Work that may throw {@link SQLException}, for {@link #sql}. */
  interface Query<T> {
    T run() throws SQLException;
  }

  /** Runs {@code work}, turning its {@link SQLException} into a {@link ServerStoreException}. */
  static <T> T sql(Query<T> work) {
    try {
      return work.run();
    } catch (SQLException e) {
      throw failure("server store query failed", e);
    }
  }

  static ServerStoreException failure(String what, SQLException e) {
    return new ServerStoreException(what + ": " + e.getMessage(), e);
  }

  final void checkOpen() {
    if (closed) {
      throw new IllegalStateException("server store is closed");
    }
  }
}
