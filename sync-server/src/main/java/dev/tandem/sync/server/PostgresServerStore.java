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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
 */
public final class PostgresServerStore implements ServerStore {
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
  private static final long TOKEN_TTL_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final int TOKEN_CACHE_MAX = 10_000;

  private final HikariDataSource pool;
  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final String nodeId = UUID.randomUUID().toString();
  // Live tokens seen lately, as in the SQLite store. Revocations on any node clear entries here
  // through TOKEN_CHANNEL; the TTL bounds how long one missed notice could matter.
  private final ConcurrentHashMap<String, CachedOwner> tokenCache = new ConcurrentHashMap<>();
  private final AtomicLong revocations = new AtomicLong();
  private final List<PostgresListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private PostgresServerStore(String jdbcUrl, String user, String password, int poolSize) {
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
   * notices into {@code localHub} and drops the tokens of revoked devices from this store's cache.
   * It reconnects when the connection is lost and then catches up: every team {@code localHub}
   * serves is told its current sequence, and the token cache is emptied. Closed with the store.
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
  public <T> T inTeamTransaction(String teamId, TeamWork<T> work) {
    checkOpen();
    try (Connection c = connection()) {
      c.setAutoCommit(false);
      try {
        long start = lockTeam(c, teamId);
        Tx tx = new Tx(c, teamId, start);
        T result = work.run(tx);
        if (tx.seq != start) {
          try (PreparedStatement ps = c.prepareStatement(
              "UPDATE teams SET seq = ? WHERE team = ?")) {
            ps.setLong(1, tx.seq);
            ps.setString(2, teamId);
            ps.executeUpdate();
          }
          notify(c, LIVE_CHANNEL, nodeId + ' ' + tx.seq + ' ' + teamId);
        }
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        rollback(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw failure("server store transaction failed", e);
    }
  }

  /** Takes the team's sequence row for this transaction, creating it for a new team. */
  private static long lockTeam(Connection c, String teamId) throws SQLException {
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
  public List<Change> changesSince(String teamId, long afterSeq, int limit) {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT type, id, op, hlc, base_hlc, data, seq, origin FROM records"
              + " WHERE team = ? AND seq > ? ORDER BY seq LIMIT ?")) {
        ps.setString(1, teamId);
        ps.setLong(2, afterSeq);
        ps.setInt(3, limit);
        List<Change> out = new ArrayList<>(Math.min(limit, 1024));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(change(rs));
          }
        }
        return out;
      }
    });
  }

  @Override
  public PullPage pullPage(String teamId, long afterSeq, int limit, String deviceId) {
    return read(c -> {
      // The committed sequence first, then rows up to it (two snapshots): every change numbered
      // up to S committed with S, and later ones are numbered above it (see the class comment).
      long teamSeq = selectSeq(c, teamId);
      if (afterSeq >= teamSeq) {
        return new PullPage(List.of(), false, afterSeq, teamSeq);
      }
      List<Change> out = new ArrayList<>(Math.min(limit + 1, 1024));
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT type, id, op, hlc, base_hlc, data, seq, origin FROM records"
              + " WHERE team = ? AND seq > ? AND seq <= ? AND origin <> ? ORDER BY seq LIMIT ?")) {
        ps.setString(1, teamId);
        ps.setLong(2, afterSeq);
        ps.setLong(3, teamSeq);
        ps.setString(4, deviceId == null ? "" : deviceId);
        ps.setInt(5, limit + 1);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(change(rs));
          }
        }
      }
      boolean more = out.size() > limit;
      if (more) {
        out = out.subList(0, limit);
      }
      if (afterSeq > 0) {
        // After the rows: a purge that removed a delete from them has raised the floor by now.
        long purged = selectLong(c, "SELECT purged_seq FROM teams WHERE team = ?", teamId);
        if (afterSeq < purged) {
          throw new CursorExpiredException(afterSeq, purged);
        }
      }
      return new PullPage(out, more, more ? out.get(limit - 1).seq() : teamSeq, teamSeq);
    });
  }

  /** Deletes removed per transaction: pushes of a team wait for one chunk at most. */
  private static final int RETENTION_CHUNK = 2000;

  @Override
  public RetentionResult applyRetention(long tombstonesStoredBefore, long batchesStoredBefore) {
    // One row per record: nothing to compact.
    long tombstones = 0;
    while (true) {
      int n = write("retention failed", c -> purgeTombstoneChunk(c, tombstonesStoredBefore));
      tombstones += n;
      if (n < RETENTION_CHUNK) {
        break;
      }
    }
    long batches = write("retention failed", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM batches WHERE created_at < ?")) {
        ps.setLong(1, batchesStoredBefore);
        return ps.executeUpdate();
      }
    });
    return new RetentionResult(0, tombstones, batches);
  }

  /**
   * Removes up to a chunk of deletes stored before {@code before}, raising each team's floor in
   * the same transaction (so no reader sees a delete gone without the floor that refuses the
   * cursors which missed it). A row rewritten since it was selected keeps its newer version.
   */
  private static int purgeTombstoneChunk(Connection c, long before) throws SQLException {
    List<String[]> rows = new ArrayList<>();
    java.util.Map<String, Long> maxSeq = new java.util.TreeMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT team, type, id, seq FROM records"
        + " WHERE op = 'delete' AND stored_at < ? LIMIT ?")) {
      ps.setLong(1, before);
      ps.setInt(2, RETENTION_CHUNK);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3),
              Long.toString(rs.getLong(4))});
          maxSeq.merge(rs.getString(1), rs.getLong(4), Math::max);
        }
      }
    }
    if (rows.isEmpty()) {
      return 0;
    }
    // Teams in a fixed order: two nodes purging at once take the team rows alike.
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE teams SET purged_seq = GREATEST(purged_seq, ?) WHERE team = ?")) {
      for (java.util.Map.Entry<String, Long> e : maxSeq.entrySet()) {
        ps.setLong(1, e.getValue());
        ps.setString(2, e.getKey());
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM records"
        + " WHERE team = ? AND type = ? AND id = ? AND seq = ? AND op = 'delete'")) {
      for (String[] r : rows) {
        ps.setString(1, r[0]);
        ps.setString(2, r[1]);
        ps.setString(3, r[2]);
        ps.setLong(4, Long.parseLong(r[3]));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return rows.size();
  }

  private static long selectLong(Connection c, String sql, String teamId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, teamId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  @Override
  public long currentSeq(String teamId) {
    return read(c -> selectSeq(c, teamId));
  }

  @Override
  public void replaceToken(String tokenHash, String teamId, String deviceId, long expiresAt) {
    tokenWrite("cannot save the token", teamId, deviceId, c -> {
      revoke(c, teamId, deviceId);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO tokens"
          + " (hash, team, device, revoked, created_at, expires_at)"
          + " VALUES (?, ?, ?, FALSE, ?, ?)")) {
        ps.setString(1, tokenHash);
        ps.setString(2, teamId);
        ps.setString(3, deviceId);
        ps.setLong(4, System.currentTimeMillis());
        if (expiresAt > 0) {
          ps.setLong(5, expiresAt);
        } else {
          ps.setNull(5, java.sql.Types.BIGINT);
        }
        ps.executeUpdate();
      }
      return 0;
    });
  }

  @Override
  public int revokeTokens(String teamId, String deviceId) {
    return tokenWrite("cannot revoke tokens", teamId, deviceId,
        c -> revoke(c, teamId, deviceId));
  }

  private static int revoke(Connection c, String teamId, String deviceId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE tokens SET revoked = TRUE WHERE team = ? AND device = ? AND NOT revoked")) {
      ps.setString(1, teamId);
      ps.setString(2, deviceId);
      return ps.executeUpdate();
    }
  }

  private int tokenWrite(String what, String teamId, String deviceId, SqlWork<Integer> work) {
    checkOpen();
    try (Connection c = connection()) {
      c.setAutoCommit(false);
      try {
        int n = work.run(c);
        notify(c, TOKEN_CHANNEL, teamId + ' ' + deviceId);
        c.commit();
        return n;
      } catch (SQLException | RuntimeException e) {
        rollback(c, e);
        throw e;
      } finally {
        forgetDevice(teamId, deviceId);
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  @Override
  public TokenOwner findToken(String tokenHash) {
    CachedOwner cached = tokenCache.get(tokenHash);
    if (cached != null && System.nanoTime() - cached.checkedAt < TOKEN_TTL_NANOS) {
      checkOpen();
      return cached.owner;
    }
    long revocationsBefore = revocations.get();
    TokenOwner owner = read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT team, device, expires_at FROM tokens WHERE hash = ? AND NOT revoked")) {
        ps.setString(1, tokenHash);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? new TokenOwner(rs.getString(1), rs.getString(2), rs.getLong(3))
              : null;
        }
      }
    });
    if (owner == null) {
      tokenCache.remove(tokenHash);
      return null;
    }
    if (tokenCache.size() >= TOKEN_CACHE_MAX) {
      tokenCache.clear();
    }
    tokenCache.put(tokenHash, new CachedOwner(owner, System.nanoTime()));
    // A revocation heard during the query may predate this answer's snapshot or not: drop it.
    if (revocations.get() != revocationsBefore) {
      tokenCache.remove(tokenHash);
    }
    return owner;
  }

  /** Drops the cached tokens of a device whose tokens changed, here or on another node. */
  void forgetDevice(String teamId, String deviceId) {
    revocations.incrementAndGet();
    tokenCache.values().removeIf(e -> e.owner.isDevice(teamId, deviceId));
  }

  /** Drops every cached token: after the listener was away, any of them may have been revoked. */
  void forgetAllTokens() {
    revocations.incrementAndGet();
    tokenCache.clear();
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

  private record CachedOwner(TokenOwner owner, long checkedAt) {}

  private final class Tx implements TeamTransaction {
    final Connection c;
    final String team;
    long seq;

    Tx(Connection c, String team, long start) {
      this.c = c;
      this.team = team;
      this.seq = start;
    }

    @Override
    public String batchResponse(String deviceId, String batchId) {
      return sql(() -> {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT response FROM batches WHERE team = ? AND device = ? AND batch_id = ?")) {
          ps.setString(1, team);
          ps.setString(2, deviceId);
          ps.setString(3, batchId);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
          }
        }
      });
    }

    @Override
    public void saveBatchResponse(String deviceId, String batchId, String responseJson) {
      sql(() -> {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO batches"
            + " (team, device, batch_id, response, created_at) VALUES (?, ?, ?, ?, ?)")) {
          ps.setString(1, team);
          ps.setString(2, deviceId);
          ps.setString(3, batchId);
          ps.setString(4, responseJson);
          ps.setLong(5, System.currentTimeMillis());
          return ps.executeUpdate();
        }
      });
    }

    @Override
    public Change current(String type, String id) {
      return sql(() -> {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT type, id, op, hlc, base_hlc, data, seq, origin FROM records"
                + " WHERE team = ? AND type = ? AND id = ?")) {
          ps.setString(1, team);
          ps.setString(2, type);
          ps.setString(3, id);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? change(rs) : null;
          }
        }
      });
    }

    @Override
    public String currentHlc(String type, String id) {
      Change ch = current(type, id);
      return ch == null ? null : ch.hlc();
    }

    @Override
    public Map<String, String> currentHlcs(List<Change> changes) {
      // One query per type, the ids as one array parameter.
      Map<String, List<String>> idsByType = new LinkedHashMap<>();
      for (Change ch : changes) {
        idsByType.computeIfAbsent(ch.type(), t -> new ArrayList<>()).add(ch.id());
      }
      Map<String, String> out = new HashMap<>();
      for (Map.Entry<String, List<String>> e : idsByType.entrySet()) {
        String type = e.getKey();
        sql(() -> {
          try (PreparedStatement ps = c.prepareStatement(
              "SELECT id, hlc FROM records WHERE team = ? AND type = ? AND id = ANY (?)")) {
            Array ids = c.createArrayOf("text", e.getValue().toArray());
            ps.setString(1, team);
            ps.setString(2, type);
            ps.setArray(3, ids);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.put(TeamTransaction.recordKey(type, rs.getString(1)), rs.getString(2));
              }
            }
            ids.free();
          }
          return null;
        });
      }
      return out;
    }

    @Override
    public void putAll(List<Change> changes, String originDevice) {
      if (changes.isEmpty()) {
        return;
      }
      // One statement, executed as a JDBC batch: pgjdbc sends every row in one round trip and
      // PostgreSQL applies them in order, so a record twice in the batch ends as its last copy.
      long next = seq;
      try {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
          for (Change change : changes) {
            next++;
            bindUpsert(ps, change, originDevice, next);
            ps.addBatch();
          }
          ps.executeBatch();
        }
      } catch (SQLException e) {
        throw failure("server store query failed", e);
      }
      seq = next;
    }

    @Override
    public long put(Change change, String originDevice) {
      long next = seq + 1;
      sql(() -> {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
          bindUpsert(ps, change, originDevice, next);
          return ps.executeUpdate();
        }
      });
      seq = next;
      return next;
    }

    private void bindUpsert(PreparedStatement ps, Change change, String origin, long s)
        throws SQLException {
      ps.setString(1, team);
      ps.setString(2, change.type());
      ps.setString(3, change.id());
      ps.setString(4, change.op());
      ps.setString(5, change.hlc());
      ps.setString(6, change.baseHlc());
      ps.setString(7, change.isDelete() ? null : change.data());
      ps.setString(8, origin);
      ps.setLong(9, s);
      ps.setLong(10, System.currentTimeMillis());
    }

    @Override
    public long seq() {
      return seq;
    }
  }

  private static final String UPSERT =
      "INSERT INTO records (team, type, id, op, hlc, base_hlc, data, origin, seq, stored_at)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team, type, id) DO UPDATE SET"
          + " op = excluded.op, hlc = excluded.hlc, base_hlc = excluded.base_hlc,"
          + " data = excluded.data, origin = excluded.origin, seq = excluded.seq,"
          + " stored_at = excluded.stored_at";

  private static Change change(ResultSet rs) throws SQLException {
    return new Change(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        rs.getString(5), rs.getString(6), rs.getLong(7), rs.getString(8));
  }

  private static long selectSeq(Connection c, String teamId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM teams WHERE team = ?")) {
      ps.setString(1, teamId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private static void notify(Connection c, String channel, String payload) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, payload);
      ps.execute();
    }
  }

  private static void rollback(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
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

  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private interface Query<T> {
    T run() throws SQLException;
  }

  private static <T> T sql(Query<T> work) {
    try {
      return work.run();
    } catch (SQLException e) {
      throw failure("server store query failed", e);
    }
  }

  /** Sends {@code notice} to the other nodes on {@value #DEVICE_CHANNEL}, at once. */
  @Override
  public void announce(String teamId, String notice) {
    if (notice.length() > MAX_NOTICE_CHARS) {
      throw new IllegalArgumentException("notice over " + MAX_NOTICE_CHARS + " characters");
    }
    write("cannot announce to the other nodes", c -> {
      notify(c, DEVICE_CHANNEL, nodeId + ' ' + teamId + ' ' + notice);
      return null;
    });
  }

  // ---- devices and commands (the SQL, shared with SQLite, is in CommandSql) ----

  private final CommandStore commands = new SqlCommandStore(new SqlCommandStore.Db() {
    @Override
    public <T> T read(SqlCommandStore.Sql<T> work) {
      return PostgresServerStore.this.read(work::run);
    }

    @Override
    public <T> T write(SqlCommandStore.Sql<T> work) {
      return PostgresServerStore.this.write("server store query failed", work::run);
    }
  });

  @Override
  public CommandStore commands() {
    return commands;
  }

  /** Runs {@code work} in one transaction of its own. */
  private <T> T write(String what, SqlWork<T> work) {
    checkOpen();
    try (Connection c = connection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollback(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  private <T> T read(SqlWork<T> work) {
    checkOpen();
    try (Connection c = connection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw failure("server store query failed", e);
    }
  }

  private static ServerStoreException failure(String what, SQLException e) {
    return new ServerStoreException(what + ": " + e.getMessage(), e);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("server store is closed");
    }
  }
}
