package dev.tandem.sync.sqlite;

import java.sql.SQLException;

/**
 * One connection of a {@link SqlDriver}. Used by one thread at a time (the store's writer under
 * its lock, each reader by the thread that borrowed it), so implementations need not be
 * thread-safe. The store caches the statements it prepares and closes them before the connection.
 */
public interface SqlConnection extends AutoCloseable {
  /**
   * Compiles one SQL statement with {@code ?} or {@code ?N} parameters, for repeated use.
   *
   * @throws SQLException if the SQL does not compile (unknown table or column, syntax)
   */
  SqlStatement prepare(String sql) throws SQLException;

  /**
   * Runs one SQL statement without parameters and without keeping it compiled (DDL, a pragma);
   * rows it returns are discarded.
   */
  void execute(String sql) throws SQLException;

  /** Starts a write transaction that takes the write lock at once ({@code BEGIN IMMEDIATE}). */
  void beginImmediate() throws SQLException;

  /** Commits the open transaction. */
  void commit() throws SQLException;

  /**
   * Rolls back the open transaction. Called after a failure too, when SQLite may already have
   * rolled back (the store ignores the error then), so it must not reuse a statement that failed.
   */
  void rollback() throws SQLException;

  /** Closes the connection; statements still open may be closed with it. Never throws. */
  @Override
  void close();
}
