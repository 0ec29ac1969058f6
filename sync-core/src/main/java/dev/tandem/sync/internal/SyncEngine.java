package dev.tandem.sync.internal;

import dev.tandem.sync.Clock;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.ListenerToken;
import dev.tandem.sync.SyncException;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.Transport;
import java.util.Collections;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sync worker's façade: it owns the cycle lock, the schedule and the status, and wires the
 * rooms that do the work — {@link Puller} (remote changes in), {@link Pusher} (the outbox out,
 * with {@link PrivacyFilter} deciding what may leave), {@link LiveSupervisor} (the live channel)
 * and {@link ListenerRegistry} (who hears what) — all set by one immutable {@link
 * EngineSettings}.
 *
 * <p>One cycle is pull, then push, then pull again if anything was pushed (the server leaves our
 * own changes out of a pull, so this only moves the cursor past them and brings what others
 * stored meanwhile). Pulling first means a pending local edit meets the remote version it
 * conflicts with on this device, where the resolver (and its three-way merge) can see base, local
 * and remote, rather than being decided whole by the server.
 *
 * <p>Network failures never count against outbox entries: the engine goes offline and probes
 * {@code /health} on each sweep, since days offline are normal. Only server refusals and server
 * errors count tries, with backoff, and park an entry as failed after {@link Backoff#MAX_TRIES} —
 * a poisonous entry never wedges the queue.
 *
 * <p>Threading: cycles run one at a time under {@code cycleLock}; background work runs on one
 * scheduler thread. No listener runs under the lock: each page's events go, once committed, to
 * the engine's own daemon thread "Sync Listeners" (the default executor, which delivers in order
 * and stops with the engine), and to a host's executor once the lock is released; so a listener
 * that blocks or calls {@link #syncNow()} delays only later events, never a sync.
 */
public final class SyncEngine {
  private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
  static final String CURSOR_KEY = "tandem.cursor";
  static final String LAST_SYNC_KEY = "tandem.last_sync_at";

  /** The default resolver: {@link LastWriteWinsRule}, which {@code LastWriteWins.byHlc()} is. */
  public static final ConflictResolver LWW_BY_HLC = LastWriteWinsRule.BY_HLC;

  private final LocalStore store;
  private final Transport transport;
  private final HlcClock hlc;
  private final Clock clock;
  private final EngineSettings settings;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final ListenerRegistry listeners;
  private final Puller puller;
  private final Pusher pusher;
  private final LiveSupervisor live;
  private final ChangeFeed changeFeed;
  private final ReentrantLock cycleLock = new ReentrantLock();
  private final AtomicBoolean syncScheduled = new AtomicBoolean();
  private final AtomicBoolean syncRequested = new AtomicBoolean();

  private volatile boolean closed;
  private volatile boolean online;
  private volatile long lastSyncAt;
  /** What made the last push fail; null once a push succeeds. */
  private volatile SyncException uploadError;
  /** What made the last pull (or health probe) fail; null once a pull succeeds. */
  private volatile SyncException downloadError;
  /** False while the host says the device has no network: no background network work at all. */
  private volatile boolean networkAvailable = true;
  private ScheduledFuture<?> sweep;

  public SyncEngine(LocalStore store, Transport transport, HlcClock hlc, Clock clock,
      EngineSettings settings) {
    this.store = store;
    this.transport = transport;
    this.hlc = hlc;
    this.clock = clock;
    this.settings = settings;
    Backoff backoff = new Backoff(settings.random);
    if (settings.scheduler != null) {
      this.scheduler = settings.scheduler;
      this.ownsScheduler = false;
    } else if (transport != null && settings.autoSync) {
      ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "Sync Dispatcher");
        t.setDaemon(true);
        return t;
      });
      s.setRemoveOnCancelPolicy(true);
      this.scheduler = s;
      this.ownsScheduler = true;
    } else {
      this.scheduler = null;
      this.ownsScheduler = false;
    }
    this.listeners = new ListenerRegistry(settings.listenerExecutor, () -> closed);
    UnansweredPushes unanswered = new UnansweredPushes();
    this.puller = new Puller(store, transport, hlc, clock, settings, unanswered, listeners,
        () -> closed);
    this.pusher = new Pusher(store, transport, hlc, clock, settings, backoff, unanswered,
        new PrivacyFilter(store, settings.filter, unanswered), puller, listeners, () -> closed);
    this.live = new LiveSupervisor(store, transport, settings, scheduler, backoff,
        new LiveSupervisor.Engine() {
          @Override
          public boolean closed() {
            return closed;
          }

          @Override
          public boolean online() {
            return online;
          }

          @Override
          public boolean networkAvailable() {
            return networkAvailable;
          }

          @Override
          public void requestSync(long delayMillis) {
            SyncEngine.this.requestSync(delayMillis);
          }

          @Override
          public void publishStatusAsync() {
            SyncEngine.this.publishStatusAsync();
          }

          @Override
          public void goOffline(TransportException e) {
            SyncEngine.this.goOffline(e);
          }
        });
    String saved = store.state(LAST_SYNC_KEY);
    this.lastSyncAt = saved == null ? 0 : Long.parseLong(saved);
    this.changeFeed = new ChangeFeed(store, listeners.defaultExecutor(), settings.scheduler,
        settings.observePollMillis);
  }

  /** Returns the change stream behind {@code Tandem.observe}. */
  public ChangeFeed changeFeed() {
    return changeFeed;
  }

  /** The listener registry, for tests of how many events a cycle holds. */
  ListenerRegistry listeners() {
    return listeners;
  }

  /** Starts the background sweep (and the live channel) when a server and auto sync are set. */
  public void start() {
    if (transport == null || !settings.autoSync || scheduler == null) {
      return;
    }
    sweep = scheduler.scheduleWithFixedDelay(this::sweepSafely, 0, settings.sweepIntervalMillis,
        TimeUnit.MILLISECONDS);
  }

  /** Called after every local write: push soon if the server is reachable. */
  public void onLocalWrite() {
    if (closed || transport == null || !settings.autoSync || scheduler == null || !online) {
      return;
    }
    requestSync(settings.flushDelayMillis);
  }

  private void requestSync(long delayMillis) {
    syncRequested.set(true);
    if (closed || scheduler == null || !syncScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      scheduler.schedule(() -> {
        syncScheduled.set(false);
        while (syncRequested.getAndSet(false) && !closed && networkAvailable) {
          runCycle(false);
        }
      }, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      syncScheduled.set(false);
    }
  }

  private void sweepSafely() {
    if (!networkAvailable) {
      return;
    }
    try {
      if (!online) {
        transport.health();
      }
      runCycle(false);
    } catch (TransportException e) {
      goOffline(e);
    } catch (RuntimeException e) {
      if (!closed) {
        log.warn("sync sweep failed", e);
      }
    }
  }

  /** Runs one full cycle now and returns what moved. */
  public SyncResult syncNow() {
    if (transport == null) {
      return new SyncResult(0, 0, 0, Collections.<Conflict>emptyList(), null,
          new EngineException(SyncException.Reason.NOT_CONFIGURED, "no server configured"));
    }
    return runCycle(true);
  }

  private SyncResult runCycle(boolean manual) {
    cycleLock.lock();
    Cycle cycle = new Cycle();
    try {
      if (closed) {
        return new SyncResult(0, 0, 0, Collections.<Conflict>emptyList(), null, closedFailure());
      }
      pusher.settleInDoubt();
      puller.pullAll(cycle);
      downloadError = null;
      cycle.uploading = true;
      pusher.pushAll(cycle);
      uploadError = null;
      cycle.uploading = false;
      // Pull again after a push: to settle entries the server kept a newer version of, and to
      // move the cursor past our own changes. The server leaves those out of a pull, so this
      // costs one small request and brings only what others stored meanwhile.
      if (cycle.pushed > 0 || !cycle.lostOnServer.isEmpty()) {
        puller.pullAll(cycle);
      }
      pusher.settleLost(cycle);
      // A background cycle that began before the platform reported the network gone must not
      // bring the engine back online; a manual one that got through proves the server is there.
      online = manual || networkAvailable;
      downloadError = null;
      uploadError = null;
      lastSyncAt = clock.millis();
      store.inTransaction(tx -> {
        tx.putState(LAST_SYNC_KEY, Long.toString(lastSyncAt));
        return null;
      });
      live.ensureOpen();
    } catch (TransportException e) {
      // Published below, once the lock is released.
      noteFailure(e, cycle.uploading);
      cycle.fail(e);
      if (!live.isConnected()) {
        live.scheduleReconnect();
      }
    } catch (dev.tandem.sync.ClosedException e) {
      cycle.fail(closedFailure());
    } catch (RuntimeException e) {
      if (closed) {
        cycle.fail(closedFailure());
      } else {
        log.warn("sync cycle failed", e);
        SyncException failure = e instanceof SyncException ? (SyncException) e
            : new EngineException(SyncException.Reason.INTERNAL, String.valueOf(e.getMessage()),
                e);
        note(failure, cycle.uploading);
        cycle.fail(failure);
      }
    } finally {
      cycleLock.unlock();
    }
    if (!closed) {
      // Also after a failure: what the cycle applied before it failed is committed.
      listeners.handOff(cycle);
      listeners.deliverDeferred(cycle);
      if (!cycle.remoteTypes.isEmpty()) {
        changeFeed.remote(cycle.remoteTypes);
      }
      publishStatus();
    }
    return new SyncResult(cycle.pushed, cycle.pulled, cycle.failed, cycle.conflicts,
        cycle.uploadError, cycle.downloadError);
  }

  private static SyncException closedFailure() {
    return new EngineException(SyncException.Reason.CLOSED, "closed");
  }

  /** A health probe failed: the server cannot be reached, so nothing can be pulled. */
  private void goOffline(TransportException e) {
    noteFailure(e, false);
    if (!closed) {
      publishStatus();
    }
  }

  private void note(SyncException e, boolean uploading) {
    if (uploading) {
      uploadError = e;
    } else {
      downloadError = e;
    }
  }

  private void noteFailure(TransportException e, boolean uploading) {
    note(e, uploading);
    // Only an unreachable server means offline; a 5xx or 429 answer proves it is there.
    if (e.reason() == SyncException.Reason.NETWORK) {
      online = false;
    }
  }

  // ---- live ----

  /**
   * Who hears the live channel's frames beside {@code changes} (devices and commands), and each
   * time it opens. Called on the transport's threads; must not block.
   */
  public interface LiveFrames {
    void onLiveOpen();

    void onFrame(String type, String json);
  }

  /** Sets the one {@link LiveFrames} listener (Tandem's device and command client). */
  public void setLiveFrames(LiveFrames frames) {
    live.setFrames(frames);
  }

  /** Returns true while the live channel is open. */
  public boolean isLiveOpen() {
    return live.isOpen();
  }

  // ---- host hints: network and foreground ----

  /**
   * Tells the engine whether the platform reports a usable network. While it does not, the engine
   * is offline and does no background network work (no sweep, no health probe, no reconnect, no
   * live channel); {@link #syncNow()} still tries, as the host asked. When it comes back, a cycle
   * runs at once and reopens the live channel.
   */
  public void setNetworkAvailable(boolean available) {
    if (networkAvailable == available) {
      return;
    }
    networkAvailable = available;
    if (closed || transport == null) {
      return;
    }
    if (available) {
      live.resetFailures();
      if (settings.autoSync) {
        requestSync(0);
      }
    } else {
      online = false;
      live.close();
      publishStatusAsync();
    }
  }

  /**
   * Closes the live channel and keeps it closed while {@code paused}; the sweep keeps polling.
   * Resuming runs a cycle at once (catching up on what the channel would have announced) and
   * reopens the channel.
   */
  public void setLivePaused(boolean paused) {
    live.setPaused(paused);
  }

  /** Returns whether the live channel is open (its handshake done). */
  public boolean liveOpen() {
    return live.isOpen();
  }

  // ---- status and listeners ----

  public SyncStatus status() {
    SyncStatus.Mode mode;
    if (transport == null) {
      mode = SyncStatus.Mode.LOCAL_ONLY;
    } else if (!online) {
      mode = SyncStatus.Mode.OFFLINE;
    } else {
      mode = live.isOpen() ? SyncStatus.Mode.LIVE : SyncStatus.Mode.POLLING;
    }
    return new SyncStatus(store.countOutbox(OutboxEntry.Status.PENDING),
        store.countOutbox(OutboxEntry.Status.FAILED), lastSyncAt, uploadError, downloadError,
        mode, store.state(CURSOR_KEY), hlc.offsetMillis(), hlc.clampedReceives());
  }

  public int retryFailed() {
    int moved = store.retryFailed(clock.millis());
    if (moved > 0 && transport != null && settings.autoSync) {
      requestSync(0);
    }
    return moved;
  }

  public ListenerToken addListener(SyncListener listener, Executor executor) {
    return listeners.add(listener, executor);
  }

  private void publishStatusAsync() {
    if (scheduler != null && !closed) {
      try {
        scheduler.execute(this::publishStatus);
      } catch (RejectedExecutionException ignored) {
        // Shutting down.
      }
    }
  }

  private void publishStatus() {
    if (listeners.isEmpty()) {
      return;
    }
    SyncStatus s;
    try {
      s = status();
    } catch (RuntimeException e) {
      return;
    }
    listeners.publish(s);
  }

  /** Stops background work and the live channel, then closes the transport. Idempotent. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (sweep != null) {
      sweep.cancel(false);
    }
    live.shutdown();
    if (ownsScheduler) {
      scheduler.shutdownNow();
      try {
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Wait for a cycle in flight so the store is not closed under it.
    boolean locked = false;
    try {
      locked = cycleLock.tryLock(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (locked) {
        cycleLock.unlock();
      }
    }
    if (transport != null) {
      transport.close();
    }
    changeFeed.close();
    listeners.close();
  }
}
