package dev.tandem.sync.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that fails a test class which leaves Tandem's threads, sockets or SQLite
 * files open after its last test: the check OkHttp's test rule makes for its connection pool, for
 * everything a {@code Tandem}, a transport, a store or a server holds.
 *
 * <pre>{@code
 * @ExtendWith(LeakCheck.class)
 * class MyAppSyncTest { ... }
 * }</pre>
 *
 * <p>Before the class's first test it notes what is open; after its last test it waits (by default
 * up to {@link #GRACE_MILLIS}, checking every few milliseconds, since executors and sockets wind down
 * on their own threads) until everything opened since is closed again, and otherwise fails the
 * class with a list of what is still open. It watches:
 *
 * <ul>
 *   <li>live threads whose names Tandem gives ({@link #THREAD_PREFIXES}: the engine's {@code Sync
 *       Dispatcher} and {@code Sync Listeners}, the transport's {@code Tandem Live Ping}, the
 *       server's {@code tandem-http} and {@code tandem-live} pools);
 *   <li>on Linux, the process's open TCP sockets and SQLite files (a database, its {@code -wal},
 *       {@code -shm} or {@code -journal}), read from {@code /proc/self/fd}. Elsewhere only threads
 *       are checked.
 * </ul>
 *
 * <p>Resources that a class opens and hands to a later class (a static server shared by a whole
 * suite) show up as leaks of the first class; keep such suites out of the check.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
  /** Name prefixes of the threads Tandem's modules start. */
  public static final List<String> THREAD_PREFIXES = Collections.unmodifiableList(
      Arrays.asList("Sync Dispatcher", "Sync Listeners", "Tandem ", "tandem-"));

  /** How long a class's resources may take to close after its last test, by default. */
  public static final long GRACE_MILLIS = 10_000;

  private static final Path FDS = Paths.get("/proc/self/fd");
  private static final List<String> SQLITE_SUFFIXES =
      Arrays.asList(".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite", ".sqlite3");
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LeakCheck.class);

  private final long graceMillis;

  /** A check that waits up to {@link #GRACE_MILLIS}; what {@code @ExtendWith} makes. */
  public LeakCheck() {
    this(GRACE_MILLIS);
  }

  /**
   * A check that waits up to {@code graceMillis} for resources to close, for {@code
   * @RegisterExtension}.
   *
   * @throws IllegalArgumentException if {@code graceMillis} is negative
   */
  public LeakCheck(long graceMillis) {
    if (graceMillis < 0) {
      throw new IllegalArgumentException("graceMillis must not be negative: " + graceMillis);
    }
    this.graceMillis = graceMillis;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getStore(NAMESPACE).put(context.getUniqueId(), open());
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    Object stored = context.getStore(NAMESPACE).remove(context.getUniqueId());
    if (!(stored instanceof Set)) {
      return;
    }
    @SuppressWarnings("unchecked")
    Set<String> before = (Set<String>) stored;
    List<String> leaked = leakedSince(before);
    long deadline = System.nanoTime() + graceMillis * 1_000_000L;
    while (!leaked.isEmpty() && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
      leaked = leakedSince(before);
    }
    if (!leaked.isEmpty()) {
      throw new AssertionError(context.getDisplayName() + " left open after its tests (still open "
          + graceMillis + " ms after the last one; close every Tandem, transport, store"
          + " and server a test opens): " + String.join(", ", leaked));
    }
  }

  private static List<String> leakedSince(Set<String> before) {
    List<String> out = new ArrayList<>();
    for (String item : open()) {
      if (!before.contains(item)) {
        out.add(item);
      }
    }
    return out;
  }

  /**
   * Returns what is open now, one line per thread or file descriptor. A thread is named with its
   * id and a descriptor with its number, so that a new one with a reused name or number counts as
   * new.
   */
  static Set<String> open() {
    Set<String> out = new LinkedHashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && isTandemThread(t.getName())) {
        out.add("thread \"" + t.getName() + "\" (id " + t.getId() + ", " + t.getState() + ")");
      }
    }
    if (Files.isDirectory(FDS)) {
      Map<String, String> tcp = tcpSocketsByInode();
      try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
        for (Path fd : fds) {
          String target = target(fd);
          if (target == null) {
            continue;
          }
          String socket = target.startsWith("socket:[")
              ? tcp.get(target.substring("socket:[".length(), target.length() - 1)) : null;
          if (socket != null) {
            out.add("TCP socket " + socket + " (fd " + fd.getFileName() + ")");
          } else if (isSqliteFile(target)) {
            out.add("SQLite file " + target + " (fd " + fd.getFileName() + ")");
          }
        }
      } catch (IOException e) {
        // The descriptor table is a best-effort view; without it only threads are checked.
      }
    }
    return out;
  }

  /**
   * Returns the process's TCP sockets by inode, described by their addresses. Only TCP counts:
   * the JDK keeps Unix-domain sockets of its own for the life of the process (one is made the first
   * time any socket is closed), and Tandem uses none.
   */
  private static Map<String, String> tcpSocketsByInode() {
    Map<String, String> out = new HashMap<>();
    for (String table : Arrays.asList("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Paths.get(table), StandardCharsets.US_ASCII);
      } catch (IOException e) {
        continue;
      }
      for (int i = 1; i < lines.size(); i++) {
        String[] f = lines.get(i).trim().split("\\s+");
        if (f.length > 9 && !f[9].equals("0")) {
          out.put(f[9], f[1] + " -> " + f[2] + (f[3].equals("0A") ? " (listening)" : ""));
        }
      }
    }
    return out;
  }

  static boolean isTandemThread(String name) {
    for (String prefix : THREAD_PREFIXES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  static boolean isSqliteFile(String target) {
    String name = target.endsWith(" (deleted)")
        ? target.substring(0, target.length() - " (deleted)".length()) : target;
    name = name.toLowerCase(Locale.ROOT);
    for (String suffix : SQLITE_SUFFIXES) {
      if (name.endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  private static String target(Path fd) {
    try {
      return Files.readSymbolicLink(fd).toString();
    } catch (IOException | UnsupportedOperationException e) {
      // Closed between listing and reading (such as the listing's own descriptor): not open.
      return null;
    }
  }
}
