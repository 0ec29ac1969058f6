package dev.tandem.sync.sqlite.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JDBC connection with a cache of prepared statements. Preparing is a measurable part of a
 * small write, so the hot path reuses statements. Not thread-safe: the writer is guarded by the
 * store's lock and each reader is borrowed by one thread at a time.
 */
public final class Conn implements AutoCloseable {
  /** Maps one row of a result set. */
  public interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private final Connection connection;
  private final Map<String, PreparedStatement> cache = new HashMap<>();

  public Conn(Connection connection) {
    this.connection = connection;
  }

  public Connection connection() {
    return connection;
  }

  /** Returns a cached prepared statement for {@code sql}. */
  public PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = cache.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
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
    PreparedStatement ps = cache.remove(sql);
    if (ps != null) {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // Already unusable; dropping it from the cache is what matters.
      }
    }
    return e;
  }

  /** Runs an update and returns the number of rows changed. */
  public int update(String sql, Object... args) throws SQLException {
    try {
      PreparedStatement ps = prepare(sql);
      bind(ps, args);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw evict(sql, e);
    }
  }

  /** Runs a query and maps every row. */
  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
    try {
      PreparedStatement ps = prepare(sql);
      bind(ps, args);
      List<T> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
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
      PreparedStatement ps = prepare(sql);
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? mapper.map(rs) : null;
      }
    } catch (SQLException e) {
      throw evict(sql, e);
    }
  }

  /** Runs a query and returns its first column of its first row as a long, or {@code dflt}. */
  public long queryLong(String sql, long dflt, Object... args) throws SQLException {
    try {
      PreparedStatement ps = prepare(sql);
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return dflt;
        }
        long v = rs.getLong(1);
        return rs.wasNull() ? dflt : v;
      }
    } catch (SQLException e) {
      throw evict(sql, e);
    }
  }

  /**
   * Runs arbitrary SQL (not cached) and returns the rows as maps for a query, or an empty list
   * and the update count for anything else.
   */
  public List<Map<String, Object>> queryMaps(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      bind(ps, args);
      List<Map<String, Object>> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= n; i++) {
            row.put(md.getColumnLabel(i), rs.getObject(i));
          }
          out.add(row);
        }
      }
      return out;
    }
  }

  /** Runs an uncached update with parameters (the seed surface's {@code execute}). */
  public int executeUncached(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      bind(ps, args);
      // A statement that returns rows (a pragma, say) changes none.
      return ps.execute() ? 0 : Math.max(ps.getUpdateCount(), 0);
    }
  }

  /** Runs a cached parameterless statement such as BEGIN or COMMIT (hot on every write). */
  public void run(String sql) throws SQLException {
    try {
      prepare(sql).execute();
    } catch (SQLException e) {
      throw evict(sql, e);
    }
  }

  /** Runs SQL without parameters and without caching (DDL, pragmas). */
  public void exec(String sql) throws SQLException {
    try (Statement st = connection.createStatement()) {
      st.execute(sql);
    }
  }

  /** Closes every cached statement, for example after the schema changed. */
  public void clearCache() {
    for (PreparedStatement ps : cache.values()) {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // Closing a statement of a connection we are about to reuse or close cannot be acted on.
      }
    }
    cache.clear();
  }

  @Override
  public void close() {
    clearCache();
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Nothing useful to do when closing fails; the file handle goes with the process.
    }
  }

  static void bind(PreparedStatement ps, Object[] args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a == null) {
        ps.setNull(i + 1, java.sql.Types.NULL);
      } else if (a instanceof String) {
        ps.setString(i + 1, (String) a);
      } else if (a instanceof Long) {
        ps.setLong(i + 1, (Long) a);
      } else if (a instanceof Integer) {
        ps.setInt(i + 1, (Integer) a);
      } else if (a instanceof Boolean) {
        ps.setInt(i + 1, ((Boolean) a) ? 1 : 0);
      } else {
        ps.setObject(i + 1, a);
      }
    }
  }
}
