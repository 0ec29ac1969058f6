package dev.tandem.sync.server;

import dev.tandem.sync.server.CommandStore.CommandEvent;
import dev.tandem.sync.server.CommandStore.CommandFilter;
import dev.tandem.sync.server.CommandStore.DeviceInfo;
import dev.tandem.sync.server.CommandStore.InsertResult;
import dev.tandem.sync.server.CommandStore.StoredCommand;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The SQL of {@link CommandStore}, the same on SQLite and PostgreSQL (only the tables' DDL
 * differs: the versioned migrations V3__devices_commands of db/sqlite and db/postgres). The stores
 * call these with a connection they hold (for SQLite the writer, under its lock), inside a
 * transaction where the method writes, so this class holds no state.
 */
final class CommandSql {
  private static final String COLUMNS = "team, command_id, source, target, type, payload,"
      + " priority, created_at, expires_at, conflict_key, status, attempts, next_attempt_at,"
      + " updated_at";

  private CommandSql() {}

  static List<DeviceInfo> devices(Connection c, String team) throws SQLException {
    return queryDevices(c, team, null);
  }

  static DeviceInfo device(Connection c, String team, String device) throws SQLException {
    List<DeviceInfo> found = queryDevices(c, team, device);
    return found.isEmpty() ? null : found.get(0);
  }

  private static List<DeviceInfo> queryDevices(Connection c, String team, String device)
      throws SQLException {
    String sql = "SELECT t.device, d.name, d.platform, d.app_version, d.last_seen_at,"
        + " MIN(t.created_at) FROM tokens t LEFT JOIN devices d"
        + " ON d.team = t.team AND d.device = t.device WHERE t.team = ?"
        + (device == null ? "" : " AND t.device = ?")
        + " GROUP BY t.device, d.name, d.platform, d.app_version, d.last_seen_at"
        + " ORDER BY t.device";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, team);
      if (device != null) {
        ps.setString(2, device);
      }
      List<DeviceInfo> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new DeviceInfo(rs.getString(1), rs.getString(2), rs.getString(3),
              rs.getString(4), rs.getLong(5), rs.getLong(6)));
        }
      }
      return out;
    }
  }

  static void updateDevice(Connection c, String team, String device, String name,
      String platform, String appVersion, long seenAt) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO devices"
        + " (team, device, name, platform, app_version, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (team, device) DO UPDATE SET"
        + " name = COALESCE(excluded.name, devices.name),"
        + " platform = COALESCE(excluded.platform, devices.platform),"
        + " app_version = COALESCE(excluded.app_version, devices.app_version),"
        + " last_seen_at = CASE WHEN excluded.last_seen_at > devices.last_seen_at"
        + " THEN excluded.last_seen_at ELSE devices.last_seen_at END")) {
      ps.setString(1, team);
      ps.setString(2, device);
      ps.setString(3, name);
      ps.setString(4, platform);
      ps.setString(5, appVersion);
      ps.setLong(6, seenAt);
      ps.executeUpdate();
    }
  }

  static int setPresence(Connection c, String team, String device, String node, boolean online,
      long at) throws SQLException {
    String sql = online
        ? "INSERT INTO presence (team, device, node, seen_at) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (team, device, node) DO UPDATE SET seen_at = excluded.seen_at"
        : "DELETE FROM presence WHERE team = ? AND device = ? AND node = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, team);
      ps.setString(2, device);
      ps.setString(3, node);
      if (online) {
        ps.setLong(4, at);
      }
      return ps.executeUpdate();
    }
  }

  static int renewPresence(Connection c, String node, java.util.Collection<String> teams, long at)
      throws SQLException {
    // Per team, like every other statement: the rows of one team are together (sharding).
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE presence SET seen_at = ? WHERE team = ? AND node = ?")) {
      for (String team : new java.util.TreeSet<>(teams)) {
        ps.setLong(1, at);
        ps.setString(2, team);
        ps.setString(3, node);
        ps.addBatch();
      }
      return ps.executeBatch().length;
    }
  }

  static Set<String> presentDevices(Connection c, String team, long since, String exceptNode)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT device FROM presence"
        + " WHERE team = ? AND seen_at >= ? AND node <> ?")) {
      ps.setString(1, team);
      ps.setLong(2, since);
      ps.setString(3, exceptNode);
      Set<String> out = new java.util.HashSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  static InsertResult insert(Connection c, StoredCommand cmd) throws SQLException {
    StoredCommand existing = command(c, cmd.teamId(), cmd.commandId());
    if (existing != null) {
      return new InsertResult(existing, false, List.of());
    }
    List<StoredCommand> superseded = new ArrayList<>();
    if (cmd.conflictKey() != null) {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM commands"
          + " WHERE team = ? AND target = ? AND conflict_key = ? AND status = 'queued'"
          + " ORDER BY seq")) {
        ps.setString(1, cmd.teamId());
        ps.setString(2, cmd.target());
        ps.setString(3, cmd.conflictKey());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            superseded.add(command(rs));
          }
        }
      }
      List<StoredCommand> after = new ArrayList<>();
      for (StoredCommand old : superseded) {
        StoredCommand moved = update(c, old.teamId(), old.commandId(), Set.of("queued"),
            "superseded", -1, -1, "{\"by\":\"" + cmd.commandId() + "\"}", cmd.createdAt());
        if (moved != null) {
          after.add(moved);
        }
      }
      superseded = after;
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO commands (" + COLUMNS
        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, 0, ?)")) {
      ps.setString(1, cmd.teamId());
      ps.setString(2, cmd.commandId());
      ps.setString(3, cmd.source());
      ps.setString(4, cmd.target());
      ps.setString(5, cmd.type());
      ps.setString(6, cmd.payload());
      ps.setInt(7, cmd.priority());
      ps.setLong(8, cmd.createdAt());
      ps.setLong(9, cmd.expiresAt());
      if (cmd.conflictKey() == null) {
        ps.setNull(10, Types.VARCHAR);
      } else {
        ps.setString(10, cmd.conflictKey());
      }
      ps.setLong(11, cmd.createdAt());
      ps.executeUpdate();
    }
    appendEvent(c, cmd.teamId(), cmd.commandId(), "queued", null, cmd.createdAt());
    return new InsertResult(command(c, cmd.teamId(), cmd.commandId()), true, superseded);
  }

  static StoredCommand command(Connection c, String team, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM commands WHERE team = ? AND command_id = ?")) {
      ps.setString(1, team);
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? command(rs) : null;
      }
    }
  }

  static List<CommandEvent> history(Connection c, String team, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT status, output, at FROM command_events"
        + " WHERE team = ? AND command_id = ? ORDER BY n")) {
      ps.setString(1, team);
      ps.setString(2, id);
      List<CommandEvent> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new CommandEvent(rs.getString(1), rs.getString(2), rs.getLong(3)));
        }
      }
      return out;
    }
  }

  static List<StoredCommand> list(Connection c, String team, CommandFilter f)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM commands WHERE team = ?");
    List<String> args = new ArrayList<>();
    args.add(team);
    if (f.target() != null) {
      sql.append(" AND target = ?");
      args.add(f.target());
    }
    if (f.status() != null) {
      sql.append(" AND status = ?");
      args.add(f.status());
    }
    if (f.involving() != null) {
      sql.append(" AND (source = ? OR target = ?)");
      args.add(f.involving());
      args.add(f.involving());
    }
    sql.append(" ORDER BY created_at DESC, seq DESC LIMIT ?");
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int i = 1;
      for (String a : args) {
        ps.setString(i++, a);
      }
      ps.setInt(i, f.limit());
      return commands(ps);
    }
  }

  static List<StoredCommand> deliverable(Connection c, String team, String target, int limit)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM commands"
        + " WHERE team = ? AND target = ? AND status IN ('queued', 'delivered')"
        + " ORDER BY priority DESC, created_at, seq LIMIT ?")) {
      ps.setString(1, team);
      ps.setString(2, target);
      ps.setInt(3, limit);
      return commands(ps);
    }
  }

  static List<StoredCommand> due(Connection c, long now, int limit) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM commands"
        + " WHERE (status IN ('queued', 'delivered') AND expires_at <= ?)"
        + " OR (status = 'delivered' AND next_attempt_at <= ?) ORDER BY seq LIMIT ?")) {
      ps.setLong(1, now);
      ps.setLong(2, now);
      ps.setInt(3, limit);
      return commands(ps);
    }
  }

  static StoredCommand update(Connection c, String team, String id, Set<String> from, String to,
      int attempts, long nextAttemptAt, String output, long at) throws SQLException {
    StoredCommand current = command(c, team, id);
    if (current == null || !from.contains(current.status())) {
      return null;
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE commands SET status = ?,"
        + " attempts = ?, next_attempt_at = ?, updated_at = ? WHERE team = ? AND command_id = ?"
        + " AND status = ?")) {
      ps.setString(1, to);
      ps.setInt(2, attempts < 0 ? current.attempts() : attempts);
      ps.setLong(3, nextAttemptAt < 0 ? current.nextAttemptAt() : nextAttemptAt);
      ps.setLong(4, at);
      ps.setString(5, team);
      ps.setString(6, id);
      ps.setString(7, current.status());
      if (ps.executeUpdate() != 1) {
        return null;
      }
    }
    if (!to.equals(current.status()) || output != null) {
      appendEvent(c, team, id, to, output, at);
    }
    return command(c, team, id);
  }

  private static void appendEvent(Connection c, String team, String id, String status,
      String output, long at) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO command_events"
        + " (team, command_id, n, status, output, at) SELECT ?, ?,"
        + " COALESCE(MAX(n), 0) + 1, ?, ?, ? FROM command_events WHERE team = ? AND command_id = ?")) {
      ps.setString(1, team);
      ps.setString(2, id);
      ps.setString(3, status);
      ps.setString(4, output);
      ps.setLong(5, at);
      ps.setString(6, team);
      ps.setString(7, id);
      ps.executeUpdate();
    }
  }

  private static List<StoredCommand> commands(PreparedStatement ps) throws SQLException {
    List<StoredCommand> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(command(rs));
      }
    }
    return out;
  }

  private static StoredCommand command(ResultSet rs) throws SQLException {
    return new StoredCommand(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getLong(8), rs.getLong(9),
        rs.getString(10), rs.getString(11), rs.getInt(12), rs.getLong(13), rs.getLong(14));
  }
}
