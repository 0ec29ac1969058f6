package dev.tandem.sync.sqlite;

import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * A compiled statement of a {@link SqlConnection}, run any number of times with fresh arguments.
 * Arguments bind to the parameters in order and are {@code null}, {@link String}, {@link Long},
 * {@link Integer}, {@link Double}, {@link Boolean} (bound as 1 or 0) or {@code byte[]}.
 */
public interface SqlStatement extends AutoCloseable {
  /**
   * Runs the statement to completion and returns the number of rows it inserted, updated or
   * deleted ({@code sqlite3_changes}); 0 for a statement that returns rows.
   */
  int update(@Nullable Object... args) throws SQLException;

  /**
   * Runs the statement as a query. The caller reads the cursor and closes it before it runs this
   * statement again.
   */
  SqlCursor query(@Nullable Object... args) throws SQLException;

  /** Frees the statement. Never throws. */
  @Override
  void close();
}
