package dev.tandem.sync.sqlite.internal;

import dev.tandem.sync.ClosedException;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.sqlite.SqlConnection;
import dev.tandem.sync.sqlite.SqlDriver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The connections of one database file: one writer, guarded by a lock, and a small pool of
 * read-only readers, so that in WAL mode readers never wait for the writer. Also checks the file
 * before SQLite sees it and turns {@link SQLException}s into {@link StoreException}s.
 */
public final class Pool {
  /** Work on one connection. */
  public interface Work<R> {
    R run(Conn c) throws SQLException;
  }

  private static final int IDLE_READERS = 4;
  private static final int BUSY_TIMEOUT_MS = 5000;
  private static final byte[] SQLITE_HEADER =
      "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  // SQLite's primary result codes.
  private static final int SQLITE_READONLY = 8;
  private static final int SQLITE_CORRUPT = 11;
  private static final int SQLITE_NOTADB = 26;

  private final Path path;
  private final SqlDriver driver;
  private final boolean synchronousFull;
  private final boolean readOnly;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Conn writer;
  private final ConcurrentLinkedDeque<Conn> idleReaders = new ConcurrentLinkedDeque<>();
  private volatile boolean closed;

  private Pool(Path path, SqlDriver driver, boolean synchronousFull, boolean readOnly) {
    this.path = path;
    this.driver = driver;
    this.synchronousFull = synchronousFull;
    this.readOnly = readOnly;
    this.writer = connect(false);
  }

  /**
   * Checks {@code path} and opens its writer. An existing file this process cannot write is
   * opened read-only ({@link #readOnly()}).
   */
  public static Pool open(Path path, SqlDriver driver, boolean synchronousFull) {
    return new Pool(path, driver, synchronousFull, checkFile(path));
  }

  public Path path() {
    return path;
  }

  /** Returns true if the file was opened read-only because this process cannot write it. */
  public boolean readOnly() {
    return readOnly;
  }

  /** The writer; use it only while holding {@link #writeLock()}. */
  public Conn writer() {
    return writer;
  }

  public ReentrantLock writeLock() {
    return writeLock;
  }

  public StoreException readOnlyFailure() {
    return new StoreException(Reason.STORE_FAILURE, "the database " + path + " is read-only"
        + " (the file or its directory is not writable), so it was opened for reading only");
  }

  /**
   * Checks the path before SQLite sees it; returns true if the file exists and must be opened
   * read-only.
   */
  private static boolean checkFile(Path path) {
    Path dir = path.getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      try {
        Files.createDirectories(dir);
      } catch (IOException | SecurityException e) {
        throw new StoreException(Reason.STORE_FAILURE, "cannot create the directory " + dir
            + " for the database " + path + ": " + e, e);
      }
    }
    if (Files.isDirectory(path)) {
      throw new StoreException(Reason.STORE_FAILURE, "database path " + path + " is a directory");
    }
    boolean readOnly = false;
    if (Files.exists(path)) {
      if (!Files.isReadable(path)) {
        throw new StoreException(Reason.STORE_FAILURE,
            "database file " + path + " is not readable");
      }
      // WAL needs the -wal and -shm files next to the database, so a read-only directory makes
      // the store read-only too.
      readOnly = !Files.isWritable(path) || (dir != null && !Files.isWritable(dir));
      byte[] head = new byte[SQLITE_HEADER.length];
      int n = 0;
      try (InputStream in = Files.newInputStream(path)) {
        while (n < head.length) {
          int r = in.read(head, n, head.length - n);
          if (r < 0) {
            break;
          }
          n += r;
        }
      } catch (IOException e) {
        throw new StoreException(Reason.STORE_FAILURE, "cannot read " + path + ": " + e, e);
      }
      // An empty file is what SQLite itself creates before the first write: accept it.
      if (n > 0 && (n < head.length || !Arrays.equals(head, SQLITE_HEADER))) {
        throw new StoreException(Reason.CORRUPT_DATABASE,
            path + " is not a SQLite database (wrong file header)");
      }
    } else if (dir != null && !Files.isWritable(dir)) {
      throw new StoreException(Reason.STORE_FAILURE,
          "cannot create the database " + path + ": directory " + dir + " is not writable");
    }
    return readOnly;
  }

  /** Opens a connection: the writer, or a reader ({@code reader}) of a writable store. */
  private Conn connect(boolean reader) {
    SqlConnection sql = null;
    try {
      sql = driver.open(path, readOnly);
      Conn conn = new Conn(sql);
      conn.exec("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MS);
      conn.exec("PRAGMA temp_store = MEMORY");
      if (readOnly) {
        conn.exec("PRAGMA query_only = 1");
        return conn;
      }
      if (!reader) {
        String mode = conn.queryFirst("PRAGMA journal_mode", rs -> rs.getString(1));
        if (!"wal".equalsIgnoreCase(mode)) {
          conn.exec("PRAGMA journal_mode = WAL");
        }
      }
      conn.exec("PRAGMA synchronous = " + (synchronousFull ? "FULL" : "NORMAL"));
      if (reader) {
        conn.exec("PRAGMA query_only = 1");
      }
      return conn;
    } catch (SQLException e) {
      if (sql != null) {
        sql.close();
      }
      throw translate(path, "cannot open the " + (readOnly ? "read-only " : "") + "database "
          + path, e);
    }
  }

  public static StoreException translate(Path path, String what, SQLException e) {
    int code = e.getErrorCode() & 0xff;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
      return new StoreException(Reason.CORRUPT_DATABASE,
          path + " is not a SQLite database or is damaged: " + e.getMessage(), e);
    }
    return new StoreException(Reason.STORE_FAILURE, what + ": " + e.getMessage(), e);
  }

  public RuntimeException failure(String what, SQLException e) {
    if (closed) {
      return new ClosedException("HybridStorageBackend");
    }
    if (readOnly && (e.getErrorCode() & 0xff) == SQLITE_READONLY) {
      StoreException ro = readOnlyFailure();
      ro.addSuppressed(e);
      return ro;
    }
    return translate(path, what + " failed on " + path, e);
  }

  public boolean closed() {
    return closed;
  }

  public void ensureOpen() {
    if (closed) {
      throw new ClosedException("HybridStorageBackend");
    }
  }

  /** Runs {@code work} on a reader borrowed from the pool. */
  public <R> R read(String what, Work<R> work) {
    ensureOpen();
    Conn c = idleReaders.poll();
    if (c == null) {
      c = connect(true);
    }
    boolean ok = false;
    try {
      R r = work.run(c);
      ok = true;
      return r;
    } catch (SQLException e) {
      throw failure(what, e);
    } finally {
      if (ok && !closed && idleReaders.size() < IDLE_READERS) {
        idleReaders.push(c);
        if (closed && idleReaders.remove(c)) {
          c.close();
        }
      } else {
        c.close();
      }
    }
  }

  /** Runs {@code work} while holding the write lock, checking before and after the wait. */
  public <R> R locked(Supplier<R> work) {
    ensureOpen();
    writeLock.lock();
    try {
      ensureOpen();
      return work.get();
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Starts the writer's transaction. A transaction still open here is one an earlier failure
   * left behind (SQLite keeps some open after SQLITE_FULL or an I/O error, and a failed
   * ROLLBACK leaves it so): it is rolled back and the BEGIN tried once more, so that one failed
   * task does not fail every later one with "cannot start a transaction within a transaction".
   */
  public void begin() {
    if (readOnly) {
      throw readOnlyFailure();
    }
    try {
      writer.begin();
    } catch (SQLException first) {
      if (first.getMessage() == null || !first.getMessage().contains("within a transaction")) {
        throw failure("begin transaction", first);
      }
      writer.rollbackQuietly();
      try {
        writer.begin();
      } catch (SQLException e) {
        throw failure("begin transaction", e);
      }
    }
  }

  /** Drops cached statements of every connection, after the schema changed. */
  public void schemaChanged() {
    writer.clearCache();
    Conn c;
    while ((c = idleReaders.poll()) != null) {
      c.close();
    }
  }

  /**
   * Waits up to 5 s for a write transaction in progress, then closes every connection.
   * Idempotent.
   */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    boolean locked = false;
    try {
      locked = writeLock.tryLock(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      writer.close();
      Conn c;
      while ((c = idleReaders.poll()) != null) {
        c.close();
      }
    } finally {
      if (locked) {
        writeLock.unlock();
      }
    }
  }
}
