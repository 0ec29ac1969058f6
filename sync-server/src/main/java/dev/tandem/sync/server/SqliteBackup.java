package dev.tandem.sync.server;

import dev.tandem.sync.sqlite.SqliteJdbc;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A consistent copy of a SQLite server database, taken while the server keeps serving: {@code
 * VACUUM INTO} reads the database in one read transaction (WAL lets writers go on meanwhile) and
 * writes a compact copy holding exactly the state of one moment. The copy is written under a
 * temporary name beside the target, checked with {@code PRAGMA integrity_check}, and only then
 * moved to the target name, so a failed or interrupted backup never leaves a file that looks
 * complete.
 *
 * <p>Restore: stop the server, put the copy in the data directory as {@value
 * SqliteServerStore#FILE_NAME} (removing any {@code -wal} and {@code -shm} files beside it) and
 * start the server. See docs/server.md "Backup".
 */
public final class SqliteBackup {
  private SqliteBackup() {}

  /** What a backup wrote: the file, its size, and the records and teams it holds. */
  public record Result(Path file, long bytes, long records, long teams) {}

  /**
   * Copies the server database {@code source} into the new file {@code target}.
   *
   * @throws IllegalArgumentException if {@code source} is not a file, {@code target} already
   *     exists, or its directory does not
   * @throws ServerStoreException if SQLite fails to read or write, or the copy fails its check
   */
  public static Result backup(Path source, Path target) {
    if (!Files.isRegularFile(source)) {
      throw new IllegalArgumentException("no server database at " + source);
    }
    if (Files.exists(target)) {
      throw new IllegalArgumentException(target + " already exists; back up to a new file");
    }
    Path dir = target.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("the directory of " + target + " does not exist");
    }
    Path partial = dir.resolve(target.getFileName() + ".partial-" + ProcessHandle.current().pid()
        + "-" + System.nanoTime());
    try {
      try (Connection c = SqliteJdbc.open(source.toAbsolutePath(), false)) {
        try (Statement s = c.createStatement()) {
          // The server holds the write lock for milliseconds at a time; wait for it, do not fail.
          s.execute("PRAGMA busy_timeout=30000");
        }
        try (PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
          ps.setString(1, partial.toString());
          ps.execute();
        }
      }
      long records;
      long teams;
      try (Connection c = SqliteJdbc.open(partial, true);
          Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
          String answer = rs.next() ? rs.getString(1) : "no answer";
          if (!"ok".equals(answer)) {
            throw new ServerStoreException("the copy failed its integrity check: " + answer,
                null);
          }
        }
        records = count(s, "records");
        teams = count(s, "teams");
      }
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, target);
      }
      return new Result(target, Files.size(target), records, teams);
    } catch (SQLException e) {
      throw new ServerStoreException("cannot back up " + source + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ServerStoreException("cannot write the backup " + target + ": " + e.getMessage(),
          e);
    } finally {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException ignored) {
        // Best effort: a leftover .partial file is named as such.
      }
    }
  }

  private static long count(Statement s, String table) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        + " AND name = '" + table + "'")) {
      if (!rs.next() || rs.getLong(1) == 0) {
        throw new ServerStoreException("not a Tandem server database: it has no " + table
            + " table", null);
      }
    }
    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }
}
