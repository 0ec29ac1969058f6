package dev.tandem.sync.history;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Follows agents' folders with the file system's change events and imports what changes: live
 * import. Each location's folder tree is watched (new subfolders too); events are debounced per
 * location (an agent writing a line in several writes, or a burst of files, causes one import
 * once the folder has been quiet for the debounce time). Imports are the ordinary incremental
 * ones, so an appended line is read from where the last import stopped and written once, and a
 * file rewritten in place or replaced by a rename is recognised by its content, not by the kind
 * of event. An overflow of the event queue re-imports every location.
 *
 * <pre>{@code
 * try (HistoryWatcher w = new HistoryWatcher(new AgentImporter(tandem, max),
 *     DefaultLocations.system().allExisting(), 200, report -> log(report))) {
 *   w.start();
 *   ...
 * }
 * }</pre>
 *
 * <p>Watching uses {@link WatchService}: inotify on Linux and Android, native on Windows; on
 * macOS the JDK polls (changes show up within about 10 s).
 */
public final class HistoryWatcher implements Closeable {
  private final AgentImporter importer;
  private final List<DefaultLocations.Location> locations;
  private final long debounceNanos;
  private final Consumer<ImportReport> listener;
  private final WatchService watch;
  private final Map<WatchKey, DefaultLocations.Location> keys = new HashMap<>();
  /** Locations with events not yet imported, and the time of their last event. */
  private final Map<DefaultLocations.Location, Long> dirty = new LinkedHashMap<>();
  private Thread thread;
  private volatile boolean closed;

  /**
   * @param locations the folders to follow, each with its agent
   * @param debounceMillis how long a location must be quiet before it is imported
   * @param listener receives the report of every import that ran (on the watcher's thread);
   *     exceptions it throws are ignored
   * @throws IOException if the file system cannot be watched
   */
  public HistoryWatcher(AgentImporter importer, List<DefaultLocations.Location> locations,
      long debounceMillis, Consumer<ImportReport> listener) throws IOException {
    this.importer = Objects.requireNonNull(importer, "importer");
    this.locations = List.copyOf(locations);
    this.debounceNanos = TimeUnit.MILLISECONDS.toNanos(debounceMillis);
    this.listener = Objects.requireNonNull(listener, "listener");
    this.watch = FileSystems.getDefault().newWatchService();
    for (DefaultLocations.Location l : this.locations) {
      List<String> parts = sessionFolders(l);
      if (parts == null) {
        registerTree(l.root(), l);
        continue;
      }
      // an agent's home holds much else (~/.claude/file-history, caches): only its sessions
      register(l.root(), l);
      for (String p : parts) {
        registerTree(l.root().resolve(p), l);
      }
    }
  }

  /**
   * The folders of a session agent's home that hold sessions, or null to watch the whole tree
   * (task folders, or a folder inside the home).
   */
  private static List<String> sessionFolders(DefaultLocations.Location l) {
    Source s = l.source();
    if (s == Source.CLAUDE_CODE && isDir(l.root().resolve("projects"))) {
      return List.of("projects");
    }
    if (s == Source.CODEX && (isDir(l.root().resolve("sessions"))
        || isDir(l.root().resolve("archived_sessions")))) {
      return List.of("sessions", "archived_sessions");
    }
    if (s == Source.CONTINUE && isDir(l.root().resolve("sessions"))) {
      return List.of("sessions");
    }
    return null;
  }

  private static boolean isDir(Path p) {
    return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
  }

  private void register(Path dir, DefaultLocations.Location l) throws IOException {
    WatchKey k = dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
    keys.put(k, l);
  }

  /** Starts the watcher's thread (a daemon, {@code tandem-history-watch}). */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    thread = new Thread(this::run, "tandem-history-watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void registerTree(Path root, DefaultLocations.Location l) throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root, 8)) {
      s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          // Roo's and Cline's checkpoints are shadow git repositories: nothing to import there
          .filter(p -> !p.toString().contains("checkpoints"))
          .forEach(dirs::add);
    }
    for (Path d : dirs) {
      register(d, l);
    }
  }

  private void run() {
    while (!closed) {
      try {
        long wait = nextDue();
        WatchKey k = wait < 0 ? watch.take() : watch.poll(Math.max(1, wait),
            TimeUnit.NANOSECONDS);
        while (k != null) {
          handle(k);
          k = watch.poll();
        }
        importDue();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      } catch (RuntimeException e) {
        // one failed import must not end live import; the next event retries
      }
    }
  }

  private void handle(WatchKey k) {
    DefaultLocations.Location l = keys.get(k);
    for (WatchEvent<?> e : k.pollEvents()) {
      if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
        for (DefaultLocations.Location all : locations) {
          dirty.put(all, System.nanoTime());
        }
        continue;
      }
      if (l == null || !(k.watchable() instanceof Path)) {
        continue;
      }
      Path dir = (Path) k.watchable();
      Path entry = dir.resolve((Path) e.context());
      List<String> parts = sessionFolders(l);
      if (parts != null && dir.equals(l.root())) {
        String name = entry.getFileName().toString();
        if (!parts.contains(name) && !name.equals(CodexFormat.INDEX)) {
          continue; // something else in the agent's home (settings, caches, file history)
        }
      }
      dirty.put(l, System.nanoTime());
      if (e.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
        try {
          registerTree(entry, l); // a new session folder, a new day of Codex rollouts
        } catch (IOException ignored) {
          // gone again already; its parent's events still mark the location
        }
      }
    }
    if (!k.reset()) {
      keys.remove(k);
    }
  }

  /** Nanoseconds until the next location is due, or -1 when none is dirty. */
  private long nextDue() {
    long now = System.nanoTime();
    long best = -1;
    for (long last : dirty.values()) {
      long left = Math.max(0, last + debounceNanos - now);
      best = best < 0 ? left : Math.min(best, left);
    }
    return best;
  }

  private void importDue() {
    long now = System.nanoTime();
    List<DefaultLocations.Location> due = new ArrayList<>();
    for (Map.Entry<DefaultLocations.Location, Long> e : dirty.entrySet()) {
      if (now - e.getValue() >= debounceNanos) {
        due.add(e.getKey());
      }
    }
    for (DefaultLocations.Location l : due) {
      dirty.remove(l);
      if (closed) {
        return;
      }
      ImportReport r;
      try {
        r = importer.importDir(l.root(), l.source(), null);
      } catch (IOException | RuntimeException e) {
        r = new ImportReport(0, 0, 0, 1, 0, 0, 0, List.of(new ImportReport.Problem(null,
            l.root().toString(), "import failed: " + e)), List.of(), List.of());
      }
      try {
        listener.accept(r);
      } catch (RuntimeException ignored) {
        // the listener's problem
      }
    }
  }

  /** Stops watching; waits for an import in progress to finish. */
  @Override
  public void close() throws IOException {
    closed = true;
    watch.close();
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
