package dev.tandem.sync.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * Opens sqlite-jdbc connections the way the local store does, for code that needs JDBC itself:
 * the sync server's SQLite store shares its SQL with PostgreSQL through JDBC, and opens its file
 * here so that both sides of the wire get the same file handling. Pragmas are the caller's.
 */
public final class SqliteJdbc {
  private SqliteJdbc() {}

  /**
   * Opens a connection to the database at {@code path}, creating it if {@code readOnly} is false.
   * A read-only open fails here, not at the first read, when the file cannot be read, and falls
   * back to SQLite's {@code immutable} mode when a WAL file's {@code -shm} cannot be created next
   * to it (a copy in a read-only folder).
   *
   * @throws SQLException if the file cannot be opened or is not a database
   */
  public static Connection open(Path path, boolean readOnly) throws SQLException {
    SQLiteConfig c = new SQLiteConfig();
    // Else sqlite-jdbc runs "SELECT last_insert_rowid()" after every INSERT, for
    // getGeneratedKeys(), which neither the store nor the server calls: a statement per write.
    c.setGetGeneratedKeys(false);
    if (!readOnly) {
      return c.createConnection("jdbc:sqlite:" + path);
    }
    c.setReadOnly(true);
    SQLException first;
    try {
      return probe(c, "jdbc:sqlite:" + path);
    } catch (SQLException e) {
      first = e;
    }
    try {
      return probe(c, "jdbc:sqlite:" + path.toUri() + "?immutable=1");
    } catch (SQLException e) {
      e.addSuppressed(first);
      throw e;
    }
  }

  /** Opening is lazy: the first read is what fails when the file cannot be read. */
  private static Connection probe(SQLiteConfig c, String url) throws SQLException {
    Connection conn = c.createConnection(url);
    try (Statement s = conn.createStatement()) {
      s.execute("SELECT count(*) FROM sqlite_master");
      return conn;
    } catch (SQLException e) {
      conn.close();
      throw e;
    }
  }
}
