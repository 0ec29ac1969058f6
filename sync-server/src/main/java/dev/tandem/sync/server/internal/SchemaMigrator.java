package dev.tandem.sync.server.internal;

import dev.tandem.sync.server.ServerStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings a server database to the newest schema: versioned SQL resources
 * {@code db/<dialect>/V<n>__<description>.sql}, named in order by {@code db/<dialect>/index.txt},
 * applied at start in one transaction and recorded in {@code schema_migrations} with the SHA-256
 * of their text.
 *
 * <p>An applied migration whose text has changed since is refused rather than run or skipped: the
 * database and the code would disagree on what the schema is, and nothing short of a person can
 * say which is right. A database that has applied a version this code does not know was upgraded
 * by a newer server and is refused too.
 *
 * <p>A statement may name the time of the migration as {@code :now} (epoch milliseconds on the
 * caller's clock); it is written in as a number before the statement runs.
 */
public final class SchemaMigrator {
  private static final Pattern NAME = Pattern.compile("V([1-9][0-9]*)__([A-Za-z0-9_]+)\\.sql");

  /** One migration: its version, description, statements and checksum. */
  public record Migration(int version, String description, List<String> statements,
      String checksum) {}

  /** Work the caller does inside the migration transaction, on the migrating connection. */
  @FunctionalInterface
  public interface Step {
    void run(Connection c) throws SQLException;
  }

  /**
   * Tells whether a database already has the changes of a migration it has not recorded: a server
   * from before that change was versioned made them at every open. Such a migration is recorded
   * without running its statements.
   */
  @FunctionalInterface
  public interface Probe {
    boolean alreadyApplied(Connection c, Migration m) throws SQLException;
  }

  private final String dialect;
  private final List<Migration> migrations;

  private SchemaMigrator(String dialect, List<Migration> migrations) {
    this.dialect = dialect;
    this.migrations = migrations;
  }

  /** Loads the migrations of {@code dialect} ({@code sqlite}, {@code postgres}) from the classpath. */
  public static SchemaMigrator load(String dialect) {
    String dir = "db/" + dialect + "/";
    String index = resource(dir + "index.txt");
    Map<Integer, Migration> byVersion = new TreeMap<>();
    for (String line : index.split("\n")) {
      String name = line.strip();
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      Matcher m = NAME.matcher(name);
      if (!m.matches()) {
        throw new IllegalStateException("bad migration name " + name + " in " + dir + "index.txt");
      }
      String text = resource(dir + name);
      Migration mig = new Migration(Integer.parseInt(m.group(1)), m.group(2), split(text),
          checksum(text));
      if (byVersion.put(mig.version(), mig) != null) {
        throw new IllegalStateException("migration version " + mig.version() + " twice in " + dir);
      }
    }
    List<Migration> list = new ArrayList<>(byVersion.values());
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).version() != i + 1) {
        throw new IllegalStateException("migrations of " + dir + " must be numbered 1, 2, 3, …");
      }
    }
    return new SchemaMigrator(dialect, List.copyOf(list));
  }

  /** The known migrations, oldest first. */
  public List<Migration> migrations() {
    return migrations;
  }

  /**
   * Applies every migration {@code c}'s database lacks, in one transaction. {@code lock} runs
   * first in that transaction (to keep two servers starting at once from migrating together);
   * {@code beforeFirst} runs only for a database that has no {@code schema_migrations} table yet,
   * before the migrations, to bring a file made before migrations existed to the first version's
   * shape. Returns the versions applied now.
   *
   * @throws ServerStoreException if an applied migration changed, the database is newer than
   *     this code, or a statement fails (then nothing is applied)
   */
  public List<Integer> migrate(Connection c, Step lock, Step beforeFirst, long nowMillis) {
    return migrate(c, lock, beforeFirst, null, nowMillis);
  }

  /**
   * As {@link #migrate(Connection, Step, Step, long)}; a pending migration that {@code adopt}
   * finds already in place is recorded without running its statements (see {@link Probe}).
   */
  public List<Integer> migrate(Connection c, Step lock, Step beforeFirst, Probe adopt,
      long nowMillis) {
    boolean autoCommit;
    try {
      autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
    } catch (SQLException e) {
      throw new ServerStoreException("cannot start the schema migration: " + e.getMessage(), e);
    }
    try {
      if (lock != null) {
        lock.run(c);
      }
      boolean fresh = !hasMigrationsTable(c);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            + " description TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)");
      }
      if (fresh && beforeFirst != null) {
        beforeFirst.run(c);
      }
      Map<Integer, String> applied = new TreeMap<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT version, checksum FROM schema_migrations")) {
        while (rs.next()) {
          applied.put(rs.getInt(1), rs.getString(2));
        }
      }
      for (Map.Entry<Integer, String> e : applied.entrySet()) {
        int v = e.getKey();
        if (v < 1 || v > migrations.size()) {
          throw new ServerStoreException("the database has schema version " + v + ", which this"
              + " server does not know (it knows 1 to " + migrations.size() + "): it was upgraded"
              + " by a newer server; run that version", null);
        }
        Migration m = migrations.get(v - 1);
        if (!m.checksum().equals(e.getValue())) {
          throw new ServerStoreException("schema migration V" + v + "__" + m.description()
              + " (" + dialect + ") was changed after it was applied: checksum "
              + e.getValue() + " in the database, " + m.checksum() + " in this server."
              + " Restore the original migration and add a new one instead", null);
        }
      }
      List<Integer> done = new ArrayList<>();
      for (Migration m : migrations) {
        if (applied.containsKey(m.version())) {
          continue;
        }
        try (Statement s = c.createStatement()) {
          if (adopt == null || !adopt.alreadyApplied(c, m)) {
            for (String sql : m.statements()) {
              s.execute(sql.replace(":now", Long.toString(nowMillis)));
            }
          }
        } catch (SQLException e) {
          throw new ServerStoreException("schema migration V" + m.version() + "__"
              + m.description() + " (" + dialect + ") failed: " + e.getMessage(), e);
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO schema_migrations"
            + " (version, description, checksum, applied_at) VALUES (?, ?, ?, ?)")) {
          ps.setInt(1, m.version());
          ps.setString(2, m.description());
          ps.setString(3, m.checksum());
          ps.setLong(4, nowMillis);
          ps.executeUpdate();
        }
        done.add(m.version());
      }
      c.commit();
      return done;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new ServerStoreException("schema migration failed: " + e.getMessage(), e);
    } finally {
      try {
        c.setAutoCommit(autoCommit);
      } catch (SQLException ignored) {
        // The connection is broken; the caller's next use reports it.
      }
    }
  }

  private boolean hasMigrationsTable(Connection c) throws SQLException {
    // A query that answers either way, not a failing SELECT: a failed statement aborts a
    // PostgreSQL transaction. (SQLite's JDBC metadata keeps statements open, which then blocks
    // the commit.)
    String sql = dialect.equals("postgres")
        ? "SELECT to_regclass('schema_migrations') IS NOT NULL"
        : "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table'"
            + " AND name = 'schema_migrations'";
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  /**
   * Splits a migration into statements at semicolons that end a line; lines starting with
   * {@code --} are comments. The migrations are ours, so this does not need to understand
   * quoted semicolons.
   */
  static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("--")) {
        continue;
      }
      if (t.endsWith(";")) {
        sb.append(t, 0, t.length() - 1);
        out.add(sb.toString().strip());
        sb.setLength(0);
      } else {
        sb.append(t).append(' ');
      }
    }
    if (!sb.toString().isBlank()) {
      out.add(sb.toString().strip());
    }
    return out;
  }

  /** SHA-256 of the text with line ends normalised, so a checkout's CRLF changes nothing. */
  static String checksum(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] hash = md.digest(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String resource(String path) {
    try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path, e);
    }
  }
}
