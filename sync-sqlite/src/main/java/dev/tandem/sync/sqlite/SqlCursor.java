package dev.tandem.sync.sqlite;

import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * The rows of one query, read forward once. Columns are numbered from 1, as in SQL and JDBC.
 * Getters convert as SQLite does ({@code getLong} of NULL is 0, {@code getString} of NULL is null).
 */
public interface SqlCursor extends AutoCloseable {
  /** Moves to the next row; returns false after the last. */
  boolean next() throws SQLException;

  /** Returns the column as text, or null if it is NULL. */
  @Nullable String getString(int column) throws SQLException;

  /** Returns the column as an integer (0 if NULL). */
  long getLong(int column) throws SQLException;

  /** Returns the column as a real number (0 if NULL). */
  double getDouble(int column) throws SQLException;

  /** Returns true if the column is NULL in this row. */
  boolean isNull(int column) throws SQLException;

  /**
   * Returns the column as its storage class: {@link Integer} or {@link Long}, {@link Double},
   * {@link String}, {@code byte[]}, or null.
   */
  @Nullable Object getObject(int column) throws SQLException;

  /** Returns the number of columns. */
  int columnCount() throws SQLException;

  /** Returns the name (label) of a column. */
  String columnName(int column) throws SQLException;

  /** Releases the rows. Never throws. */
  @Override
  void close();
}
