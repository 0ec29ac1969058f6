package dev.tandem.sync.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Clock;
import dev.tandem.sync.CommandHandler;
import dev.tandem.sync.CommandInfo;
import dev.tandem.sync.CommandOptions;
import dev.tandem.sync.CommandReporter;
import dev.tandem.sync.CommandUpdate;
import dev.tandem.sync.Device;
import dev.tandem.sync.Ids;
import dev.tandem.sync.IncomingCommand;
import dev.tandem.sync.ListenerToken;
import dev.tandem.sync.PresenceListener;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of devices and remote commands, behind {@code Tandem.devices()} and {@code
 * Tandem.commands()}.
 *
 * <p>Threading: everything that changes state — frames from the live channel, sends, acks,
 * results, the retry tick — runs on one thread, "Tandem Commands", so nothing here needs a lock
 * and the server hears each command's reports in order. Handlers run on their own pool, and
 * callbacks (progress, presence) on one callback thread, so neither can hold up the other or
 * the sync engine, whose lock is never taken here.
 *
 * <p>Durability, in the local store's {@code sync_state}: commands not yet accepted by the
 * server ({@link #OUTBOX_KEY}), the ids of commands this device took on with their expiry
 * ({@link #HANDLED_KEY}: a handler runs at most once per id, also across restarts), and final
 * results not yet accepted ({@link #RESULTS_KEY}).
 */
public final class Coordinator implements SyncEngine.LiveFrames {
  static final String OUTBOX_KEY = "tandem.commands.outbox";
  static final String HANDLED_KEY = "tandem.commands.handled";
  static final String RESULTS_KEY = "tandem.commands.results";
  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_.]{0,63}");
  private static final int MAX_PAYLOAD_BYTES = 1024 * 1024;
  /** Handled ids are kept this long past their command's expiry, then forgotten. */
  private static final long KEEP_HANDLED_MILLIS = 24L * 3600 * 1000;
  private static final long TICK_MILLIS = 1000;
  /** Without a live channel, followed commands are looked up this often. */
  private static final int POLL_EVERY_TICKS = 3;
  private static final int ACK_TRIES = 5;
  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

  private final LocalStore store;
  private final Transport transport;
  private final SyncEngine engine;
  private final Clock clock;
  private final ScheduledThreadPoolExecutor io;
  private final ThreadPoolExecutor handlers;
  private final ThreadPoolExecutor callbacks;
  private final Map<String, CommandHandler> byType = new ConcurrentHashMap<>();
  private final List<PresenceListener> presence = new CopyOnWriteArrayList<>();
  private final Map<String, Watch> watches = new ConcurrentHashMap<>();
  // The fields below are used on the io thread only.
  private final Map<String, Map<String, JsonNode>> parked = new HashMap<>();
  private final Set<String> inFlight = new HashSet<>();
  private final Map<String, Integer> outboxTries = new HashMap<>();
  private final Map<String, Long> outboxNextTry = new HashMap<>();
  private final String deviceId;
  private long ticks;
  private volatile boolean closed;

  public Coordinator(LocalStore store, Transport transport, SyncEngine engine, Clock clock,
      String deviceId) {
    this.deviceId = deviceId;
    this.store = store;
    this.transport = transport;
    this.engine = engine;
    this.clock = clock;
    this.io = new ScheduledThreadPoolExecutor(1, daemon("Tandem Commands"));
    io.setRemoveOnCancelPolicy(true);
    // On close, retries waiting for their time are dropped; queued work still runs.
    io.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.handlers = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<Runnable>(), daemon("Tandem Command Handler"));
    handlers.allowCoreThreadTimeOut(true);
    this.callbacks = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<Runnable>(), daemon("Tandem Command Callbacks"));
    callbacks.allowCoreThreadTimeOut(true);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Recovers what a restart left, then ticks; listens to the engine's live channel. */
  public void start() {
    if (transport == null) {
      return;
    }
    engine.setLiveFrames(this);
    later(this::recover);
    io.scheduleWithFixedDelay(() -> safely(this::tick), TICK_MILLIS, TICK_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Stops the threads; a handler still running is interrupted (see {@link #recover}). Work
   * already queued — a finished handler's result, say — gets up to two seconds to be stored.
   */
  public void close() {
    closed = true;
    handlers.shutdownNow();
    io.shutdown();
    try {
      if (!io.awaitTermination(2, TimeUnit.SECONDS)) {
        io.shutdownNow();
      }
    } catch (InterruptedException e) {
      io.shutdownNow();
      Thread.currentThread().interrupt();
    }
    callbacks.shutdown();
    for (Watch w : watches.values()) {
      w.future.cancel(false);
    }
    watches.clear();
    try {
      io.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- devices ----

  public List<Device> devices() {
    JsonNode body = call("GET", "devices", null);
    List<Device> out = new ArrayList<>();
    for (JsonNode d : body.path("devices")) {
      out.add(device(d));
    }
    return out;
  }

  public Device setSelf(String name, String platform, String appVersion) {
    ObjectNode body = Json.object();
    putShort(body, "name", name);
    putShort(body, "platform", platform);
    putShort(body, "appVersion", appVersion);
    return device(call("PUT", "devices/self", body));
  }

  public ListenerToken addPresenceListener(PresenceListener listener) {
    if (listener == null) {
      throw new NullPointerException("listener");
    }
    presence.add(listener);
    return () -> presence.remove(listener);
  }

  private static void putShort(ObjectNode body, String name, String value) {
    if (value != null) {
      if (value.length() > 200) {
        throw new IllegalArgumentException(name + " must be at most 200 characters");
      }
      body.put(name, value);
    }
  }

  private static Device device(JsonNode d) {
    return new Device(d.path("deviceId").asText(), text(d, "name"), text(d, "platform"),
        text(d, "appVersion"), d.path("online").asBoolean(), d.path("lastSeenAt").asLong(),
        d.path("createdAt").asLong());
  }

  // ---- sending ----

  public CompletableFuture<CommandUpdate> send(String target, String type, String payloadJson,
      CommandOptions options) {
    requireServer();
    Ids.requireDeviceId(target);
    if (type == null || !TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException("command type must match [a-z][a-z0-9_.]{0,63}: "
          + type);
    }
    JsonNode payload = payloadJson == null ? Json.object() : Json.parse(payloadJson);
    if (!payload.isObject()) {
      throw new IllegalArgumentException("payload must be a JSON object");
    }
    String id = options.commandId() != null ? options.commandId() : UUID.randomUUID().toString();
    ObjectNode body = Json.object();
    body.put("commandId", id);
    body.put("target", target);
    body.put("type", type);
    body.set("payload", payload);
    body.put("priority", options.priority());
    body.put("ttlSeconds", options.ttl().getSeconds());
    if (options.conflictKey() != null) {
      body.put("conflictKey", options.conflictKey());
    }
    String json = Json.write(body);
    if (json.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES + 4096) {
      throw new IllegalArgumentException("payload is over 1 MiB");
    }
    Watch w = new Watch(id, options.progress());
    watches.put(id, w);
    // Stored before send() returns: from here on the command survives a restart.
    editMap(OUTBOX_KEY, m -> m.put(id, json));
    later(() -> postOutboxEntry(id, json));
    return w.future;
  }

  public CompletableFuture<CommandUpdate> watch(String commandId, Consumer<CommandUpdate> progress) {
    requireServer();
    Ids.requireId(commandId);
    Watch w = new Watch(commandId, progress);
    watches.put(commandId, w);
    later(() -> refresh(w));
    return w.future;
  }

  public CommandInfo command(String commandId) {
    requireServer();
    Ids.requireId(commandId);
    JsonNode c;
    try {
      c = call("GET", "commands/" + commandId, null);
    } catch (TransportException e) {
      if (e.httpStatus() == 404) {
        return null;
      }
      throw e;
    }
    return info(c);
  }

  public List<CommandInfo> commands(String status, int limit) {
    requireServer();
    StringBuilder q = new StringBuilder("commands?limit=").append(Math.max(1, Math.min(500, limit)));
    q.append("&device=").append(deviceId);
    if (status != null) {
      if (!TYPE.matcher(status).matches()) {
        throw new IllegalArgumentException("unknown status " + status);
      }
      q.append("&status=").append(status);
    }
    List<CommandInfo> out = new ArrayList<>();
    for (JsonNode c : call("GET", q.toString(), null).path("commands")) {
      out.add(info(c));
    }
    return out;
  }


  private static CommandInfo info(JsonNode c) {
    List<CommandUpdate> history = new ArrayList<>();
    for (JsonNode h : c.path("history")) {
      history.add(update(c.path("commandId").asText(), h));
    }
    return new CommandInfo(c.path("commandId").asText(), c.path("source").asText(),
        c.path("target").asText(), c.path("type").asText(), Json.write(c.path("payload")),
        c.path("priority").asInt(), c.path("createdAt").asLong(), c.path("expiresAt").asLong(),
        c.path("status").asText(), c.path("attempt").asInt(), history);
  }

  private static CommandUpdate update(String id, JsonNode n) {
    JsonNode out = n.get("output");
    return new CommandUpdate(id, n.path("status").asText(),
        out == null || out.isNull() ? null : Json.write(out), n.path("at").asLong());
  }

  /** Posts one stored command; on a refusal the sender hears it and the entry goes. */
  private void postOutboxEntry(String id, String json) {
    if (!readMap(OUTBOX_KEY).has(id)) {
      return; // sent already, by the flush after a restart or a reconnect
    }
    try {
      JsonNode answer = call("POST", "commands", Json.parse(json));
      editMap(OUTBOX_KEY, m -> m.remove(id));
      outboxTries.remove(id);
      outboxNextTry.remove(id);
      Watch w = watches.get(id);
      if (w != null && CommandUpdate.isFinal(answer.path("status").asText())) {
        // A command id sent before, and done with: its history says how it ended.
        refresh(w);
      }
    } catch (TransportException e) {
      if (e.isRetryable()) {
        int tries = outboxTries.containsKey(id) ? outboxTries.get(id) + 1 : 1;
        outboxTries.put(id, tries);
        outboxNextTry.put(id, System.nanoTime()
            + TimeUnit.SECONDS.toNanos(Math.min(60, 1L << Math.min(tries, 6))));
        return;
      }
      editMap(OUTBOX_KEY, m -> m.remove(id));
      outboxTries.remove(id);
      outboxNextTry.remove(id);
      Watch w = watches.remove(id);
      if (w != null) {
        w.future.completeExceptionally(e);
      }
    }
  }

  // ---- live frames (transport threads: hop to io) ----

  @Override
  public void onLiveOpen() {
    later(() -> {
      flushOutbox(true);
      flushResults();
      for (Watch w : watches.values()) {
        refresh(w);
      }
    });
  }

  @Override
  public void onFrame(String type, String json) {
    if ("presence".equals(type)) {
      JsonNode f = Json.parse(json);
      String device = f.path("deviceId").asText();
      boolean online = f.path("online").asBoolean();
      long at = f.path("at").asLong();
      for (PresenceListener l : presence) {
        callback(() -> l.onPresence(device, online, at));
      }
    } else if ("command".equals(type)) {
      later(() -> received(Json.parse(json).path("command")));
    } else if ("command_update".equals(type)) {
      later(() -> {
        JsonNode f = Json.parse(json);
        Watch w = watches.get(f.path("commandId").asText());
        if (w != null) {
          w.offer(update(f.path("commandId").asText(), f));
        }
      });
    }
  }

  // ---- handling (io thread) ----

  public ListenerToken onCommand(String type, CommandHandler handler) {
    if (type == null || !TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException("command type must match [a-z][a-z0-9_.]{0,63}: "
          + type);
    }
    if (handler == null) {
      throw new NullPointerException("handler");
    }
    byType.put(type, handler);
    later(() -> {
      Map<String, JsonNode> waiting = parked.remove(type);
      if (waiting != null) {
        for (JsonNode c : waiting.values()) {
          received(c);
        }
      }
    });
    return () -> byType.remove(type, handler);
  }

  private void received(JsonNode c) {
    String id = c.path("commandId").asText();
    String type = c.path("type").asText();
    if (!Ids.isValidId(id) || inFlight.contains(id)) {
      return;
    }
    if (readMap(HANDLED_KEY).has(id)) {
      // Delivered again (our ack got lost, or a second connection): acknowledge, never rerun.
      try {
        call("POST", "commands/" + id + "/ack", null);
      } catch (TransportException e) {
        log.debug("ack of a handled command failed; the server sends it again", e);
      }
      return;
    }
    CommandHandler handler = byType.get(type);
    if (handler == null) {
      // Not acknowledged: the server keeps it and the handler may still come.
      Map<String, JsonNode> waiting = parked.get(type);
      if (waiting == null) {
        waiting = new LinkedHashMap<>();
        parked.put(type, waiting);
      }
      waiting.put(id, c);
      return;
    }
    inFlight.add(id);
    ObjectNode mark = Json.object();
    mark.put("exp", c.path("expiresAt").asLong());
    mark.put("done", false);
    // Written before the ack: if this process dies after the server took the ack, the restart
    // finds the mark and reports the command interrupted instead of running it a second time.
    editMap(HANDLED_KEY, m -> m.set(id, mark));
    ack(c, handler, 1);
  }

  private void ack(JsonNode c, CommandHandler handler, int attempt) {
    String id = c.path("commandId").asText();
    String status;
    try {
      status = call("POST", "commands/" + id + "/ack", null).path("status").asText();
    } catch (TransportException e) {
      if (e.isRetryable() && attempt < ACK_TRIES && !closed) {
        // The server may have taken it; asking again gets the same answer either way.
        schedule(() -> ack(c, handler, attempt + 1), 500L * attempt);
        return;
      }
      editMap(HANDLED_KEY, m -> m.remove(id));
      inFlight.remove(id);
      return;
    }
    if (!"acked".equals(status)) {
      // Expired, superseded or given up while on its way: it must not run.
      markDone(id);
      inFlight.remove(id);
      return;
    }
    IncomingCommand cmd = new IncomingCommand(id, c.path("source").asText(),
        c.path("type").asText(), Json.write(c.path("payload")), c.path("priority").asInt(),
        c.path("createdAt").asLong(), c.path("expiresAt").asLong(), c.path("attempt").asInt());
    Reporter reporter = new Reporter(id);
    try {
      handlers.execute(() -> {
        try {
          handler.handle(cmd, reporter);
          reporter.succeed(null);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
          ObjectNode err = Json.object();
          err.put("error", e.getMessage() != null ? e.getMessage() : e.toString());
          reporter.fail(Json.write(err));
        }
      });
    } catch (RejectedExecutionException e) {
      // Closing: the restart reports it interrupted.
    }
  }

  private void markDone(String id) {
    editMap(HANDLED_KEY, m -> {
      JsonNode mark = m.get(id);
      if (mark instanceof ObjectNode) {
        ((ObjectNode) mark).put("done", true);
      }
    });
  }

  /** A handler's reports: progress straight out, the final one through the results outbox. */
  private final class Reporter implements CommandReporter {
    private final String id;
    private final AtomicBoolean ended = new AtomicBoolean();

    Reporter(String id) {
      this.id = id;
    }

    @Override
    public void progress(String outputJson) {
      if (ended.get()) {
        return;
      }
      JsonNode output = output(outputJson);
      later(() -> {
        try {
          postResult(id, "running", output);
        } catch (TransportException e) {
          log.debug("progress of {} lost", id, e);
        }
      });
    }

    @Override
    public void succeed(String outputJson) {
      end("succeeded", outputJson);
    }

    @Override
    public void fail(String outputJson) {
      end("failed", outputJson);
    }

    private void end(String status, String outputJson) {
      JsonNode output = output(outputJson);
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      later(() -> finish(id, status, output));
    }
  }

  private static JsonNode output(String outputJson) {
    if (outputJson == null) {
      return null;
    }
    JsonNode n = Json.parse(outputJson);
    if (!n.isObject()) {
      throw new IllegalArgumentException("output must be a JSON object");
    }
    return n;
  }

  private void finish(String id, String status, JsonNode output) {
    ObjectNode r = Json.object();
    r.put("id", id);
    r.put("status", status);
    if (output != null) {
      r.set("output", output);
    }
    store.inTransaction(tx -> {
      ArrayNode results = readArray(tx.state(RESULTS_KEY));
      results.add(r);
      tx.putState(RESULTS_KEY, Json.write(results));
      ObjectNode handled = readObject(tx.state(HANDLED_KEY));
      JsonNode mark = handled.get(id);
      if (mark instanceof ObjectNode) {
        ((ObjectNode) mark).put("done", true);
        tx.putState(HANDLED_KEY, Json.write(handled));
      }
      return null;
    });
    inFlight.remove(id);
    flushResults();
  }

  private void postResult(String id, String status, JsonNode output) {
    ObjectNode body = Json.object();
    body.put("status", status);
    if (output != null) {
      body.set("output", output);
    }
    call("POST", "commands/" + id + "/result", body);
  }

  /** Sends the stored final results in order; stops at the first that cannot go yet. */
  private void flushResults() {
    ArrayNode results = readArray(store.state(RESULTS_KEY));
    int sent = 0;
    for (JsonNode r : results) {
      try {
        postResult(r.path("id").asText(), r.path("status").asText(), r.get("output"));
      } catch (TransportException e) {
        if (e.isRetryable()) {
          break;
        }
        log.warn("server refused the result of command {}: {}", r.path("id").asText(),
            e.getMessage());
      }
      sent++;
    }
    if (sent > 0) {
      int done = sent;
      store.inTransaction(tx -> {
        ArrayNode now = readArray(tx.state(RESULTS_KEY));
        ArrayNode rest = Json.MAPPER.createArrayNode();
        for (int i = done; i < now.size(); i++) {
          rest.add(now.get(i));
        }
        tx.putState(RESULTS_KEY, rest.size() == 0 ? null : Json.write(rest));
        return null;
      });
    }
  }

  /** After a restart: a command taken on but not finished was cut off; say so, never rerun. */
  private void recover() {
    ObjectNode handled = readMap(HANDLED_KEY);
    Iterator<Map.Entry<String, JsonNode>> it = handled.fields();
    List<String> interrupted = new ArrayList<>();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().path("done").asBoolean()) {
        interrupted.add(e.getKey());
      }
    }
    for (String id : interrupted) {
      ObjectNode err = Json.object();
      err.put("error", "interrupted: the device restarted while handling the command");
      finish(id, "failed", err);
    }
    prune();
    flushOutbox(true);
    flushResults();
  }

  private void prune() {
    long now = clock.millis();
    editMap(HANDLED_KEY, m -> {
      Iterator<Map.Entry<String, JsonNode>> it = m.fields();
      while (it.hasNext()) {
        JsonNode mark = it.next().getValue();
        if (mark.path("done").asBoolean()
            && mark.path("exp").asLong() + KEEP_HANDLED_MILLIS < now) {
          it.remove();
        }
      }
    });
  }

  private void tick() {
    ticks++;
    flushOutbox(false);
    if (store.state(RESULTS_KEY) != null) {
      flushResults();
    }
    if (!watches.isEmpty() && !engine.isLiveOpen() && ticks % POLL_EVERY_TICKS == 0) {
      for (Watch w : watches.values()) {
        refresh(w);
      }
    }
    if (ticks % 3600 == 0) {
      prune();
    }
  }

  private void flushOutbox(boolean all) {
    ObjectNode outbox = readMap(OUTBOX_KEY);
    long now = System.nanoTime();
    Iterator<Map.Entry<String, JsonNode>> it = outbox.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      Long next = outboxNextTry.get(e.getKey());
      if (all || next == null || next - now <= 0) {
        postOutboxEntry(e.getKey(), e.getValue().asText());
      }
    }
  }

  /** Looks a followed command up: what the live channel missed, and whether it ended. */
  private void refresh(Watch w) {
    if (readMap(OUTBOX_KEY).has(w.id)) {
      return; // not on the server yet
    }
    try {
      JsonNode c = call("GET", "commands/" + w.id, null);
      for (JsonNode h : c.path("history")) {
        w.offer(update(w.id, h));
      }
    } catch (TransportException e) {
      if (e.httpStatus() == 404) {
        watches.remove(w.id, w);
        w.future.completeExceptionally(e);
      }
    }
  }

  /** A command this device follows: its future, its progress listener, what it has heard. */
  private final class Watch {
    final String id;
    final Consumer<CommandUpdate> progress;
    final CompletableFuture<CommandUpdate> future = new CompletableFuture<>();
    /** Statuses already passed on (status, time and output), so a lookup repeats none. */
    final Set<String> seen = new HashSet<>();

    Watch(String id, Consumer<CommandUpdate> progress) {
      this.id = id;
      this.progress = progress;
    }

    /** Io thread only. */
    void offer(CommandUpdate u) {
      if (future.isDone() || !seen.add(u.status() + '\0' + u.at() + '\0' + u.output())) {
        return;
      }
      if (u.isFinal()) {
        watches.remove(id, this);
        callback(() -> future.complete(u));
      } else if (progress != null) {
        callback(() -> progress.accept(u));
      }
    }
  }

  // ---- plumbing ----

  private JsonNode call(String method, String path, JsonNode body) {
    requireServer();
    byte[] answer = transport.call(method, path,
        body == null ? null : Json.write(body).getBytes(StandardCharsets.UTF_8));
    return answer.length == 0 ? Json.object() : Json.parse(new String(answer, StandardCharsets.UTF_8));
  }

  private void requireServer() {
    if (transport == null) {
      throw new IllegalStateException("devices and commands need a server; this Tandem is local"
          + " only");
    }
  }

  private void later(Runnable task) {
    if (closed) {
      return;
    }
    try {
      io.execute(() -> safely(task));
    } catch (RejectedExecutionException e) {
      // Closing.
    }
  }

  private void schedule(Runnable task, long delayMillis) {
    try {
      io.schedule(() -> safely(task), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Closing.
    }
  }

  private void callback(Runnable task) {
    try {
      callbacks.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.warn("command callback threw", e);
        }
      });
    } catch (RejectedExecutionException e) {
      // Closing.
    }
  }

  private void safely(Runnable task) {
    try {
      task.run();
    } catch (TransportException e) {
      log.debug("command call failed; tried again later", e);
    } catch (RuntimeException e) {
      if (!closed) {
        log.warn("command work failed", e);
      }
    }
  }

  private ObjectNode readMap(String key) {
    return readObject(store.state(key));
  }

  private interface MapEdit {
    void apply(ObjectNode map);
  }

  private void editMap(String key, MapEdit edit) {
    store.inTransaction(tx -> {
      ObjectNode m = readObject(tx.state(key));
      edit.apply(m);
      tx.putState(key, m.size() == 0 ? null : Json.write(m));
      return null;
    });
  }

  private static ObjectNode readObject(String json) {
    if (json == null) {
      return Json.object();
    }
    JsonNode n = Json.parse(json);
    return n instanceof ObjectNode ? (ObjectNode) n : Json.object();
  }

  private static ArrayNode readArray(String json) {
    if (json != null) {
      JsonNode n = Json.parse(json);
      if (n instanceof ArrayNode) {
        return (ArrayNode) n;
      }
    }
    return Json.MAPPER.createArrayNode();
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** For tests: waits until the io thread has done what it was asked so far. */
  public void drain() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    later(() -> done.complete(null));
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("command thread did not drain", e);
    }
  }
}
