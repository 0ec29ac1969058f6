package dev.tandem.sync.internal;

import dev.tandem.sync.Clock;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.ListenerToken;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.Redactor;
import dev.tandem.sync.spi.Transport;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;

/** The sync worker: drains the outbox, pulls remote changes, resolves conflicts. */
public final class SyncEngine {
  /** Last-write-wins by clock: the later version wins whole. */
  public static final ConflictResolver LWW_BY_HLC = (base, local, remote) ->
      remote.hlc().isAfter(local.hlc())
          ? ConflictResolver.Resolution.remote(Collections.emptyList())
          : ConflictResolver.Resolution.local(Collections.emptyList());

  /** Engine settings, filled by the builder. */
  public static final class Config {
    public int batchSize = 100;
    public int pullPageSize = 500;
    public long sweepIntervalMillis = 10_000;
    public long flushDelayMillis = 50;
    public boolean autoSync = true;
    public boolean live = true;
    public Redactor redactor = Redactor.NONE;
    public Predicate<Record> filter;
    public ConflictResolver defaultResolver = LWW_BY_HLC;
    public Map<String, ConflictResolver> resolvers = Collections.emptyMap();
    public ScheduledExecutorService scheduler;
    public Executor listenerExecutor;
  }

  private final LocalStore store;
  private final Transport transport;

  public SyncEngine(LocalStore store, Transport transport, HlcClock hlc, Clock clock,
      Config config) {
    this.store = store;
    this.transport = transport;
  }

  public void start() {}

  public void onLocalWrite() {}

  public SyncResult syncNow() {
    return new SyncResult(0, 0, 0, Collections.emptyList(), "not implemented yet");
  }

  public SyncStatus status() {
    return new SyncStatus(0, 0, 0, null, SyncStatus.Mode.LOCAL_ONLY, null);
  }

  public int retryFailed() {
    return 0;
  }

  public ListenerToken addListener(SyncListener listener, Executor executor) {
    return () -> {};
  }

  public void close() {
    if (transport != null) {
      transport.close();
    }
  }
}
