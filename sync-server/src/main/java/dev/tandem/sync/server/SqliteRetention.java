package dev.tandem.sync.server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of retention for {@link SqliteServerStore}, kept apart so that the schema change is
 * easy to find and to turn into a versioned migration:
 *
 * <pre>
 * ALTER TABLE records ADD COLUMN stored_at INTEGER;   -- server clock (ms) when this version was stored
 * UPDATE records SET stored_at = :now WHERE op = 'delete';   -- older deletes count from the upgrade
 * ALTER TABLE teams ADD COLUMN purged_seq INTEGER NOT NULL DEFAULT 0;   -- highest purged delete
 * CREATE INDEX records_tombstones ON records (stored_at) WHERE op = 'delete';
 * </pre>
 */
final class SqliteRetention {
  /** Tombstones removed per transaction: the write lock is released between chunks. */
  static final int CHUNK = 2000;

  private SqliteRetention() {}

  /** Adds the retention columns and index to a store made before them; idempotent. */
  static void migrate(Connection c, long nowMillis) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      if (!hasColumn(c, "records", "stored_at")) {
        s.execute("ALTER TABLE records ADD COLUMN stored_at INTEGER");
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE records SET stored_at = ? WHERE op = 'delete'")) {
          ps.setLong(1, nowMillis);
          ps.executeUpdate();
        }
      }
      if (!hasColumn(c, "teams", "purged_seq")) {
        s.execute("ALTER TABLE teams ADD COLUMN purged_seq INTEGER NOT NULL DEFAULT 0");
      }
      s.execute("CREATE INDEX IF NOT EXISTS records_tombstones ON records (stored_at)"
          + " WHERE op = 'delete'");
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  private static boolean hasColumn(Connection c, String table, String column)
      throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (rs.next()) {
        if (column.equals(rs.getString("name"))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Removes up to {@link #CHUNK} tombstones stored before {@code before} and raises each affected
   * team's {@code purged_seq}, in one transaction; returns how many were removed (fewer than a
   * chunk: nothing is left).
   */
  static int purgeTombstoneChunk(Connection c, long before) throws SQLException {
    c.setAutoCommit(false);
    try {
      List<Long> rowids = new ArrayList<>();
      Map<String, Long> maxSeq = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT rowid, team, seq FROM records"
          + " WHERE op = 'delete' AND stored_at < ? LIMIT ?")) {
        ps.setLong(1, before);
        ps.setInt(2, CHUNK);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rowids.add(rs.getLong(1));
            maxSeq.merge(rs.getString(2), rs.getLong(3), Math::max);
          }
        }
      }
      if (rowids.isEmpty()) {
        c.commit();
        return 0;
      }
      // The floor first: in the same transaction, so no reader ever sees a tombstone gone
      // without the floor that refuses the cursors which missed it.
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE teams SET purged_seq = max(purged_seq, ?) WHERE team = ?")) {
        for (Map.Entry<String, Long> e : maxSeq.entrySet()) {
          ps.setLong(1, e.getValue());
          ps.setString(2, e.getKey());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM records WHERE rowid = ?")) {
        for (long rowid : rowids) {
          ps.setLong(1, rowid);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      c.commit();
      return rowids.size();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** Removes the batch answers saved before {@code before}; returns how many. */
  static int purgeBatches(Connection c, long before) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM batches WHERE created_at < ?")) {
      ps.setLong(1, before);
      return ps.executeUpdate();
    }
  }

  /** Returns the team's highest purged delete sequence, 0 if none. */
  static long purgedSeq(PreparedStatement select, String team) throws SQLException {
    select.setString(1, team);
    try (ResultSet rs = select.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /** The query for {@link #purgedSeq}, prepared once per connection by the store. */
  static final String PURGED_SEQ_SQL = "SELECT purged_seq FROM teams WHERE team = ?";
}
