package dev.tandem.sync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.SyncEngine;
import dev.tandem.sync.redact.Redactors;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.LocalStoreProvider;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.Redactor;
import dev.tandem.sync.spi.StoreConfig;
import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.spi.TransportProvider;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A local-first store that syncs: every write lands in the local database at once, with its
 * outbox entry, and a background worker sends it to the server and brings other devices' changes
 * in.
 *
 * <pre>{@code
 * try (Tandem tandem = Tandem.builder()
 *     .database(Paths.get("tandem.db"))
 *     .server(URI.create("http://127.0.0.1:8080"), token, "team-1")
 *     .build()) {
 *   tandem.conversations().save(Conversation.builder("c-1").title("Hello").build());
 *   SyncResult r = tandem.syncNow();
 * }
 * }</pre>
 *
 * <p>A {@code Tandem} owns its database and its worker thread: share one instance per database
 * file across the host, and close it when done. Close stops the worker (waiting briefly for a
 * sync in flight) and closes the database. All methods are thread-safe; after {@link #close()}
 * they throw {@link ClosedException}.
 */
public final class Tandem implements AutoCloseable {
  private static final String DEVICE_ID_KEY = "device_id";

  private final LocalStore store;
  private final SyncEngine engine;
  private final dev.tandem.sync.internal.Coordinator coordinator;
  private final Devices devices;
  private final Commands commands;
  private final HlcClock hlc;
  private final Clock clock;
  private final long maxRecordBytes;
  private final Set<String> types;
  private final Conversations conversations;
  private final Messages messages;
  private final Map<String, Records> repositories = new HashMap<>();
  private volatile boolean closed;

  private Tandem(Builder b, LocalStore store, String deviceId, Transport transport) {
    this.store = store;
    this.clock = b.clock;
    this.maxRecordBytes = b.maxRecordBytes;
    this.types = new LinkedHashSet<>(RecordTypes.BUILT_IN);
    this.types.addAll(b.customTypes);
    this.hlc = new HlcClock(clock, deviceId);
    dev.tandem.sync.internal.EngineSettings settings = b.engine
        .batchSize(b.batchSize)
        // Left at its default, a backlog goes in batches of up to the protocol's 1,000.
        .backlogBatchSize(b.batchSizeSet ? b.batchSize : 1000)
        .redactor(b.redactor)
        .filter(b.filter)
        .defaultResolver(b.resolver)
        .resolvers(b.resolvers)
        .scheduler(b.scheduler)
        .listenerExecutor(b.listenerExecutor)
        .build();
    this.engine = new SyncEngine(store, transport, hlc, clock, settings);
    this.conversations = new Conversations(this);
    this.messages = new Messages(this);
    this.coordinator = new dev.tandem.sync.internal.Coordinator(store, transport, engine, clock,
        deviceId);
    this.devices = new Devices(coordinator);
    this.commands = new Commands(coordinator);
    engine.start();
    coordinator.start();
  }

  /** Returns a new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the typed repository of conversations. */
  public Conversations conversations() {
    ensureOpen();
    return conversations;
  }

  /** Returns the typed repository of messages. */
  public Messages messages() {
    ensureOpen();
    return messages;
  }

  /**
   * Returns the generic repository of {@code type}: a built-in type or one registered with
   * {@link Builder#registerType(String)}.
   *
   * @throws IllegalArgumentException if the type is invalid or not registered
   */
  public Records records(String type) {
    ensureOpen();
    requireKnownType(type);
    synchronized (repositories) {
      return repositories.computeIfAbsent(type, t -> new Records(this, t));
    }
  }

  /**
   * Pushes every pending change, then pulls until up to date. Blocks until done.
   *
   * @return what moved; {@link SyncResult#ok()} is false if the server could not be reached
   */
  public SyncResult syncNow() {
    ensureOpen();
    return engine.syncNow();
  }

  /** Returns the current sync status. */
  public SyncStatus status() {
    ensureOpen();
    return engine.status();
  }

  /**
   * Tells the engine whether the platform reports a network (Android's connectivity callbacks,
   * say). While false, the engine is {@linkplain SyncStatus.Mode#OFFLINE offline} and does no
   * background network work: no sweep, no health probe, no live channel; writes queue locally and
   * {@link #syncNow()} still tries. When true again, a sync runs at once. Default true.
   */
  public void setNetworkAvailable(boolean available) {
    ensureOpen();
    engine.setNetworkAvailable(available);
  }

  /**
   * Closes the live channel and keeps it closed while {@code paused} (an app in the background);
   * the sweep keeps polling. Resuming syncs at once and reopens the channel. Default false.
   */
  public void setLivePaused(boolean paused) {
    ensureOpen();
    engine.setLivePaused(paused);
  }

  /** Moves failed outbox entries back to pending and schedules a sync. Returns how many moved. */
  public int retryFailed() {
    ensureOpen();
    return engine.retryFailed();
  }

  /**
   * Returns up to {@code limit} outbox entries parked as failed (refused by the server, or failed
   * too often), oldest first, each with the error that parked it. {@link #retryFailed()} sends them
   * again.
   *
   * @throws IllegalArgumentException if {@code limit} is not positive
   */
  public List<OutboxEntry> failedEntries(int limit) {
    ensureOpen();
    Records.requirePositive(limit);
    return store.failedEntries(limit);
  }

  /**
   * Adds a listener whose methods run on the {@linkplain Builder#listenerExecutor default
   * listener executor}, never under the engine's lock and never on the thread that called
   * {@link #syncNow()}. Close the token to remove it.
   */
  public ListenerToken addListener(SyncListener listener) {
    ensureOpen();
    return engine.addListener(listener, null);
  }

  /**
   * Adds a listener whose methods run on {@code executor}. Events are handed to it after the sync
   * cycle that produced them has released the engine's lock, so even a direct executor
   * ({@code Runnable::run}) may block or call {@link #syncNow()} without stalling other syncs.
   */
  public ListenerToken addListener(SyncListener listener, Executor executor) {
    ensureOpen();
    return engine.addListener(listener, Objects.requireNonNull(executor, "executor"));
  }

  /**
   * Observes changes of the local data, for UIs that show it: {@code observer} hears of local
   * writes (through this {@code Tandem}), of remote changes applied by sync, and of writes by
   * another process on the same database file (found by polling SQLite's {@code PRAGMA
   * data_version} every {@link Builder#observeInterval}, only while an observer is registered).
   *
   * <pre>{@code
   * ListenerToken t = tandem.observe(change -> {
   *   if (change.affects("message")) {
   *     refreshMessages();
   *   }
   * });
   * }</pre>
   *
   * <p>Callbacks run on the {@linkplain Builder#listenerExecutor default listener executor},
   * after the write committed, never under the engine's or the store's lock; a burst of changes
   * of one source coalesces into one callback. Close the token to stop observing.
   */
  public ListenerToken observe(ChangeObserver observer) {
    ensureOpen();
    return engine.changeFeed().add(Objects.requireNonNull(observer, "observer"), null);
  }

  /** Like {@link #observe(ChangeObserver)}, with callbacks run on {@code executor}. */
  public ListenerToken observe(ChangeObserver observer, Executor executor) {
    ensureOpen();
    return engine.changeFeed().add(Objects.requireNonNull(observer, "observer"),
        Objects.requireNonNull(executor, "executor"));
  }

  /**
   * Searches message text and returns ranked hits with snippets.
   *
   * @throws IllegalArgumentException if the query is empty or cannot be parsed
   */
  public List<SearchHit> search(String query, int limit) {
    ensureOpen();
    Objects.requireNonNull(query, "query");
    if (query.trim().isEmpty()) {
      throw new IllegalArgumentException("empty search query");
    }
    Records.requirePositive(limit);
    return store.history().search(query, limit);
  }

  /**
   * Runs {@code work} in one transaction: its writes and their outbox entries commit together, or
   * none of them does if {@code work} throws.
   *
   * <pre>{@code
   * tandem.batch(b -> {
   *   b.put("conversation", "c-1", "{\"title\":\"t\"}");
   *   b.put("message", "m-1", "{\"conversationId\":\"c-1\",\"role\":\"user\"}");
   * });
   * }</pre>
   */
  public void batch(java.util.function.Consumer<WriteBatch> work) {
    ensureOpen();
    Objects.requireNonNull(work, "work");
    WriteBatch done = store.inTransaction(tx -> {
      WriteBatch b = new WriteBatch(this, tx);
      work.accept(b);
      return b;
    });
    if (done.writes() > 0) {
      engine.onLocalWrite();
      engine.changeFeed().local(done.types());
    }
  }

  /** Returns a host-local value written with {@link WriteBatch#putLocalState}, or null. */
  public @Nullable String localState(String key) {
    ensureOpen();
    return store.state("host." + key);
  }

  /** Returns recorded conflicts, newest first. */
  public List<Conflict> conflicts(int limit) {
    ensureOpen();
    Records.requirePositive(limit);
    return store.conflicts(limit);
  }

  /** Returns this device's id, as stamped on every change it makes. */
  public String deviceId() {
    return hlc.deviceId();
  }

  /**
   * Returns the local store, for hosts that need its raw surface. Writes made through it bypass
   * the clock and the outbox unless done through its transaction API.
   */
  public LocalStore store() {
    ensureOpen();
    return store;
  }

  /**
   * Returns the team's devices and their presence (PROTOCOL "Devices and presence"). Needs a
   * server.
   */
  public Devices devices() {
    ensureOpen();
    return devices;
  }

  /** Returns remote commands: send them to other devices, handle those sent here. */
  public Commands commands() {
    ensureOpen();
    return commands;
  }

  /** Returns the command client, for tests that wait for it. */
  dev.tandem.sync.internal.Coordinator coordinator() {
    return coordinator;
  }

  /** Stops the worker and closes the database. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      coordinator.close();
      engine.close();
    } finally {
      store.close();
    }
  }

  // ---- package-private write path used by the repositories ----

  Hlc nextHlc() {
    return hlc.now();
  }

  void requireKnownType(String type) {
    Ids.requireType(type);
    if (!types.contains(type)) {
      throw new IllegalArgumentException("unknown type \"" + type
          + "\": register it with Tandem.builder().registerType(\"" + type + "\")");
    }
  }

  void requireSize(String type, String id, String json) {
    long size = dev.tandem.sync.internal.Utf8.length(json);
    if (size > maxRecordBytes) {
      throw new StoreException(SyncException.Reason.RECORD_TOO_LARGE,
          type + "/" + id + " is " + size + " bytes, over the limit of " + maxRecordBytes);
    }
  }

  Record write(String type, String id, String json) {
    return write(type, id, json, null);
  }

  /** {@code data}: {@code json} already parsed, handed to the store so it need not parse again. */
  Record write(String type, String id, String json, @Nullable ObjectNode data) {
    ensureOpen();
    requireSize(type, id, json);
    Record written = store.inTransaction(tx -> {
      Record r = Record.of(type, id, hlc.now(), json);
      tx.writeLocal(r, data);
      return r;
    });
    engine.onLocalWrite();
    engine.changeFeed().local(Collections.singleton(type));
    return written;
  }

  boolean delete(String type, String id) {
    ensureOpen();
    boolean deleted = store.inTransaction(tx -> {
      LocalRecord existing = tx.get(type, id);
      if (existing == null || existing.current().deleted()) {
        return false;
      }
      tx.writeLocal(Record.tombstone(type, id, hlc.now()));
      return true;
    });
    if (deleted) {
      engine.onLocalWrite();
      engine.changeFeed().local(Collections.singleton(type));
    }
    return deleted;
  }

  boolean deleteConversation(String id) {
    ensureOpen();
    List<Record> children = childrenOf(id);
    boolean deleted = store.inTransaction(tx -> {
      LocalRecord existing = tx.get(RecordTypes.CONVERSATION, id);
      if (existing == null || existing.current().deleted()) {
        return false;
      }
      for (Record child : children) {
        tx.writeLocal(Record.tombstone(child.type(), child.id(), hlc.now()));
      }
      tx.writeLocal(Record.tombstone(RecordTypes.CONVERSATION, id, hlc.now()));
      return true;
    });
    if (deleted) {
      engine.onLocalWrite();
      engine.changeFeed().local(typesOf(children, RecordTypes.CONVERSATION));
    }
    return deleted;
  }

  void requeueConversation(String id) {
    List<Record> children = childrenOf(id);
    store.inTransaction(tx -> {
      for (Record child : children) {
        tx.writeLocal(child.withHlc(hlc.now()));
      }
      return null;
    });
    engine.onLocalWrite();
    if (!children.isEmpty()) {
      engine.changeFeed().local(typesOf(children, null));
    }
  }

  private static Set<String> typesOf(List<Record> records, String also) {
    Set<String> types = new LinkedHashSet<>();
    if (also != null) {
      types.add(also);
    }
    for (Record r : records) {
      types.add(r.type());
    }
    return types;
  }

  private List<Record> childrenOf(String conversationId) {
    List<Record> children = new ArrayList<>();
    for (String type : RecordTypes.BUILT_IN) {
      if (RecordTypes.belongsToConversation(type)) {
        children.addAll(store.history().listByConversation(type, conversationId));
      }
    }
    return children;
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("Tandem");
    }
  }

  /**
   * Configures and opens a {@link Tandem}. Single-valued settings fail fast if set twice. Not
   * thread-safe.
   */
  public static final class Builder {
    private Path database;
    private LocalStore store;
    private String deviceId;
    private URI serverUri;
    private String token;
    private String teamId;
    private Transport transport;
    private ConflictResolver resolver;
    private final Map<String, ConflictResolver> resolvers = new HashMap<>();
    private final Set<String> customTypes = new LinkedHashSet<>();
    private Clock clock = Clock.SYSTEM;
    private long maxRecordBytes = StoreConfig.DEFAULT_MAX_RECORD_BYTES;
    private boolean synchronousFull;
    private Redactor redactor;
    private Predicate<Record> filter;
    private int batchSize = 100;
    private boolean batchSizeSet;
    // The settings that go to the engine as given; their defaults live there only.
    private final dev.tandem.sync.internal.EngineSettings.Builder engine =
        dev.tandem.sync.internal.EngineSettings.builder();
    private ScheduledExecutorService scheduler;
    private Executor listenerExecutor;

    private Builder() {}

    /** Sets the local SQLite file; needs {@code tandem-sync-sqlite} on the classpath. */
    public Builder database(Path path) {
      requireUnset(database == null && store == null, "database");
      this.database = Objects.requireNonNull(path, "path");
      return this;
    }

    /** Uses an already opened store instead of {@link #database(Path)}. */
    public Builder store(LocalStore localStore) {
      requireUnset(database == null && store == null, "store");
      this.store = Objects.requireNonNull(localStore, "store");
      return this;
    }

    /**
     * Sets this device's id. When omitted, an id is generated on first open and persisted in the
     * database.
     *
     * @throws IllegalArgumentException if the id is invalid
     */
    public Builder deviceId(String id) {
      requireUnset(deviceId == null, "deviceId");
      this.deviceId = Ids.requireDeviceId(id);
      return this;
    }

    /**
     * Syncs with the server at {@code uri} using the default transport ({@code
     * tandem-sync-transport} on the classpath). Omit for a local-only store.
     */
    public Builder server(URI uri, String token, String teamId) {
      requireUnset(serverUri == null && transport == null, "server");
      this.serverUri = Objects.requireNonNull(uri, "uri");
      this.token = Objects.requireNonNull(token, "token");
      this.teamId = Objects.requireNonNull(teamId, "teamId");
      return this;
    }

    /** Syncs through {@code t} instead of {@link #server}. */
    public Builder transport(Transport t) {
      requireUnset(serverUri == null && transport == null, "transport");
      this.transport = Objects.requireNonNull(t, "transport");
      return this;
    }

    /** Sets the resolver for every type without its own. Default: last-write-wins by clock. */
    public Builder conflictResolver(ConflictResolver r) {
      requireUnset(resolver == null, "conflictResolver");
      this.resolver = Objects.requireNonNull(r, "resolver");
      return this;
    }

    /** Sets the resolver for one type. */
    public Builder conflictResolver(String type, ConflictResolver r) {
      Ids.requireType(type);
      requireUnset(!resolvers.containsKey(type), "conflictResolver(" + type + ")");
      resolvers.put(type, Objects.requireNonNull(r, "resolver"));
      return this;
    }

    /**
     * Registers a host record type, available through {@link Tandem#records(String)}.
     *
     * @throws IllegalArgumentException if the name is invalid or built in
     */
    public Builder registerType(String type) {
      Ids.requireType(type);
      if (RecordTypes.BUILT_IN.contains(type)) {
        throw new IllegalArgumentException("\"" + type + "\" is a built-in type");
      }
      customTypes.add(type);
      return this;
    }

    /** Sets the wall clock; tests use a fake one. */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /**
     * Sets the largest record data size in UTF-8 bytes (default 4 MiB).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxRecordBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxRecordBytes must be positive: " + bytes);
      }
      this.maxRecordBytes = bytes;
      return this;
    }

    /** Uses {@code PRAGMA synchronous=FULL} (durable across power loss) instead of NORMAL. */
    public Builder synchronousFull(boolean full) {
      this.synchronousFull = full;
      return this;
    }

    /**
     * Replaces the built-in secret redactor ({@link Redactors#defaults()}) applied to every
     * outgoing record; {@link Redactors#builder()} starts a variant of it.
     */
    public Builder redactor(Redactor r) {
      requireUnset(redactor == null, "redactor");
      this.redactor = Objects.requireNonNull(r, "redactor");
      return this;
    }

    /** Records rejected by {@code f} never leave the device. */
    public Builder syncFilter(Predicate<Record> f) {
      requireUnset(filter == null, "syncFilter");
      this.filter = Objects.requireNonNull(f, "filter");
      return this;
    }

    /**
     * Sets the most outbox entries sent in one request. By default 100, and up to 1,000 while
     * a backlog of more than 100 waits; a size set here holds always.
     *
     * @throws IllegalArgumentException unless between 1 and 1000
     */
    public Builder batchSize(int n) {
      if (n < 1 || n > 1000) {
        throw new IllegalArgumentException("batchSize must be 1..1000: " + n);
      }
      this.batchSize = n;
      this.batchSizeSet = true;
      return this;
    }

    /**
     * Sets how many changes one pull asks for (default 500).
     *
     * @throws IllegalArgumentException unless between 1 and 5000
     */
    public Builder pullPageSize(int n) {
      if (n < 1 || n > 5000) {
        throw new IllegalArgumentException("pullPageSize must be 1..5000: " + n);
      }
      engine.pullPageSize(n);
      return this;
    }

    /** Sets the interval of the background sweep (default 10 s). */
    public Builder sweepInterval(Duration interval) {
      engine.sweepIntervalMillis(requirePositive(interval, "sweepInterval").toMillis());
      return this;
    }

    /** Sets how long after a local write the worker pushes it (default 50 ms). */
    public Builder flushDelay(Duration delay) {
      engine.flushDelayMillis(Objects.requireNonNull(delay, "flushDelay").toMillis());
      return this;
    }

    /**
     * With false, no background worker runs: the host calls {@link Tandem#syncNow()} itself.
     * Default true.
     */
    public Builder autoSync(boolean enabled) {
      engine.autoSync(enabled);
      return this;
    }

    /** With false, never opens the live channel and relies on the sweep. Default true. */
    public Builder live(boolean enabled) {
      engine.live(enabled);
      return this;
    }

    /**
     * Runs background work on {@code executor} instead of the default single daemon thread
     * "Sync Dispatcher". The host owns it and shuts it down.
     */
    public Builder scheduler(ScheduledExecutorService executor) {
      requireUnset(scheduler == null, "scheduler");
      this.scheduler = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the default executor for listener callbacks. Without one, callbacks run in order on
     * the engine's own daemon thread "Sync Listeners", which stops when the {@code Tandem} is
     * closed (after delivering what was queued, waiting at most 5 s). A host's executor is its
     * own to shut down; events reach it only after the engine's lock is released.
     */
    public Builder listenerExecutor(Executor executor) {
      requireUnset(listenerExecutor == null, "listenerExecutor");
      this.listenerExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets how often {@link Tandem#observe} checks for writes by other processes while an observer
     * is registered (default 500 ms).
     *
     * @throws IllegalArgumentException unless between 10 ms and 1 minute
     */
    public Builder observeInterval(Duration interval) {
      Objects.requireNonNull(interval, "observeInterval");
      if (interval.toMillis() < 10 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("observeInterval must be 10 ms to 1 min: " + interval);
      }
      engine.observePollMillis(interval.toMillis());
      return this;
    }

    /**
     * Opens the database, migrates it and starts the worker.
     *
     * @throws IllegalStateException if neither {@link #database} nor {@link #store} was set
     * @throws StoreException if the database cannot be opened
     */
    public Tandem build() {
      if (database == null && store == null) {
        throw new IllegalStateException("set database(path) or store(localStore)");
      }
      if (redactor == null) {
        redactor = Redactors.defaults();
      }
      if (resolver == null) {
        resolver = SyncEngine.LWW_BY_HLC;
      }
      LocalStore s = store != null ? store : load(LocalStoreProvider.class, "tandem-sync-sqlite")
          .open(new StoreConfig(database, maxRecordBytes, synchronousFull, clock, customTypes));
      Transport t = null;
      try {
        String id = deviceId;
        if (id == null) {
          id = s.state(DEVICE_ID_KEY);
          if (id == null) {
            String generated = generateDeviceId();
            id = s.inTransaction(tx -> {
              String existing = tx.state(DEVICE_ID_KEY);
              if (existing != null) {
                return existing;
              }
              tx.putState(DEVICE_ID_KEY, generated);
              return generated;
            });
          }
        }
        t = transport;
        if (t == null && serverUri != null) {
          t = load(TransportProvider.class, "tandem-sync-transport")
              .create(serverUri, token, teamId, id);
        }
        return new Tandem(this, s, id, t);
      } catch (RuntimeException e) {
        if (t != null && transport == null) {
          t.close();
        }
        if (store == null) {
          s.close();
        }
        throw e;
      }
    }

    private static String generateDeviceId() {
      byte[] b = new byte[6];
      new SecureRandom().nextBytes(b);
      StringBuilder sb = new StringBuilder("dev-");
      for (byte x : b) {
        sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
      }
      return sb.toString();
    }

    private static <T> T load(Class<T> service, String artifact) {
      Iterator<T> it = ServiceLoader.load(service, Tandem.class.getClassLoader()).iterator();
      if (!it.hasNext()) {
        throw new IllegalStateException("no " + service.getSimpleName()
            + " on the classpath: add the dev.tandem:" + artifact + " dependency");
      }
      return it.next();
    }

    private static void requireUnset(boolean unset, String what) {
      if (!unset) {
        throw new IllegalStateException(what + " was already set");
      }
    }

    private static Duration requirePositive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }
  }
}
