package dev.tandem.sync.sqlite;

import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The SQL engine under {@link HybridStorageBackend}: opens connections to one SQLite database
 * file. The store's SQL goes through this seam only, so a platform with its own SQLite binding
 * (Android's {@code android.database.sqlite}, say) plugs in by implementing this interface,
 * {@link SqlConnection}, {@link SqlStatement} and {@link SqlCursor}, and opening the store with
 * {@link HybridStorageBackend#open(dev.tandem.sync.spi.StoreConfig, SqlDriver)}. The default,
 * {@link #sqliteJdbc()}, uses sqlite-jdbc. See {@code docs/store-driver.md}.
 *
 * <p>Errors are {@link SQLException}s whose {@link SQLException#getErrorCode()} is SQLite's result
 * code (primary, or extended: the store reads {@code code & 0xff}), so that the store can tell a
 * damaged file ({@code SQLITE_CORRUPT}, {@code SQLITE_NOTADB}) and a read-only one ({@code
 * SQLITE_READONLY}) from other failures. Implementations must be thread-safe; the connections
 * they return need not be.
 */
public interface SqlDriver {
  /**
   * Opens a connection to the database at {@code path}, creating the file if {@code readOnly} is
   * false. The store sets its pragmas itself ({@code journal_mode}, {@code synchronous}, {@code
   * busy_timeout}, {@code temp_store}, {@code query_only}) with {@link SqlConnection#execute}.
   *
   * @param readOnly true for a file this process cannot write: open it without write access (and,
   *     if a WAL file's {@code -shm} cannot be created next to it, as immutable), and fail here
   *     rather than at the first read if it cannot be read at all
   * @throws SQLException if the file cannot be opened or is not a database
   */
  SqlConnection open(Path path, boolean readOnly) throws SQLException;

  /** Returns the default driver, on sqlite-jdbc. */
  static SqlDriver sqliteJdbc() {
    return JdbcDriver.INSTANCE;
  }
}
