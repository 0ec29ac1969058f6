package dev.tandem.sync.internal;

import dev.tandem.sync.Clock;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.ListenerToken;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.SyncException;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ChangeError;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.protocol.Op;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.protocol.Resolution;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.Redactor;
import dev.tandem.sync.spi.StoreTransaction;
import dev.tandem.sync.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sync worker: drains the outbox in batches, pulls remote changes by cursor, resolves
 * conflicts and keeps the status.
 *
 * <p>One cycle is pull, then push, then pull again if anything was pushed (the server leaves our
 * own changes out of a pull, so this only moves the cursor past them and brings what others
 * stored meanwhile). Pulling first means a
 * pending local edit meets the remote version it conflicts with on this device, where the
 * resolver (and its three-way merge) can see base, local and remote, rather than being decided
 * whole by the server.
 *
 * <p>Network failures never count against outbox entries: the engine goes offline and probes
 * {@code /health} on each sweep, since days offline are normal. Only server refusals and server
 * errors count tries, with backoff, and park an entry as failed after {@link Backoff#MAX_TRIES} —
 * a poisonous entry never wedges the queue.
 *
 * <p>Threading: cycles run one at a time under {@code cycleLock}; background work runs on one
 * scheduler thread. No lock is held while calling listeners: the events of a cycle are collected
 * while it runs and handed to the listeners' executors once the lock is released. Unless the host
 * gives one, the default executor is the engine's own daemon thread "Sync Listeners", which
 * delivers in order and stops with the engine, so a listener that blocks or calls
 * {@link #syncNow()} delays only later events, never a sync.
 */
public final class SyncEngine {
  private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
  static final String CURSOR_KEY = "tandem.cursor";
  static final String LAST_SYNC_KEY = "tandem.last_sync_at";
  /**
   * Past {@link Config#batchSize} entries, a backlog request takes no more records once their
   * JSON reaches this many characters: far below the server's body limit (16 MiB by default).
   */
  static final long BACKLOG_BATCH_CHARS = 4L * 1024 * 1024;

  /** The default resolver: {@link LastWriteWinsRule}, which {@code LastWriteWins.byHlc()} is. */
  public static final ConflictResolver LWW_BY_HLC = LastWriteWinsRule.BY_HLC;

  /** Engine settings, filled by the builder. */
  public static final class Config {
    public int batchSize = 100;
    /**
     * The most entries per request while a backlog of more than {@link #batchSize} waits (up to
     * the protocol's 1,000); 0 means always {@link #batchSize}.
     */
    public int backlogBatchSize;
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
    public Random random = new Random();
    /** How often {@code observe} checks for other processes' writes, while observed. */
    public long observePollMillis = 500;
  }

  private final LocalStore store;
  private final Transport transport;
  private final HlcClock hlc;
  private final Clock clock;
  private final Config config;
  private final Backoff backoff;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Executor defaultListenerExecutor;
  /** The engine's own listener thread's pool, or null when the host gave an executor. */
  private final ThreadPoolExecutor ownListenerExecutor;
  private volatile Thread listenerThread;
  private final List<Registration> listeners = new CopyOnWriteArrayList<>();
  private final ChangeFeed changeFeed;
  private final ReentrantLock cycleLock = new ReentrantLock();
  private final AtomicBoolean syncScheduled = new AtomicBoolean();
  private final AtomicBoolean syncRequested = new AtomicBoolean();

  private volatile boolean closed;
  private volatile boolean online;
  private volatile boolean liveOpen;
  private volatile long lastSyncAt;
  /** What made the last push fail; null once a push succeeds. */
  private volatile SyncException uploadError;
  /** What made the last pull (or health probe) fail; null once a pull succeeds. */
  private volatile SyncException downloadError;
  private volatile SyncStatus lastPublished;
  private volatile Transport.LiveConnection live;
  private volatile int liveFailures;
  /** False while the host says the device has no network: no background network work at all. */
  private volatile boolean networkAvailable = true;
  /** True while the host wants no live channel (an app in the background); polling goes on. */
  private volatile boolean livePaused;
  private final AtomicBoolean reconnectScheduled = new AtomicBoolean();
  /**
   * Records (by {@link Protocol#recordKey}) of pushes that failed without a clear answer (network
   * error, 5xx): the server may have stored them, so their delete must go out even without a base.
   * Kept for the engine's lifetime; a restart forgets them.
   */
  private final Set<String> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /**
   * Push requests that ended without an answer, with the versions they carried, oldest first.
   * The server may have stored them, and it does not send a device its own changes back; so a
   * later edit of the same record would be merged against a base older than what the server
   * holds, and the device's own earlier edit would look like a conflicting one. A remote version
   * built on one of these names it as its base, which settles the doubt. Bounded; a restart
   * forgets them.
   */
  private final java.util.ArrayDeque<InDoubt> inDoubt = new java.util.ArrayDeque<>();
  private static final int MAX_IN_DOUBT = 16;
  /** What the remembered versions may hold in JSON characters, all together. */
  private static final long MAX_IN_DOUBT_CHARS = 4L << 20;
  private long inDoubtChars;
  private ScheduledFuture<?> sweep;

  public SyncEngine(LocalStore store, Transport transport, HlcClock hlc, Clock clock,
      Config config) {
    this.store = store;
    this.transport = transport;
    this.hlc = hlc;
    this.clock = clock;
    this.config = config;
    this.backoff = new Backoff(config.random);
    if (config.scheduler != null) {
      this.scheduler = config.scheduler;
      this.ownsScheduler = false;
    } else if (transport != null && config.autoSync) {
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
    if (config.listenerExecutor != null) {
      this.ownListenerExecutor = null;
      this.defaultListenerExecutor = config.listenerExecutor;
    } else {
      // One thread keeps events in order. It exists only while there is something to deliver,
      // so an engine without listeners (or one a host forgets to close) holds no thread idle.
      ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "Sync Listeners");
            t.setDaemon(true);
            listenerThread = t;
            return t;
          });
      e.allowCoreThreadTimeOut(true);
      this.ownListenerExecutor = e;
      this.defaultListenerExecutor = e;
    }
    String saved = store.state(LAST_SYNC_KEY);
    this.lastSyncAt = saved == null ? 0 : Long.parseLong(saved);
    this.changeFeed = new ChangeFeed(store, defaultListenerExecutor, config.scheduler,
        config.observePollMillis);
  }

  /** Returns the change stream behind {@code Tandem.observe}. */
  public ChangeFeed changeFeed() {
    return changeFeed;
  }

  /** Starts the background sweep (and the live channel) when a server and auto sync are set. */
  public void start() {
    if (transport == null || !config.autoSync || scheduler == null) {
      return;
    }
    sweep = scheduler.scheduleWithFixedDelay(this::sweepSafely, 0, config.sweepIntervalMillis,
        TimeUnit.MILLISECONDS);
  }

  /** Called after every local write: push soon if the server is reachable. */
  public void onLocalWrite() {
    if (closed || transport == null || !config.autoSync || scheduler == null || !online) {
      return;
    }
    requestSync(config.flushDelayMillis);
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
    } catch (java.util.concurrent.RejectedExecutionException e) {
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
      settleInDoubt();
      pullAll(cycle);
      downloadError = null;
      cycle.uploading = true;
      pushAll(cycle);
      uploadError = null;
      cycle.uploading = false;
      // Pull again after a push: to settle entries the server kept a newer version of, and to
      // move the cursor past our own changes. The server leaves those out of a pull, so this
      // costs one small request and brings only what others stored meanwhile.
      if (cycle.pushed > 0 || !cycle.lostOnServer.isEmpty()) {
        pullAll(cycle);
      }
      settleLost(cycle);
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
      ensureLive();
    } catch (TransportException e) {
      // Published below, once the lock is released.
      noteFailure(e, cycle.uploading);
      cycle.fail(e);
      if (live == null) {
        scheduleReconnect();
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
      deliver(cycle.events);
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

  // ---- push ----

  private void pushAll(Cycle cycle) {
    int pendingCount = store.countOutbox(OutboxEntry.Status.PENDING);
    int maxBatches = pendingCount / config.batchSize + 2;
    // A backlog goes in fewer, larger requests: each request costs a round trip, a server
    // transaction and a local one to mark it synced, whatever its size.
    int batchSize = Math.max(config.batchSize, Math.min(config.backlogBatchSize, pendingCount));
    for (int i = 0; i < maxBatches && !closed; i++) {
      List<OutboxEntry> due = store.duePending(clock.millis(), batchSize);
      due.removeAll(cycle.lostOnServer.values());
      if (restampForeign(due)) {
        due = store.duePending(clock.millis(), batchSize);
        due.removeAll(cycle.lostOnServer.values());
      }
      if (due.isEmpty()) {
        return;
      }
      List<OutboxEntry> toSend = new ArrayList<>(due.size());
      List<Change> changes = new ArrayList<>(due.size());
      List<OutboxEntry> filtered = new ArrayList<>();
      List<OutboxEntry> orphans = new ArrayList<>();
      long batchChars = 0;
      for (OutboxEntry e : due) {
        if (toSend.size() >= config.batchSize && batchChars >= BACKLOG_BATCH_CHARS) {
          // Large records: the rest wait for the next request, as they would have at batchSize.
          break;
        }
        LocalRecord lr = store.get(e.type(), e.entityId());
        if (lr == null) {
          orphans.add(e);
          continue;
        }
        Record rec = lr.current();
        if (!shouldLeaveDevice(lr, cycle.localOnly)) {
          filtered.add(e);
          continue;
        }
        String json = rec.deleted() ? null : config.redactor.redact(rec.type(), rec.id(),
            rec.json());
        Hlc base = lr.base() == null ? null : lr.base().hlc();
        changes.add(new Change(rec.type(), rec.id(), Op.of(rec.deleted()).wireName(),
            rec.hlc().toString(), base == null ? null : base.toString(), json, 0, null)
            .withIfBase(resolverFor(rec.type()).mergesFromBase()));
        toSend.add(e);
        batchChars += json == null ? 0 : json.length();
      }
      // Entries that must not leave the device are settled locally: nothing to send, ever.
      if (!filtered.isEmpty()) {
        store.markSynced(filtered);
      }
      for (OutboxEntry e : orphans) {
        store.markFailed(e, "record not found in the local store", Long.MAX_VALUE, true);
        cycle.failed++;
      }
      if (!toSend.isEmpty()) {
        sendBatch(cycle, toSend, changes);
      }
    }
  }

  /**
   * Conditional changes the server refused because they were not made from the version it holds
   * (sent with the refusal): each is resolved against that version now, as a pull would, and
   * stays pending with it as base, so the next batch of this cycle pushes the result.
   */
  private void mergeRefused(Cycle cycle, java.util.Collection<Change> currents) {
    List<Record> applied = new ArrayList<>();
    List<Conflict> conflicts = new ArrayList<>();
    store.inTransaction(tx -> {
      for (Change current : currents) {
        if (!hlc.deviceId().equals(current.deviceId())) {
          applyChange(tx, current, applied, conflicts);
          continue;
        }
        // Our own version, stored by a push whose answer was lost: the base we lacked.
        if (current.validate(Long.MAX_VALUE) != null) {
          continue;
        }
        String key = Protocol.recordKey(current.type(), current.id());
        Record ours = unansweredVersion(key, current.hlc());
        LocalRecord lr = tx.get(current.type(), current.id());
        if (lr != null) {
          tx.setBase(ours != null ? ours : current.toRecord());
        }
      }
      return null;
    });
    cycle.pulled += applied.size();
    cycle.conflicts.addAll(conflicts);
    for (Conflict c : conflicts) {
      event(cycle, l -> l.onConflict(c));
    }
    for (Record r : applied) {
      event(cycle, l -> l.onRemoteChange(r));
    }
  }

  private ConflictResolver resolverFor(String type) {
    ConflictResolver r = config.resolvers.get(type);
    return r == null ? config.defaultResolver : r;
  }

  /** The unredacted versions an unanswered push carried, by record key. */
  private static final class InDoubt {
    final PushRequest request;
    final Map<String, Record> versions;
    final long chars;
    /** Every change conditional: sending it again can store nothing made without the latest. */
    final boolean askable;

    InDoubt(PushRequest request, Map<String, Record> versions, long chars) {
      this.request = request;
      this.versions = versions;
      this.chars = chars;
      boolean all = true;
      for (Change c : request.changes()) {
        all &= c.ifBase();
      }
      this.askable = all;
    }
  }

  /**
   * Asks the server about unanswered conditional pushes by sending each again exactly as it was:
   * a batch id the server has seen gets its first answer, so every version it stored then becomes
   * the base of its record (the device's later edit merges from it, not from an older base). A
   * batch the server never saw is applied now, which is safe because every change in it is
   * conditional: stored only if nobody changed the record since. Refusals are left to the pull,
   * which brings the records as they are now (a replayed answer's versions may be old).
   */
  private void settleInDoubt() {
    List<InDoubt> ask = new ArrayList<>();
    synchronized (inDoubt) {
      for (InDoubt d : inDoubt) {
        if (d.askable) {
          ask.add(d);
        }
      }
    }
    for (InDoubt d : ask) {
      PushResponse response;
      try {
        response = transport.push(d.request);
      } catch (TransportException e) {
        if (e.isRetryable()) {
          return; // still no answer: ask again next cycle
        }
        forget(d);
        continue;
      }
      Set<String> notStored = new HashSet<>();
      for (PushResponse.EntryError err : response.errors()) {
        notStored.add(Protocol.recordKey(err.type(), err.id()));
      }
      for (PushResponse.Conflict c : response.conflicts()) {
        if (Resolution.REMOTE_WINS.is(c.resolution())) {
          notStored.add(Protocol.recordKey(c.type(), c.id()));
        }
      }
      store.inTransaction(tx -> {
        for (Map.Entry<String, Record> e : d.versions.entrySet()) {
          Record pushed = e.getValue();
          if (notStored.contains(e.getKey())) {
            continue;
          }
          LocalRecord lr = tx.get(pushed.type(), pushed.id());
          if (lr == null || !tx.hasUnsyncedChanges(pushed.type(), pushed.id())
              || lr.current().equals(pushed)) {
            continue; // settled since, or unchanged: the push below settles it
          }
          if (lr.base() == null || pushed.hlc().isAfter(lr.base().hlc())) {
            tx.setBase(pushed);
          }
        }
        return null;
      });
      forget(d);
    }
  }

  private void forget(InDoubt d) {
    synchronized (inDoubt) {
      if (inDoubt.remove(d)) {
        inDoubtChars -= d.chars;
      }
    }
  }

  /**
   * The version of {@code type/id} with clock {@code hlc} that this device pushed without hearing
   * back, or null. A remote version whose base it is proves the server stored it.
   */
  private Record unansweredVersion(String key, String hlcText) {
    synchronized (inDoubt) {
      for (InDoubt d : inDoubt) {
        Record r = d.versions.get(key);
        if (r != null && r.hlc().toString().equals(hlcText)) {
          return r;
        }
      }
    }
    return null;
  }

  private void sendBatch(Cycle cycle, List<OutboxEntry> entries, List<Change> changes) {
    PushResponse response;
    PushRequest request = new PushRequest(batchId(entries, changes), hlc.deviceId(), changes);
    try {
      response = transport.push(request);
    } catch (TransportException e) {
      SyncException.Reason r = e.reason();
      if (e.isRetryable()) {
        for (Change c : changes) {
          unanswered.add(Protocol.recordKey(c.type(), c.id()));
        }
      }
      if (e.isRetryable() && r == SyncException.Reason.NETWORK) {
        // No answer at all (an error status is an answer: the batch was not applied).
        Map<String, Record> versions = new HashMap<>();
        long chars = 0;
        for (Change c : changes) {
          LocalRecord lr = store.get(c.type(), c.id());
          if (lr != null && lr.current().hlc().toString().equals(c.hlc())) {
            long size = lr.current().deleted() ? 0 : lr.current().json().length();
            if (chars + size > MAX_IN_DOUBT_CHARS) {
              break; // a huge batch: remember what fits, the rest merges as before
            }
            chars += size;
            versions.put(Protocol.recordKey(c.type(), c.id()), lr.current());
          }
        }
        synchronized (inDoubt) {
          inDoubt.addLast(new InDoubt(request, versions, chars));
          inDoubtChars += chars;
          while (inDoubt.size() > MAX_IN_DOUBT || inDoubtChars > MAX_IN_DOUBT_CHARS) {
            inDoubtChars -= inDoubt.removeFirst().chars;
          }
        }
      }
      if (e.isRetryable() && r == SyncException.Reason.NETWORK) {
        throw e;
      }
      if (e.isRetryable() || r == SyncException.Reason.UNAUTHORIZED
          || r == SyncException.Reason.FORBIDDEN) {
        // Server trouble or a credential problem: every entry waits; auth errors stop the cycle.
        if (r != SyncException.Reason.UNAUTHORIZED && r != SyncException.Reason.FORBIDDEN) {
          for (OutboxEntry entry : entries) {
            failWithBackoff(cycle, entry, e.getMessage(), e.retryAfterMillis());
          }
        }
        throw e;
      }
      // The server refused the batch as a whole: isolate the poisonous entries by halving.
      if (entries.size() > 1) {
        int mid = entries.size() / 2;
        sendBatch(cycle, entries.subList(0, mid), changes.subList(0, mid));
        sendBatch(cycle, entries.subList(mid, entries.size()),
            changes.subList(mid, changes.size()));
      } else {
        store.markFailed(entries.get(0), describe(e), clock.millis(), true);
        cycle.failed++;
      }
      return;
    }
    Map<String, PushResponse.EntryError> errors = new HashMap<>();
    for (PushResponse.EntryError err : response.errors()) {
      errors.put(Protocol.recordKey(err.type(), err.id()), err);
    }
    Set<String> lost = new HashSet<>();
    Map<String, Change> refused = new LinkedHashMap<>();
    List<Conflict> serverConflicts = new ArrayList<>();
    for (PushResponse.Conflict c : response.conflicts()) {
      String key = Protocol.recordKey(c.type(), c.id());
      if (Resolution.REMOTE_WINS.is(c.resolution()) && c.current() != null) {
        refused.put(key, c.current());
      } else if (Resolution.REMOTE_WINS.is(c.resolution())) {
        lost.add(key);
      } else {
        serverConflicts.add(new Conflict(c.type(), c.id(), "", null, null, c.resolution(),
            null, parseHlcOrNull(c.winnerHlc()), clock.millis()));
      }
    }
    List<OutboxEntry> synced = new ArrayList<>(entries.size());
    List<OutboxEntry> skewed = new ArrayList<>();
    for (OutboxEntry e : entries) {
      String key = Protocol.recordKey(e.type(), e.entityId());
      PushResponse.EntryError err = errors.get(key);
      if (err != null) {
        String message = err.code() + ": " + err.message();
        ErrorCode code = err.errorCode();
        if (code == ErrorCode.CLOCK_SKEW && cycle.restamped.add(key)) {
          skewed.add(e);
        } else if (code != null && code.isPermanent()) {
          store.markFailed(e, message, clock.millis(), true);
          cycle.failed++;
        } else {
          failWithBackoff(cycle, e, message, -1);
        }
      } else if (refused.containsKey(key)) {
        continue; // merged below with the version the server holds; still pending
      } else if (lost.contains(key)) {
        // The server kept a newer version we have not pulled yet: keep ours pending so that the
        // next pull hands both to the resolver.
        cycle.lostOnServer.put(key, e);
      } else {
        synced.add(e);
      }
    }
    store.markSynced(synced);
    cycle.pushed += synced.size();
    for (OutboxEntry e : synced) {
      // Its base now says the server has it.
      unanswered.remove(Protocol.recordKey(e.type(), e.entityId()));
    }
    Hlc newestAccepted = null;
    for (OutboxEntry e : synced) {
      if (newestAccepted == null || e.hlc().isAfter(newestAccepted)) {
        newestAccepted = e.hlc();
      }
    }
    if (newestAccepted != null) {
      // What the server accepted is a floor the clock must never come back below.
      hlc.receive(newestAccepted);
    }
    if (!skewed.isEmpty()) {
      restamp(skewed);
    }
    if (!refused.isEmpty()) {
      mergeRefused(cycle, refused.values());
    }
    if (!serverConflicts.isEmpty()) {
      store.inTransaction(tx -> {
        for (Conflict c : serverConflicts) {
          tx.recordConflict(c);
        }
        return null;
      });
      cycle.conflicts.addAll(serverConflicts);
      for (Conflict c : serverConflicts) {
        event(cycle, l -> l.onConflict(c));
      }
    }
  }

  /**
   * Entries the server refused as {@code clock_skew}: this device's clock is too far ahead of the
   * server's. The clock has learned the server's time from this cycle's pull, so each record is
   * stamped again (after its base, so it still supersedes the version it edited) and stays
   * pending; the same push loop sends it again. A second refusal in one cycle backs off.
   */
  private void restamp(List<OutboxEntry> entries) {
    log.warn("{} changes refused: this device's clock is ahead of the server's by more than the"
        + " bound (offset learned: {} ms); stamping them again", entries.size(),
        hlc.offsetMillis());
    restampAll(entries);
  }

  /** Gives each entry's record a fresh clock after its base, unless it changed meanwhile. */
  private void restampAll(List<OutboxEntry> entries) {
    store.inTransaction(tx -> {
      for (OutboxEntry e : entries) {
        LocalRecord lr = tx.get(e.type(), e.entityId());
        if (lr == null || !lr.current().hlc().equals(e.hlc())) {
          continue; // Changed since it was read: the newer version is pending anyway.
        }
        if (lr.base() != null) {
          hlc.receive(lr.base().hlc());
        }
        tx.writeLocal(lr.current().withHlc(hlc.now()));
      }
      return null;
    });
  }

  /**
   * Pending entries are local writes, but a database written before the host set this device id
   * (or by a tool that opened it without one) holds clocks naming another device, which the
   * server refuses ({@code invalid_hlc}). This device is their author now: they are stamped
   * again under its id. Returns true if any was.
   */
  private boolean restampForeign(List<OutboxEntry> due) {
    List<OutboxEntry> foreign = new ArrayList<>();
    for (OutboxEntry e : due) {
      if (e.hlc() != null && !hlc.deviceId().equals(e.hlc().deviceId())) {
        foreign.add(e);
      }
    }
    if (foreign.isEmpty()) {
      return false;
    }
    log.info("{} local changes carry the clock of device {}; stamping them as {}",
        foreign.size(), foreign.get(0).hlc().deviceId(), hlc.deviceId());
    restampAll(foreign);
    return true;
  }

  private void failWithBackoff(Cycle cycle, OutboxEntry e, String message, long retryAfter) {
    int tries = e.retryCount() + 1;
    boolean terminal = tries >= Backoff.MAX_TRIES;
    // A server that says when to come back is obeyed, but never sooner than our own backoff.
    long delay = Math.max(backoff.delayMillis(tries), retryAfter);
    store.markFailed(e, message, clock.millis() + delay, terminal);
    if (terminal) {
      cycle.failed++;
    }
  }

  /** Entries the server kept pending against a newer version that no pull resolved. */
  private void settleLost(Cycle cycle) {
    if (cycle.lostOnServer.isEmpty()) {
      return;
    }
    List<OutboxEntry> unresolved = new ArrayList<>();
    for (OutboxEntry e : cycle.lostOnServer.values()) {
      LocalRecord lr = store.get(e.type(), e.entityId());
      if (lr != null && lr.current().hlc().equals(e.hlc())) {
        unresolved.add(e);
      }
    }
    // The server's decision stands for versions it already ranked as older.
    store.markSynced(unresolved);
  }

  private static String batchId(List<OutboxEntry> entries, List<Change> changes) {
    // Deterministic: a batch re-sent after a lost response carries the same idempotency key.
    // The entries' update times change when an attempt fails or is retried by hand, so a retry
    // after a refusal is a new batch rather than a replay of the server's stored refusal.
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < changes.size(); i++) {
      Change c = changes.get(i);
      sb.append(c.type()).append('/').append(c.id()).append('@').append(c.hlc()).append('#')
          .append(entries.get(i).updatedAt()).append('\n');
    }
    return UUID.nameUUIDFromBytes(sb.toString().getBytes(StandardCharsets.UTF_8)).toString();
  }

  /**
   * The privacy filter. Local-only conversations never leave the device: not their versions, not
   * their records, and not the deletes of either (a tombstone carries no content, but it still
   * tells the server that the record existed, when, and on which device). A conversation's
   * privacy is read from its current version, or for a deleted one from the version the engine
   * last settled (its base), since a tombstone has no data.
   */
  private boolean shouldLeaveDevice(LocalRecord lr, Map<String, Boolean> localOnlyCache) {
    Record rec = lr.current();
    if (config.filter != null && !config.filter.test(rec)) {
      return false;
    }
    if (RecordTypes.CONVERSATION.equals(rec.type())) {
      return rec.deleted() ? !wasLocalOnly(lr) : !isLocalOnlyData(rec);
    }
    if (RecordTypes.belongsToConversation(rec.type())) {
      if (rec.deleted() && neverReachedServer(lr)) {
        // Created and deleted between two syncs: its conversation, and so its privacy, went with
        // its data, and the server has nothing to delete.
        return false;
      }
      String conversationId = conversationIdOf(lr);
      if (conversationId == null) {
        return true;
      }
      // One lookup per conversation and cycle: a batch is mostly messages of few conversations.
      Boolean localOnly = localOnlyCache.get(conversationId);
      if (localOnly == null) {
        localOnly = isLocalOnlyConversation(conversationId);
        localOnlyCache.put(conversationId, localOnly);
      }
      return !localOnly;
    }
    return true;
  }

  private static boolean isLocalOnlyData(Record rec) {
    return Conversation.PRIVACY_LOCAL_ONLY.equals(rec.data().path("privacy").asText(null));
  }

  private boolean isLocalOnlyConversation(String conversationId) {
    LocalRecord c = store.get(RecordTypes.CONVERSATION, conversationId);
    if (c == null) {
      return false;
    }
    return c.current().deleted() ? wasLocalOnly(c) : isLocalOnlyData(c.current());
  }

  /**
   * Whether a deleted conversation counts as local-only: when it never reached the server, or
   * when the last version the engine settled was local-only (a conversation made local-only
   * after it synced stays on the server as it last synced; its delete stays here too).
   */
  private boolean wasLocalOnly(LocalRecord conversation) {
    if (neverReachedServer(conversation)) {
      return true;
    }
    Record base = conversation.base();
    return base != null && !base.deleted() && isLocalOnlyData(base);
  }

  /**
   * True when the server cannot hold the record: it has no base (never pushed, pulled or settled)
   * and no push of it ended without an answer. The cycle pulls before it pushes, so a version
   * another device stored under the same id would have become the base by now.
   */
  private boolean neverReachedServer(LocalRecord lr) {
    return lr.base() == null
        && !unanswered.contains(Protocol.recordKey(lr.current().type(), lr.current().id()));
  }

  private String conversationIdOf(LocalRecord lr) {
    Record rec = lr.current();
    if (rec.deleted()) {
      // A tombstone carries no data; its last agreed base knows the conversation, if any.
      Record base = lr.base();
      return base == null || base.deleted() ? null : base.data().path("conversationId")
          .asText(null);
    }
    return rec.data().path("conversationId").asText(null);
  }

  // ---- pull ----

  private void pullAll(Cycle cycle) {
    String cursor = store.state(CURSOR_KEY);
    boolean resetOnce = false;
    for (int page = 0; page < 1_000_000 && !closed; page++) {
      PullResponse response;
      long sentAt = clock.millis();
      try {
        response = transport.pull(cursor, config.pullPageSize);
        // Before applying the page, so that its clocks are bounded by the corrected wall clock.
        hlc.observeServerTime(response.serverTimestamp(), sentAt, clock.millis());
      } catch (TransportException e) {
        if (!ErrorCode.BAD_CURSOR.is(e.errorCode()) || resetOnce) {
          throw e;
        }
        // The server does not know our cursor (it was reset or restored from a backup): pull
        // everything again. Records we already have are recognised by their clocks.
        log.warn("server refused cursor {}; pulling from the beginning", cursor);
        resetOnce = true;
        cursor = null;
        page--;
        continue;
      }
      List<Record> applied = new ArrayList<>();
      List<Conflict> conflicts = new ArrayList<>();
      String next = response.cursor();
      store.inTransaction(tx -> {
        for (Change change : response.changes()) {
          applyChange(tx, change, applied, conflicts);
        }
        if (next != null) {
          tx.putState(CURSOR_KEY, next);
        }
        return null;
      });
      cycle.pulled += applied.size();
      for (Record r : applied) {
        cycle.remoteTypes.add(r.type());
      }
      cycle.conflicts.addAll(conflicts);
      for (Conflict c : conflicts) {
        event(cycle, l -> l.onConflict(c));
      }
      for (Record r : applied) {
        event(cycle, l -> l.onRemoteChange(r));
      }
      if (next != null) {
        cursor = next;
      }
      if (!response.hasMore() || response.changes().isEmpty()) {
        return;
      }
    }
  }

  /**
   * A settled tombstone met by an older remote version: the server ranks by clock and keeps one
   * version per record, so it would never hand out an older one had it taken this tombstone. So
   * the delete was withheld (the record seemed never to have reached the server).
   */
  private static boolean deletedOnlyHere(LocalRecord lr) {
    return lr.current().deleted() && lr.current().equals(lr.base());
  }

  private void applyChange(StoreTransaction tx, Change change, List<Record> applied,
      List<Conflict> conflicts) {
    if (hlc.deviceId().equals(change.deviceId())) {
      return;
    }
    ChangeError invalid = change.validate(Long.MAX_VALUE);
    if (invalid != null) {
      log.warn("skipping invalid change from server {}: {}", change, invalid);
      return;
    }
    Record remote = change.toRecord();
    hlc.receive(remote.hlc());
    LocalRecord lr;
    try {
      lr = tx.get(remote.type(), remote.id());
    } catch (IllegalArgumentException unknownType) {
      log.warn("skipping change of a type this device does not know: {}", change);
      return;
    }
    if (lr == null) {
      tx.applyRemote(remote);
      applied.add(remote);
      return;
    }
    Record local = lr.current();
    if (local.hlc().equals(remote.hlc())) {
      return;
    }
    // Our own masked text coming back must not replace the secrets this device still holds.
    remote = UnredactedCopy.restore(config.redactor, local, lr.base(), remote);
    boolean withheld = false;
    if (!tx.hasUnsyncedChanges(remote.type(), remote.id())) {
      if (remote.hlc().isAfter(local.hlc())) {
        tx.applyRemote(remote);
        applied.add(remote);
        return;
      }
      if (!deletedOnlyHere(lr)) {
        return;
      }
      // A delete kept home because the record seemed never to have reached the server; another
      // device's version under the same id shows it has. The delete is an unsynced change after
      // all: the resolver decides, and if it keeps the delete, the delete goes out.
      withheld = true;
    }
    ConflictResolver resolver = resolverFor(remote.type());
    Record base = withheld ? null : lr.base();
    String remoteBase = change.baseHlc();
    if (remoteBase != null && (base == null || !remoteBase.equals(base.hlc().toString()))) {
      // Built on a version of ours we never heard back about: the true common ancestor.
      Record ours = unansweredVersion(Protocol.recordKey(remote.type(), remote.id()), remoteBase);
      if (ours != null) {
        base = ours;
      }
    }
    ConflictResolver.Resolution res = resolver.resolve(base, local, remote);
    switch (res.outcome()) {
      case REMOTE:
        tx.applyRemote(remote);
        applied.add(remote);
        break;
      case LOCAL:
        tx.setBase(remote);
        if (!local.hlc().isAfter(remote.hlc())) {
          // Keep our version, but make it newer than the remote so the server ranks it last.
          tx.writeLocal(local.withHlc(hlc.now()));
        } else if (withheld) {
          tx.writeLocal(local);
        }
        break;
      case MERGED:
      default:
        tx.setBase(remote);
        Record merged = res.deleted() ? Record.tombstone(remote.type(), remote.id(), hlc.now())
            : Record.of(remote.type(), remote.id(), hlc.now(), res.json());
        tx.writeLocal(merged);
        applied.add(merged);
        break;
    }
    long now = clock.millis();
    for (Conflict c : res.conflicts()) {
      Conflict stamped = c.decidedAt() == 0 ? c.withDecidedAt(now) : c;
      tx.recordConflict(stamped);
      conflicts.add(stamped);
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

  private volatile LiveFrames liveFrames;

  /** Sets the one {@link LiveFrames} listener (Tandem's device and command client). */
  public void setLiveFrames(LiveFrames frames) {
    this.liveFrames = frames;
  }

  /** Returns true while the live channel is open. */
  public boolean isLiveOpen() {
    return liveOpen;
  }

  private void ensureLive() {
    if (!config.live || !config.autoSync || closed || live != null || scheduler == null
        || livePaused || !networkAvailable) {
      return;
    }
    Transport.LiveConnection connection;
    try {
      connection = transport.openLive(store.state(CURSOR_KEY), new Transport.LiveListener() {
        @Override
        public void onOpen() {
          liveOpen = true;
          liveFailures = 0;
          publishStatusAsync();
          LiveFrames f = liveFrames;
          if (f != null) {
            f.onLiveOpen();
          }
        }

        @Override
        public void onChanges(String cursor) {
          requestSync(0);
        }

        @Override
        public void onFrame(String type, String json) {
          LiveFrames f = liveFrames;
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
    if (livePaused || !networkAvailable) {
      // The host paused or lost the network while the channel was being opened.
      closeLive();
    }
  }

  private void onLiveClosed(Throwable cause) {
    liveOpen = false;
    live = null;
    if (closed) {
      return;
    }
    log.debug("live channel closed", cause);
    scheduleReconnect();
    publishStatusAsync();
  }

  /**
   * Tries again to reach the server and reopen the live channel after a growing, jittered delay
   * (1 s doubling to 30 s). Each try is a full cycle, so whatever the channel would have
   * announced while down is caught up by the pull; the sweep keeps running meanwhile.
   */
  private void scheduleReconnect() {
    if (!config.live || !config.autoSync || closed || scheduler == null || livePaused
        || !networkAvailable || !reconnectScheduled.compareAndSet(false, true)) {
      return;
    }
    long delay = backoff.reconnectDelayMillis(++liveFailures);
    try {
      scheduler.schedule(() -> {
        reconnectScheduled.set(false);
        if (livePaused || !networkAvailable) {
          return;
        }
        try {
          if (!online) {
            transport.health();
          }
          requestSync(0);
        } catch (TransportException e) {
          goOffline(e);
          scheduleReconnect();
        }
      }, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      reconnectScheduled.set(false);
    }
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
      liveFailures = 0;
      if (config.autoSync) {
        requestSync(0);
      }
    } else {
      online = false;
      closeLive();
      publishStatusAsync();
    }
  }

  /**
   * Closes the live channel and keeps it closed while {@code paused}; the sweep keeps polling.
   * Resuming runs a cycle at once (catching up on what the channel would have announced) and
   * reopens the channel.
   */
  public void setLivePaused(boolean paused) {
    if (livePaused == paused) {
      return;
    }
    livePaused = paused;
    if (closed || transport == null) {
      return;
    }
    if (paused) {
      closeLive();
      publishStatusAsync();
    } else if (config.autoSync && networkAvailable) {
      liveFailures = 0;
      requestSync(0);
    }
  }

  /** Returns whether the live channel is open (its handshake done). */
  public boolean liveOpen() {
    return liveOpen;
  }

  private void closeLive() {
    Transport.LiveConnection l = live;
    if (l != null) {
      // A closed connection reports nothing more, so the engine forgets it here.
      live = null;
      liveOpen = false;
      l.close();
    }
  }

  // ---- status and listeners ----

  public SyncStatus status() {
    SyncStatus.Mode mode;
    if (transport == null) {
      mode = SyncStatus.Mode.LOCAL_ONLY;
    } else if (!online) {
      mode = SyncStatus.Mode.OFFLINE;
    } else {
      mode = liveOpen ? SyncStatus.Mode.LIVE : SyncStatus.Mode.POLLING;
    }
    return new SyncStatus(store.countOutbox(OutboxEntry.Status.PENDING),
        store.countOutbox(OutboxEntry.Status.FAILED), lastSyncAt, uploadError, downloadError,
        mode, store.state(CURSOR_KEY), hlc.offsetMillis(), hlc.clampedReceives());
  }

  public int retryFailed() {
    int moved = store.retryFailed(clock.millis());
    if (moved > 0 && transport != null && config.autoSync) {
      requestSync(0);
    }
    return moved;
  }

  public ListenerToken addListener(SyncListener listener, Executor executor) {
    Registration r = new Registration(listener,
        executor != null ? executor : defaultListenerExecutor);
    listeners.add(r);
    return () -> listeners.remove(r);
  }

  private void publishStatusAsync() {
    if (scheduler != null && !closed) {
      try {
        scheduler.execute(this::publishStatus);
      } catch (java.util.concurrent.RejectedExecutionException ignored) {
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
    SyncStatus prev = lastPublished;
    if (s.equals(prev)) {
      return;
    }
    lastPublished = s;
    for (Registration r : listeners) {
      dispatch(r, l -> l.onStatus(s));
    }
  }

  /**
   * Keeps an event for delivery after the cycle; none is kept while no listener is registered,
   * so a pull of a whole history holds no copy of it.
   */
  private void event(Cycle cycle, Consumer<SyncListener> event) {
    if (!listeners.isEmpty()) {
      cycle.events.add(event);
    }
  }

  /** Hands a cycle's events to every listener, in order; called without any lock held. */
  private void deliver(List<Consumer<SyncListener>> events) {
    for (Consumer<SyncListener> event : events) {
      for (Registration r : listeners) {
        dispatch(r, event);
      }
    }
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
      if (!closed) {
        log.warn("listener executor rejected an event", e);
      }
    } catch (RuntimeException e) {
      log.warn("listener executor rejected an event", e);
    }
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
    Transport.LiveConnection l = live;
    if (l != null) {
      l.close();
    }
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
    stopListenerThread();
  }

  /**
   * Lets the own listener thread deliver what is queued (events of work already done), waiting
   * up to 5 s; a listener still blocked then is interrupted. Not waited for when close() is called
   * from a listener, which would otherwise wait for itself.
   */
  private void stopListenerThread() {
    if (ownListenerExecutor == null) {
      return;
    }
    ownListenerExecutor.shutdown();
    if (Thread.currentThread() == listenerThread) {
      return;
    }
    try {
      if (!ownListenerExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
        ownListenerExecutor.shutdownNow();
      }
    } catch (InterruptedException e) {
      ownListenerExecutor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static Hlc parseHlcOrNull(String s) {
    try {
      return s == null ? null : Hlc.parse(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String describe(TransportException e) {
    return e.errorCode() == null ? e.getMessage() : e.errorCode() + ": " + e.getMessage();
  }

  private static final class Cycle {
    int pushed;
    int pulled;
    int failed;
    /** True while pushing: a failure then is an upload error, else a download error. */
    boolean uploading;
    SyncException uploadError;
    SyncException downloadError;
    final List<Conflict> conflicts = new ArrayList<>();
    /** Listener events, delivered once the cycle lock is released. */
    final List<Consumer<SyncListener>> events = new ArrayList<>();
    final Map<String, OutboxEntry> lostOnServer = new HashMap<>();
    final Map<String, Boolean> localOnly = new HashMap<>();
    /** Types of the records pulled (or merged) in this cycle, for the change stream. */
    final Set<String> remoteTypes = new java.util.LinkedHashSet<>();

    void fail(SyncException e) {
      if (uploading) {
        uploadError = e;
      } else {
        downloadError = e;
      }
    }
    final Set<String> restamped = new HashSet<>();
  }

  private static final class Registration {
    final SyncListener listener;
    final Executor executor;

    Registration(SyncListener listener, Executor executor) {
      this.listener = listener;
      this.executor = executor;
    }
  }
}
