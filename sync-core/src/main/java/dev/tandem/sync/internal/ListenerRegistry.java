package dev.tandem.sync.internal;

import dev.tandem.sync.ListenerToken;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncStatus;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's listeners and the one place that calls them, so that the listener contract is
 * kept in one room: no listener runs under the cycle lock, each hears events in order on its
 * executor, and the default executor is the engine's own thread "Sync Listeners".
 *
 * <p>A cycle's events are handed on page by page rather than kept until the cycle ends, so a pull
 * of a whole history holds one page of events, not all of them: listeners on the engine's own
 * thread get each page as soon as its transaction has committed (that thread is not the one
 * holding the lock). A host's executor may run tasks on the calling thread, so its listeners get
 * the cycle's events once the lock is released, as before.
 */
final class ListenerRegistry {
  /** The engine's logger name, as before the split, so a host's log settings still apply. */
  private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);

  private final List<Registration> listeners = new CopyOnWriteArrayList<>();
  private final Executor defaultExecutor;
  /** The engine's own listener thread's pool, or null when the host gave an executor. */
  private final ThreadPoolExecutor own;
  private final BooleanSupplier closed;
  private volatile Thread ownThread;
  private volatile SyncStatus lastPublished;
  /** The most events a cycle has held at once, not yet handed on; for tests. */
  private volatile int peakHeld;

  ListenerRegistry(Executor hostExecutor, BooleanSupplier closed) {
    this.closed = closed;
    if (hostExecutor != null) {
      this.own = null;
      this.defaultExecutor = hostExecutor;
    } else {
      // One thread keeps events in order. It exists only while there is something to deliver,
      // so an engine without listeners (or one a host forgets to close) holds no thread idle.
      ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "Sync Listeners");
            t.setDaemon(true);
            ownThread = t;
            return t;
          });
      e.allowCoreThreadTimeOut(true);
      this.own = e;
      this.defaultExecutor = e;
    }
  }

  /** The executor of listeners added without one (also the change stream's). */
  Executor defaultExecutor() {
    return defaultExecutor;
  }

  ListenerToken add(SyncListener listener, Executor executor) {
    Executor e = executor != null ? executor : defaultExecutor;
    Registration r = new Registration(listener, e, own != null && e == own);
    listeners.add(r);
    return () -> listeners.remove(r);
  }

  boolean isEmpty() {
    return listeners.isEmpty();
  }

  /** Tells every listener the status, unless it is the one told last. */
  void publish(SyncStatus s) {
    if (s.equals(lastPublished)) {
      return;
    }
    lastPublished = s;
    for (Registration r : listeners) {
      dispatch(r, l -> l.onStatus(s));
    }
  }

  /**
   * Keeps an event of the page being applied; none is kept while no listener is registered, so a
   * pull of a whole history holds no copy of it.
   */
  void event(Cycle cycle, Consumer<SyncListener> event) {
    if (listeners.isEmpty()) {
      return;
    }
    cycle.events.add(event);
    int held = cycle.events.size() + cycle.deferred.size();
    if (held > peakHeld) {
      peakHeld = held;
    }
  }

  /**
   * Hands on the events of a page whose transaction has committed: at once to listeners on the
   * engine's own thread, and to the cycle's deferred list for the others.
   */
  void handOff(Cycle cycle) {
    if (cycle.events.isEmpty()) {
      return;
    }
    boolean anyOnHostExecutor = false;
    if (!closed.getAsBoolean()) {
      for (Consumer<SyncListener> event : cycle.events) {
        for (Registration r : listeners) {
          if (r.onOwnThread) {
            dispatch(r, event);
          } else {
            anyOnHostExecutor = true;
          }
        }
      }
    }
    if (anyOnHostExecutor) {
      cycle.deferred.addAll(cycle.events);
    }
    cycle.events.clear();
  }

  /** Hands the cycle's deferred events to listeners on a host's executor; no lock may be held. */
  void deliverDeferred(Cycle cycle) {
    for (Consumer<SyncListener> event : cycle.deferred) {
      for (Registration r : listeners) {
        if (!r.onOwnThread) {
          dispatch(r, event);
        }
      }
    }
    cycle.deferred.clear();
  }

  int peakEventsHeld() {
    return peakHeld;
  }

  private void dispatch(Registration r, Consumer<SyncListener> event) {
    try {
      r.executor.execute(() -> {
        try {
          event.accept(r.listener);
        } catch (RuntimeException e) {
          log.warn("sync listener threw", e);
        }
      });
    } catch (RejectedExecutionException e) {
      // The engine's own executor refuses only once close() has begun.
      if (!closed.getAsBoolean()) {
        log.warn("listener executor rejected an event", e);
      }
    } catch (RuntimeException e) {
      log.warn("listener executor rejected an event", e);
    }
  }

  /**
   * Lets the own listener thread deliver what is queued (events of work already done), waiting
   * up to 5 s; a listener still blocked then is interrupted. Not waited for when called from a
   * listener, which would otherwise wait for itself.
   */
  void close() {
    if (own == null) {
      return;
    }
    own.shutdown();
    if (Thread.currentThread() == ownThread) {
      return;
    }
    try {
      if (!own.awaitTermination(5, TimeUnit.SECONDS)) {
        own.shutdownNow();
      }
    } catch (InterruptedException e) {
      own.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static final class Registration {
    final SyncListener listener;
    final Executor executor;
    /** True when the executor is the engine's own thread, which never holds the cycle lock. */
    final boolean onOwnThread;

    Registration(SyncListener listener, Executor executor, boolean onOwnThread) {
      this.listener = listener;
      this.executor = executor;
      this.onOwnThread = onOwnThread;
    }
  }
}
