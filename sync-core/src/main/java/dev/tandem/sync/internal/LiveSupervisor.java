package dev.tandem.sync.internal;

import dev.tandem.sync.TransportException;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.Transport;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the live channel: opens it after a cycle, turns its announcements into sync requests,
 * passes its other frames on, and after it drops tries again with a growing, jittered delay. It
 * also honours the host's wish to keep the channel closed (an app in the background). It never
 * syncs itself; it asks the engine through {@link Engine}, so the cycle lock stays the engine's.
 */
final class LiveSupervisor {
  /** The engine's logger name, as before the split, so a host's log settings still apply. */
  private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);

  /** What the supervisor needs of the engine. */
  interface Engine {
    boolean closed();

    boolean online();

    boolean networkAvailable();

    void requestSync(long delayMillis);

    void publishStatusAsync();

    /** A health probe failed: the engine is offline. */
    void goOffline(TransportException e);
  }

  private final LocalStore store;
  private final Transport transport;
  private final EngineSettings settings;
  private final ScheduledExecutorService scheduler;
  private final Backoff backoff;
  private final Engine engine;
  private final AtomicBoolean reconnectScheduled = new AtomicBoolean();
  private volatile Transport.LiveConnection live;
  private volatile boolean liveOpen;
  private volatile int liveFailures;
  /** True while the host wants no live channel (an app in the background); polling goes on. */
  private volatile boolean paused;
  private volatile SyncEngine.LiveFrames frames;

  LiveSupervisor(LocalStore store, Transport transport, EngineSettings settings,
      ScheduledExecutorService scheduler, Backoff backoff, Engine engine) {
    this.store = store;
    this.transport = transport;
    this.settings = settings;
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.engine = engine;
  }

  void setFrames(SyncEngine.LiveFrames frames) {
    this.frames = frames;
  }

  boolean isOpen() {
    return liveOpen;
  }

  /** True while a connection exists (open or still opening). */
  boolean isConnected() {
    return live != null;
  }

  /** Opens the channel after a successful cycle, unless settings, host or network forbid. */
  void ensureOpen() {
    if (!settings.live || !settings.autoSync || engine.closed() || live != null
        || scheduler == null || paused || !engine.networkAvailable()) {
      return;
    }
    Transport.LiveConnection connection;
    try {
      connection = transport.openLive(store.state(SyncEngine.CURSOR_KEY),
          new Transport.LiveListener() {
            @Override
            public void onOpen() {
              liveOpen = true;
              liveFailures = 0;
              engine.publishStatusAsync();
              SyncEngine.LiveFrames f = frames;
              if (f != null) {
                f.onLiveOpen();
              }
            }

            @Override
            public void onChanges(String cursor) {
              engine.requestSync(0);
            }

            @Override
            public void onFrame(String type, String json) {
              SyncEngine.LiveFrames f = frames;
              if (f != null) {
                f.onFrame(type, json);
              }
            }

            @Override
            public void onClosed(Throwable cause) {
              onLiveClosed(cause);
            }
          });
    } catch (RuntimeException e) {
      log.debug("live channel unavailable", e);
      return;
    }
    live = connection;
    if (paused || !engine.networkAvailable()) {
      // The host paused or lost the network while the channel was being opened.
      close();
    }
  }

  private void onLiveClosed(Throwable cause) {
    liveOpen = false;
    live = null;
    if (engine.closed()) {
      return;
    }
    log.debug("live channel closed", cause);
    scheduleReconnect();
    engine.publishStatusAsync();
  }

  /**
   * Tries again to reach the server and reopen the live channel after a growing, jittered delay
   * (1 s doubling to 30 s). Each try is a full cycle, so whatever the channel would have
   * announced while down is caught up by the pull; the sweep keeps running meanwhile.
   */
  void scheduleReconnect() {
    if (!settings.live || !settings.autoSync || engine.closed() || scheduler == null || paused
        || !engine.networkAvailable() || !reconnectScheduled.compareAndSet(false, true)) {
      return;
    }
    long delay = backoff.reconnectDelayMillis(++liveFailures);
    try {
      scheduler.schedule(() -> {
        reconnectScheduled.set(false);
        if (paused || !engine.networkAvailable()) {
          return;
        }
        try {
          if (!engine.online()) {
            transport.health();
          }
          engine.requestSync(0);
        } catch (TransportException e) {
          engine.goOffline(e);
          scheduleReconnect();
        }
      }, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      reconnectScheduled.set(false);
    }
  }

  /** The network came back: reconnecting starts again from the shortest delay. */
  void resetFailures() {
    liveFailures = 0;
  }

  /** See {@link SyncEngine#setLivePaused}. */
  void setPaused(boolean paused) {
    if (this.paused == paused) {
      return;
    }
    this.paused = paused;
    if (engine.closed() || transport == null) {
      return;
    }
    if (paused) {
      close();
      engine.publishStatusAsync();
    } else if (settings.autoSync && engine.networkAvailable()) {
      liveFailures = 0;
      engine.requestSync(0);
    }
  }

  /** Closes the channel, if one is open; it can be opened again. */
  void close() {
    Transport.LiveConnection l = live;
    if (l != null) {
      // A closed connection reports nothing more, so the supervisor forgets it here.
      live = null;
      liveOpen = false;
      l.close();
    }
  }

  /** Closes the channel for good, as the engine closes (its close reports are ignored then). */
  void shutdown() {
    Transport.LiveConnection l = live;
    if (l != null) {
      l.close();
    }
  }
}
