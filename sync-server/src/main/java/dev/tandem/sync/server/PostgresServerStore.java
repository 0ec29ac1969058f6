package dev.tandem.sync.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.server.internal.SchemaMigrator;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A {@link ServerStore} on PostgreSQL, which any number of server nodes may share.
 *
 * <p>Each team's sequence lives in its own row of {@code teams}. A push transaction takes that
 * row with {@code SELECT ... FOR UPDATE}, numbers its changes from it and writes it back, so the
 * pushes of one team queue behind each other (on every node) while other teams' pushes go on in
 * parallel. Because the next transaction of the team can only read the row once the previous one
 * committed, a team's numbers become visible in order: a pull that reads the team's sequence
 * {@code S} and then the rows up to {@code S} cannot miss a change that commits later with a
 * lower number, since there is none (docs/server-postgres.md).
 *
 * <p>What one node does that others must know travels through {@code NOTIFY}, sent inside the
 * transaction that made it so (delivered on commit, never for a rolled-back one): a team's new
 * sequence on {@value #LIVE_CHANNEL}, a device whose tokens changed on {@value #TOKEN_CHANNEL}.
 * {@link #listen} starts this node's listener.
 *
 * <p>The SQL it shares with SQLite is in {@link JdbcServerStore}; here are the pool, the row lock
 * on the team, the array lookup and batched upsert of a push, and the notices.
 */
public final class PostgresServerStore extends JdbcServerStore {
  /** The channel of "a team's sequence moved": payload {@code <node> <seq> <team>}. */
  public static final String LIVE_CHANNEL = "tandem_live";
  /** The channel of "a device's tokens changed": payload {@code <team> <device>}. */
  public static final String TOKEN_CHANNEL = "tandem_tokens";
  /** The channel of {@link #announce}: device and command notices between nodes. */
  public static final String DEVICE_CHANNEL = "tandem_devices";
  /** Default size of the connection pool. */
  public static final int DEFAULT_POOL_SIZE = 10;

  // Any constant; it only has to be the same on every node.
  private static final long MIGRATION_LOCK = 0x74616e64656dL;
  private static final long POOL_WAIT_MILLIS = 2000;

  private final HikariDataSource pool;
  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final String nodeId = UUID.randomUUID().toString();
  private final List<PostgresListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  private PostgresServerStore(String jdbcUrl, String user, String password, int poolSize) {
    super(dev.tandem.sync.Clock.SYSTEM);
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(Math.min(2, poolSize));
    config.setConnectionTimeout(POOL_WAIT_MILLIS);
    config.setPoolName("tandem-pg");
    // A database that is down at start is an error at start, not at the first request.
    config.setInitializationFailTimeout(1);
    config.addDataSourceProperty("ApplicationName", "tandem-server");
    pool = new HikariDataSource(config);
    try (Connection c = pool.getConnection()) {
      SchemaMigrator.load("postgres").migrate(c, lock -> {
        try (PreparedStatement ps = lock.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
          ps.setLong(1, MIGRATION_LOCK);
          ps.execute();
        }
      }, null, System.currentTimeMillis());
    } catch (SQLException | RuntimeException e) {
      pool.close();
      if (e instanceof ServerStoreException se) {
        throw se;
      }
      throw new ServerStoreException("cannot open the PostgreSQL store: " + e.getMessage(), e);
    }
  }

  /**
   * Connects to the database at {@code jdbcUrl} ({@code jdbc:postgresql://host:port/db}) and
   * brings its schema up to date.
   *
   * @param user the database user, or null to take it from the URL
   * @param password the password, or null to take it from the URL (or for none)
   * @throws ServerStoreException if the database cannot be reached or its schema is refused
   */
  public static PostgresServerStore open(String jdbcUrl, String user, String password) {
    return open(jdbcUrl, user, password, DEFAULT_POOL_SIZE);
  }

  /** Like {@link #open(String, String, String)} with a pool of {@code poolSize} connections. */
  public static PostgresServerStore open(String jdbcUrl, String user, String password,
      int poolSize) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
    }
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be at least 1: " + poolSize);
    }
    try {
      return new PostgresServerStore(jdbcUrl, user, password, poolSize);
    } catch (RuntimeException e) {
      if (e instanceof ServerStoreException || e instanceof IllegalArgumentException) {
        throw e;
      }
      // Hikari's own failure to connect at start.
      throw new ServerStoreException("cannot open the PostgreSQL store: " + e.getMessage(), e);
    }
  }

  /** This node's id in the notices it sends (a node skips its own live notices). */
  public String nodeId() {
    return nodeId;
  }

  /**
   * Starts this node's listener: one connection that {@code LISTEN}s, feeds other nodes' live
   * notices into {@code localHub} and tells the token listeners ({@link #addTokenListener}) of
   * devices whose tokens other nodes changed.
   * It reconnects when the connection is lost and then catches up: every team {@code localHub}
   * serves is told its current sequence, and the token listeners that any token may have changed.
   * Closed with the store.
   */
  public PostgresListener listen(LiveHub localHub) {
    checkOpen();
    PostgresListener l = new PostgresListener(this, localHub);
    listeners.add(l);
    l.start();
    return l;
  }

  /** The listeners {@link #listen} started, oldest first. */
  public List<PostgresListener> listeners() {
    return List.copyOf(listeners);
  }

  String jdbcUrl() {
    return jdbcUrl;
  }

  String user() {
    return user;
  }

  String password() {
    return password;
  }

  @Override
  Connection acquireReader() throws SQLException {
    return connection();
  }

  @Override
  void releaseReader(Connection c) {
    closeQuietly(c);
  }

  @Override
  Connection acquireWriter() throws SQLException {
    return connection();
  }

  @Override
  void releaseWriter(Connection c) {
    closeQuietly(c);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // Back to the pool or gone; the pool notices a broken connection itself.
    }
  }

  @Override
  <T> T withStatement(Connection c, String sql, StatementWork<T> work) throws SQLException {
    // pgjdbc keeps the server-side statement per connection itself; nothing to cache here.
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      return work.run(ps);
    }
  }

  /** Takes the team's sequence row for this transaction, creating it for a new team. */
  @Override
  long lockTeam(Connection c, String teamId) throws SQLException {
    for (int attempt = 0; attempt < 2; attempt++) {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT seq FROM teams WHERE team = ? FOR UPDATE")) {
        ps.setString(1, teamId);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return rs.getLong(1);
          }
        }
      }
      // Two nodes may create the row at once; the loser's insert does nothing and its second
      // SELECT waits for the winner's row lock.
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO teams (team, seq) VALUES (?, 0) ON CONFLICT (team) DO NOTHING")) {
        ps.setString(1, teamId);
        ps.executeUpdate();
      }
    }
    throw new ServerStoreException("cannot lock the sequence of team " + teamId, null);
  }

  @Override
  void seqMoved(Connection c, String teamId, long seq) throws SQLException {
    notify(c, LIVE_CHANNEL, nodeId + ' ' + seq + ' ' + teamId);
  }

  @Override
  void tokensChanging(Connection c, String teamId, String deviceId) throws SQLException {
    notify(c, TOKEN_CHANNEL, teamId + ' ' + deviceId);
  }

  @Override
  void selectHlcs(Connection c, String team, String type, List<String> ids,
      Map<String, String> out) throws SQLException {
    // One query per type, the ids as one array parameter.
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT id, hlc FROM records WHERE team = ? AND type = ? AND id = ANY (?)")) {
      Array array = c.createArrayOf("text", ids.toArray());
      ps.setString(1, team);
      ps.setString(2, type);
      ps.setArray(3, array);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(TeamTransaction.recordKey(type, rs.getString(1)), rs.getString(2));
        }
      }
      array.free();
    }
  }

  @Override
  void upsertAll(Connection c, String team, List<Change> changes, String origin, long firstSeq,
      long storedAt) throws SQLException {
    // One statement, executed as a JDBC batch: pgjdbc sends every row in one round trip and
    // PostgreSQL applies them in order, so a record twice in the batch ends as its last copy.
    try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
      long seq = firstSeq;
      for (Change change : changes) {
        bindUpsert(ps, 1, team, change, origin, seq++, storedAt);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Drops the cached tokens of a device whose tokens another node changed. */
  void heardTokensChanged(String teamId, String deviceId) {
    tokensChanged(teamId, deviceId);
  }

  /** After the listener was away, any token may have been revoked unheard. */
  void missedTokenNotices() {
    anyTokenMayHaveChanged();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (PostgresListener l : listeners) {
      l.close();
    }
    pool.close();
  }

  boolean isClosed() {
    return closed;
  }

  // ---- internals ----

  private static void notify(Connection c, String channel, String payload) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, payload);
      ps.execute();
    }
  }

  private Connection connection() throws SQLException {
    try {
      return pool.getConnection();
    } catch (SQLTransientConnectionException e) {
      if (closed) {
        throw new IllegalStateException("server store is closed");
      }
      // Every connection busy for POOL_WAIT_MILLIS: load, answered with 503 overloaded.
      throw new ServerOverloadedException(
          "no database connection free after " + POOL_WAIT_MILLIS + " ms");
    }
  }

  /** Sends {@code notice} to the other nodes on {@value #DEVICE_CHANNEL}, at once. */
  @Override
  public void announce(String teamId, String notice) {
    if (notice.length() > MAX_NOTICE_CHARS) {
      throw new IllegalArgumentException("notice over " + MAX_NOTICE_CHARS + " characters");
    }
    transaction("cannot announce to the other nodes", c -> {
      notify(c, DEVICE_CHANNEL, nodeId + ' ' + teamId + ' ' + notice);
      return null;
    });
  }
}
