package dev.tandem.sync.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import org.jspecify.annotations.Nullable;

/** The default {@link SqlDriver}, on sqlite-jdbc. */
final class JdbcDriver implements SqlDriver {
  static final JdbcDriver INSTANCE = new JdbcDriver();

  private JdbcDriver() {}

  @Override
  public SqlConnection open(Path path, boolean readOnly) throws SQLException {
    return new JdbcConnection(SqliteJdbc.open(path, readOnly));
  }

  private static final class JdbcConnection implements SqlConnection {
    private final Connection connection;
    private @Nullable PreparedStatement begin;
    private @Nullable PreparedStatement commit;

    JdbcConnection(Connection connection) {
      this.connection = connection;
    }

    @Override
    public SqlStatement prepare(String sql) throws SQLException {
      return new JdbcStatement(connection.prepareStatement(sql));
    }

    @Override
    public void execute(String sql) throws SQLException {
      try (Statement st = connection.createStatement()) {
        st.execute(sql);
      }
    }

    // BEGIN and COMMIT run on every write: kept prepared. A failed one is dropped, since the
    // driver may have finalized it.
    @Override
    public void beginImmediate() throws SQLException {
      if (begin == null) {
        begin = connection.prepareStatement("BEGIN IMMEDIATE");
      }
      try {
        begin.execute();
      } catch (SQLException e) {
        begin = drop(begin);
        throw e;
      }
    }

    @Override
    public void commit() throws SQLException {
      if (commit == null) {
        commit = connection.prepareStatement("COMMIT");
      }
      try {
        commit.execute();
      } catch (SQLException e) {
        commit = drop(commit);
        throw e;
      }
    }

    @Override
    public void rollback() throws SQLException {
      execute("ROLLBACK");
    }

    private static @Nullable PreparedStatement drop(@Nullable PreparedStatement ps) {
      if (ps != null) {
        try {
          ps.close();
        } catch (SQLException ignored) {
          // Already unusable.
        }
      }
      return null;
    }

    @Override
    public void close() {
      begin = drop(begin);
      commit = drop(commit);
      try {
        connection.close();
      } catch (SQLException ignored) {
        // Nothing to act on; the file handle goes with the process.
      }
    }
  }

  private static final class JdbcStatement implements SqlStatement {
    private final PreparedStatement ps;

    JdbcStatement(PreparedStatement ps) {
      this.ps = ps;
    }

    @Override
    public int update(@Nullable Object... args) throws SQLException {
      bind(args);
      // A statement that returns rows (a pragma, say) changes none.
      return ps.execute() ? 0 : Math.max(ps.getUpdateCount(), 0);
    }

    @Override
    public SqlCursor query(@Nullable Object... args) throws SQLException {
      bind(args);
      return new JdbcCursor(ps.executeQuery());
    }

    private void bind(@Nullable Object[] args) throws SQLException {
      for (int i = 0; i < args.length; i++) {
        Object a = args[i];
        if (a == null) {
          ps.setNull(i + 1, Types.NULL);
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

    @Override
    public void close() {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // Closing a statement cannot be acted on.
      }
    }
  }

  private static final class JdbcCursor implements SqlCursor {
    private final ResultSet rs;

    JdbcCursor(ResultSet rs) {
      this.rs = rs;
    }

    @Override
    public boolean next() throws SQLException {
      return rs.next();
    }

    @Override
    public @Nullable String getString(int column) throws SQLException {
      return rs.getString(column);
    }

    @Override
    public long getLong(int column) throws SQLException {
      return rs.getLong(column);
    }

    @Override
    public double getDouble(int column) throws SQLException {
      return rs.getDouble(column);
    }

    @Override
    public boolean isNull(int column) throws SQLException {
      return rs.getObject(column) == null;
    }

    @Override
    public @Nullable Object getObject(int column) throws SQLException {
      return rs.getObject(column);
    }

    @Override
    public int columnCount() throws SQLException {
      return rs.getMetaData().getColumnCount();
    }

    @Override
    public String columnName(int column) throws SQLException {
      return rs.getMetaData().getColumnLabel(column);
    }

    @Override
    public void close() {
      try {
        rs.close();
      } catch (SQLException ignored) {
        // Closing a result set cannot be acted on.
      }
    }
  }
}
