package dev.tandem.sync.sqlite.internal;

import dev.tandem.sync.sqlite.SqlConnection;
import dev.tandem.sync.sqlite.SqlCursor;
import dev.tandem.sync.sqlite.SqlStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link SqlConnection} with a cache of prepared statements. Preparing is a measurable part
 * of a small write, so the hot path reuses statements. Not thread-safe: the writer is guarded by
 * the store's lock and each reader is borrowed by one thread at a time.
 */
public final class Conn implements AutoCloseable {
  /** Maps one row of a cursor. */
  public interface RowMapper<T> {
    T map(SqlCursor row) throws SQLException;
  }

  private final SqlConnection connection;
  private final Map<String, SqlStatement> cache = new HashMap<>();

  public Conn(SqlConnection connection) {
    this.connection = connection;
  }

  /** Returns a cached prepared statement for {@code sql}. */
  private SqlStatement prepare(String sql) throws SQLException {
    SqlStatement ps = cache.get(sql);
    if (ps == null) {
      ps = connection.prepare(sql);
      cache.put(sql, ps);
    }
    return ps;
  }

  /**
   * Forgets the cached statement of {@code sql} after it failed. The driver may have finalized
   * it (a later use then fails with "statement is not executing"), and after SQLITE_FULL a
   * half-stepped statement must not be reused in the next transaction.
   */
  private SQLException evict(String sql, SQLException e) {
    SqlStatement ps = cache.remove(sql);
    if (ps != null) {
      ps.close();
    }
    return e;
  }

  /** Runs an update and returns the number of rows changed. */
  public int update(String sql, Object... args) throws SQLException {
    try {
      return prepare(sql).update(args);
    } catch (SQLException e) {
      throw evict(sql, e);
    }
  }

  /** Runs a query and maps every row. */
  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
    try {
      List<T> out = new ArrayList<>();
      try (SqlCursor rs = prepare(sql).query(args)) {
        while (rs.next()) {
          out.add(mapper.map(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw evict(sql, e);
    }
  }

  /** Runs a query and maps its first row, or returns null if there is none. */
  public <T> T queryFirst(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
    try {
      try (SqlCursor rs = prepare(sql).query(args)) {
        return rs.next() ? mapper.map(rs) : null;
      }
    } catch (SQLException e) {
      throw evict(sql, e);
    }
  }

  /** Runs a query and returns its first column of its first row as a long, or {@code dflt}. */
  public long queryLong(String sql, long dflt, Object... args) throws SQLException {
    try {
      try (SqlCursor rs = prepare(sql).query(args)) {
        if (!rs.next() || rs.isNull(1)) {
          return dflt;
        }
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw evict(sql, e);
    }
  }

  /** Runs arbitrary SQL (not cached) and returns the rows as maps from column label to value. */
  public List<Map<String, Object>> queryMaps(String sql, Object... args) throws SQLException {
    try (SqlStatement ps = connection.prepare(sql); SqlCursor rs = ps.query(args)) {
      List<Map<String, Object>> out = new ArrayList<>();
      int n = rs.columnCount();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
          row.put(rs.columnName(i), rs.getObject(i));
        }
        out.add(row);
      }
      return out;
    }
  }

  /** Runs an uncached update with parameters (the seed surface's {@code execute}). */
  public int executeUncached(String sql, Object... args) throws SQLException {
    try (SqlStatement ps = connection.prepare(sql)) {
      return ps.update(args);
    }
  }

  /** Runs SQL without parameters and without caching (DDL, pragmas). */
  public void exec(String sql) throws SQLException {
    connection.execute(sql);
  }

  /** Starts a write transaction ({@code BEGIN IMMEDIATE}). */
  public void begin() throws SQLException {
    connection.beginImmediate();
  }

  /** Commits the open transaction. */
  public void commit() throws SQLException {
    connection.commit();
  }

  /** Rolls back, ignoring the error of a transaction SQLite already rolled back. */
  public void rollbackQuietly() {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // SQLite may already have rolled back (it does after some SQLITE_FULL and I/O errors).
    }
  }

  /** Closes every cached statement, for example after the schema changed. */
  public void clearCache() {
    for (SqlStatement ps : cache.values()) {
      ps.close();
    }
    cache.clear();
  }

  @Override
  public void close() {
    clearCache();
    connection.close();
  }
}
