package dev.tandem.sync.sqlite;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link SqlDriver} over the default one that records every statement it is asked to run, the
 * way a host's own driver would see them: proof that the store's SQL goes through the seam.
 */
final class RecordingDriver implements SqlDriver {
  final Set<String> sql = Collections.synchronizedSet(new HashSet<>());
  final AtomicInteger opened = new AtomicInteger();
  final AtomicInteger transactions = new AtomicInteger();
  private final SqlDriver inner = SqlDriver.sqliteJdbc();

  @Override
  public SqlConnection open(Path path, boolean readOnly) throws SQLException {
    SqlConnection c = inner.open(path, readOnly);
    opened.incrementAndGet();
    return new SqlConnection() {
      @Override
      public SqlStatement prepare(String s) throws SQLException {
        sql.add(s);
        return c.prepare(s);
      }

      @Override
      public void execute(String s) throws SQLException {
        sql.add(s);
        c.execute(s);
      }

      @Override
      public void beginImmediate() throws SQLException {
        transactions.incrementAndGet();
        c.beginImmediate();
      }

      @Override
      public void commit() throws SQLException {
        c.commit();
      }

      @Override
      public void rollback() throws SQLException {
        c.rollback();
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }

  boolean ran(String fragment) {
    synchronized (sql) {
      return sql.stream().anyMatch(s -> s.contains(fragment));
    }
  }
}
