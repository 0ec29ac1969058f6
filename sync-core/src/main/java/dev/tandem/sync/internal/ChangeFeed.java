package dev.tandem.sync.internal;

import dev.tandem.sync.ChangeObserver;
import dev.tandem.sync.DataChange;
import dev.tandem.sync.ListenerToken;
import dev.tandem.sync.spi.LocalStore;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change stream behind {@code Tandem.observe}: local writes and remote changes are reported by
 * the writer and the engine; writes by other processes are found by polling the store's {@link
 * LocalStore#dataVersion()} every {@code pollMillis}, only while an observer is registered.
 *
 * <p>Events are handed to each observer's executor, never run under a lock of the engine or the
 * store. Per observer they coalesce: while one delivery is queued, further changes of the same
 * source join it (their types merged), so a burst of writes costs one callback, not thousands.
 */
public final class ChangeFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);

  private final LocalStore store;
  private final Executor defaultExecutor;
  private final ScheduledExecutorService hostScheduler;
  private final long pollMillis;
  private final List<Observer> observers = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService ownPoller;
  private ScheduledFuture<?> poll;
  private long lastVersion;
  private boolean closed;

  /**
   * @param hostScheduler the host's scheduler for the poll, or null for a daemon thread of its own
   *     ("Tandem Observer") that exists only while an observer is registered
   */
  public ChangeFeed(LocalStore store, Executor defaultExecutor,
      ScheduledExecutorService hostScheduler, long pollMillis) {
    this.store = store;
    this.defaultExecutor = defaultExecutor;
    this.hostScheduler = hostScheduler;
    this.pollMillis = pollMillis;
  }

  /** Registers {@code observer} on {@code executor} (null for the default listener executor). */
  public ListenerToken add(ChangeObserver observer, Executor executor) {
    Observer o = new Observer(observer, executor != null ? executor : defaultExecutor);
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the change feed is closed");
      }
      observers.add(o);
      if (poll == null) {
        startPolling();
      }
    }
    return () -> remove(o);
  }

  private synchronized void remove(Observer o) {
    if (observers.remove(o) && observers.isEmpty()) {
      stopPolling();
    }
  }

  /** Local writes of {@code types} committed. */
  public void local(Collection<String> types) {
    fire(DataChange.Source.LOCAL, types);
  }

  /** Remote changes of {@code types} were applied and committed. */
  public void remote(Collection<String> types) {
    fire(DataChange.Source.REMOTE, types);
  }

  private void fire(DataChange.Source source, Collection<String> types) {
    for (Observer o : observers) {
      o.offer(source, types);
    }
  }

  /** Checks once whether another process wrote to the database; called by the poll. */
  void pollOnce() {
    long version;
    try {
      version = store.dataVersion();
    } catch (RuntimeException e) {
      // Closing, or the file went away: the next poll tells, and no observer is hurt by a miss.
      log.debug("could not read the data version", e);
      return;
    }
    boolean changed;
    synchronized (this) {
      changed = version != lastVersion;
      lastVersion = version;
    }
    if (changed) {
      fire(DataChange.Source.EXTERNAL, Collections.<String>emptySet());
    }
  }

  private void startPolling() {
    try {
      lastVersion = store.dataVersion();
    } catch (RuntimeException e) {
      log.debug("could not read the data version", e);
    }
    ScheduledExecutorService s = hostScheduler;
    if (s == null) {
      ScheduledThreadPoolExecutor own = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "Tandem Observer");
        t.setDaemon(true);
        return t;
      });
      own.setRemoveOnCancelPolicy(true);
      ownPoller = own;
      s = own;
    }
    try {
      poll = s.scheduleWithFixedDelay(this::pollOnce, pollMillis, pollMillis,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // The host's scheduler is shut down: local and remote changes are still reported.
      log.debug("cannot poll for other processes' writes", e);
    }
  }

  private void stopPolling() {
    if (poll != null) {
      poll.cancel(false);
      poll = null;
    }
    if (ownPoller != null) {
      ownPoller.shutdownNow();
      ownPoller = null;
    }
  }

  /** Stops polling and drops every observer. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    observers.clear();
    stopPolling();
  }

  private static final class Observer {
    final ChangeObserver observer;
    final Executor executor;
    /** Changes not yet delivered, by source; a delivery is queued while this is not empty. */
    private final Map<DataChange.Source, Set<String>> pending =
        new EnumMap<>(DataChange.Source.class);

    Observer(ChangeObserver observer, Executor executor) {
      this.observer = observer;
      this.executor = executor;
    }

    void offer(DataChange.Source source, Collection<String> types) {
      boolean schedule;
      synchronized (this) {
        schedule = pending.isEmpty();
        Set<String> known = pending.get(source);
        if (known == null) {
          pending.put(source, new LinkedHashSet<>(types));
        } else if (!known.isEmpty()) {
          if (types.isEmpty()) {
            known.clear(); // Unknown types: anything may have changed.
          } else {
            known.addAll(types);
          }
        }
      }
      if (schedule) {
        try {
          executor.execute(this::deliver);
        } catch (RuntimeException e) {
          synchronized (this) {
            pending.clear();
          }
          log.debug("observer executor refused a change", e);
        }
      }
    }

    private void deliver() {
      Map<DataChange.Source, Set<String>> batch;
      synchronized (this) {
        batch = new EnumMap<>(pending);
        pending.clear();
      }
      for (Map.Entry<DataChange.Source, Set<String>> e : batch.entrySet()) {
        try {
          observer.onChange(new DataChange(e.getKey(), e.getValue()));
        } catch (RuntimeException ex) {
          log.warn("change observer threw", ex);
        }
      }
    }
  }
}
