package dev.tandem.sync.server;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * {@link CommandStore} over JDBC, the same for SQLite and PostgreSQL: the SQL is in
 * {@link CommandSql}; the store it belongs to says how a read and a transaction get their
 * connection ({@link Db}).
 */
final class SqlCommandStore implements CommandStore {
  /** Work on one connection. */
  interface Sql<T> {
    T run(Connection c) throws SQLException;
  }

  /** How the owning store runs a read, and a write in one transaction of its own. */
  interface Db {
    <T> T read(Sql<T> work);

    <T> T write(Sql<T> work);
  }

  private final Db db;

  SqlCommandStore(Db db) {
    this.db = db;
  }

  @Override
  public List<DeviceInfo> devices(String teamId) {
    return db.read(c -> CommandSql.devices(c, teamId));
  }

  @Override
  public DeviceInfo device(String teamId, String deviceId) {
    return db.read(c -> CommandSql.device(c, teamId, deviceId));
  }

  @Override
  public DeviceInfo updateDevice(String teamId, String deviceId, String name, String platform,
      String appVersion, long seenAt) {
    return db.write(c -> {
      if (CommandSql.device(c, teamId, deviceId) == null) {
        return null;
      }
      CommandSql.updateDevice(c, teamId, deviceId, name, platform, appVersion, seenAt);
      return CommandSql.device(c, teamId, deviceId);
    });
  }

  @Override
  public void touchDevice(String teamId, String deviceId, long seenAt) {
    updateDevice(teamId, deviceId, null, null, null, seenAt);
  }

  @Override
  public void setPresence(String teamId, String deviceId, String node, boolean online,
      long at) {
    db.write(c -> CommandSql.setPresence(c, teamId, deviceId, node, online, at));
  }

  @Override
  public void renewPresence(String node, java.util.Collection<String> teams, long at) {
    if (!teams.isEmpty()) {
      db.write(c -> CommandSql.renewPresence(c, node, teams, at));
    }
  }

  @Override
  public Set<String> presentDevices(String teamId, long since, String exceptNode) {
    return db.read(c -> CommandSql.presentDevices(c, teamId, since, exceptNode));
  }

  @Override
  public InsertResult insertCommand(StoredCommand command) {
    try {
      return db.write(c -> CommandSql.insert(c, command));
    } catch (ServerStoreException e) {
      // Two nodes storing the same command id at once (PostgreSQL's unique violation): the
      // other insert won; the same answer as a duplicate found before inserting.
      if (e.getCause() instanceof SQLException
          && "23505".equals(((SQLException) e.getCause()).getSQLState())) {
        StoredCommand existing = command(command.teamId(), command.commandId());
        if (existing != null) {
          return new InsertResult(existing, false, List.of());
        }
      }
      throw e;
    }
  }

  @Override
  public StoredCommand command(String teamId, String commandId) {
    return db.read(c -> CommandSql.command(c, teamId, commandId));
  }

  @Override
  public List<CommandEvent> commandHistory(String teamId, String commandId) {
    return db.read(c -> CommandSql.history(c, teamId, commandId));
  }

  @Override
  public List<StoredCommand> listCommands(String teamId, CommandFilter filter) {
    return db.read(c -> CommandSql.list(c, teamId, filter));
  }

  @Override
  public List<StoredCommand> deliverable(String teamId, String target, int limit) {
    return db.read(c -> CommandSql.deliverable(c, teamId, target, limit));
  }

  @Override
  public List<StoredCommand> dueCommands(long now, int limit) {
    return db.read(c -> CommandSql.due(c, now, limit));
  }

  @Override
  public StoredCommand updateCommand(String teamId, String commandId, Set<String> from,
      String to, int attempts, long nextAttemptAt, String output, long at) {
    // The UPDATE's compare-and-set on the status holds the row until commit, so updates of one
    // command from two nodes take turns and its event numbers stay in order.
    return db.write(c -> CommandSql.update(c, teamId, commandId, from, to, attempts,
        nextAttemptAt, output, at));
  }
}
