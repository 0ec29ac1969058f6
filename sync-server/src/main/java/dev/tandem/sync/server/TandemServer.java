package dev.tandem.sync.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.protocol.Health;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.ProtocolException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.server.ServerStore.TokenOwner;
import dev.tandem.sync.server.internal.ApiException;
import dev.tandem.sync.server.internal.BatchApplier;
import dev.tandem.sync.server.internal.Bodies;
import dev.tandem.sync.server.internal.Cursors;
import dev.tandem.sync.server.internal.LiveConnections;
import dev.tandem.sync.server.internal.ResponseEncoding;
import dev.tandem.sync.server.internal.ServerMetrics;
import dev.tandem.sync.server.internal.Tokens;
import dev.tandem.sync.server.internal.WorkLimiter;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference sync server: the HTTP endpoints and the {@code /sync/live} WebSocket of
 * PROTOCOL.md on one port, over a {@link ServerStore}.
 *
 * <pre>{@code
 * TandemServer server = TandemServer.builder().port(0).dataDir(dir).build();
 * server.start();
 * String token = server.createToken("team-1", "laptop-1");
 * ...
 * server.close();
 * }</pre>
 *
 * <p>A built server is thread-safe. It owns its store: {@link #close()} closes it.
 */
public final class TandemServer implements AutoCloseable {
  /** The server's version, as reported by {@code /health}. */
  public static final String VERSION = readVersion();
  /** The protocol version this server speaks. */
  public static final int PROTOCOL = Protocol.VERSION;
  /** Default and largest page size of a pull. */
  public static final int DEFAULT_PULL_LIMIT = 500;
  public static final int MAX_PULL_LIMIT = 5000;
  /** Default of {@link Builder#maxClockSkew}: PROTOCOL "Clock bounds". */
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  private static final Logger LOG = LoggerFactory.getLogger(TandemServer.class);
  private static final String JSON = "application/json";
  /** Set on a request whose error body is written, so the 404 page leaves it alone. */
  private static final String ERROR_WRITTEN = "tandem.error-written";
  private static final long MAX_ADMIN_BODY = 64 * 1024;
  /** A command's payload (or a result's output) of 1 MiB, and room for the fields around it. */
  private static final long MAX_COMMAND_BODY = CommandRelay.MAX_PAYLOAD_BYTES + 64 * 1024;
  /** The longest {@code expiresInSeconds} accepted: ten years. */
  static final long MAX_TOKEN_LIFETIME_SECONDS = 10L * 365 * 24 * 3600;
  /** Smaller bodies are not worth compressing: the headers alone cost more than the gain. */
  private static final int COMPRESS_FROM = 1024;
  /** Threads the limiters never hand out: Jetty's acceptors and selectors, and {@code /health}. */
  static final int THREAD_RESERVE = 16;

  private final String host;
  private final int requestedPort;
  // The store behind a token cache (CachingServerStore); given is the store as given or opened.
  private final ServerStore store;
  private final ServerStore given;
  private final byte[] adminTokenHash;
  private final long maxBodyBytes;
  private final int maxBatchChanges;
  private final ResponseCompression responseCompression;
  private static final String COMPRESSION_ATTRIBUTE = "tandem.responseCompression";
  private final long maxRecordBytes;
  private final Duration shutdownTimeout;
  private final dev.tandem.sync.Clock clock;
  private final LiveConnections live;
  private final LiveHub publish;
  private final BatchApplier applier;
  private final CommandRelay commands;
  private final Duration commandSweepInterval;
  private java.util.concurrent.ScheduledExecutorService commandTimer;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final WorkLimiter work;
  private final WorkLimiter uploads;
  private final Duration bodyReadTimeout;
  private final Duration idleTimeout;
  private final int maxThreads;
  private final int acceptQueueSize;
  private final String retryAfterSeconds;
  private final Duration readyTimeout;
  private final boolean metricsPublic;
  private final ServerMetrics metrics;
  private final Duration tombstoneRetention;
  private final Duration retentionInterval;
  private final Object retentionLock = new Object();
  private java.util.concurrent.ScheduledExecutorService retentionTimer;
  // One thread asks the store for /health/ready; a hung store holds it, and later probes then
  // time out too instead of piling up threads.
  private final java.util.concurrent.ExecutorService readiness =
      java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tandem-readiness");
        t.setDaemon(true);
        return t;
      });
  private final Object drained = new Object();
  private volatile boolean closing;
  private Javalin app;
  private boolean started;
  private boolean closed;

  private TandemServer(Builder b, ServerStore store) {
    this.host = b.host;
    this.requestedPort = b.port;
    this.store = CachingServerStore.wrap(store);
    this.given = store;
    this.adminTokenHash = b.adminToken == null ? null : Tokens.sha256(b.adminToken);
    this.maxBodyBytes = b.maxBodyBytes;
    this.maxBatchChanges = b.maxBatchChanges;
    this.responseCompression = b.responseCompression;
    this.maxRecordBytes = b.maxRecordBytes;
    this.shutdownTimeout = b.shutdownTimeout;
    this.clock = b.clock;
    this.live = new LiveConnections(store, b.livePingInterval);
    this.publish = b.liveHub != null ? b.liveHub : live;
    this.applier = new BatchApplier(store, maxRecordBytes, b.clock, b.maxClockSkew.toMillis());
    this.commands = new CommandRelay(store, live, b.clock, b.commandAckTimeout);
    live.setEvents(commands);
    this.commandSweepInterval = b.commandSweepInterval;
    this.work = new WorkLimiter("sync requests", b.maxConcurrentRequests, b.maxQueuedRequests,
        b.queueTimeout.toMillis());
    // As many uploads may wait for a place as may hold one: bodies arrive in bursts.
    this.uploads = new WorkLimiter("request bodies", b.maxConcurrentUploads,
        b.maxConcurrentUploads, b.queueTimeout.toMillis());
    this.bodyReadTimeout = b.bodyReadTimeout;
    this.idleTimeout = b.idleTimeout;
    this.maxThreads = b.resolvedMaxThreads();
    this.acceptQueueSize = b.acceptQueueSize;
    this.retryAfterSeconds =
        Long.toString(Math.max(1, (b.overloadRetryAfter.toMillis() + 999) / 1000));
    this.readyTimeout = b.readyTimeout;
    this.metricsPublic = b.metricsPublic;
    this.metrics = new ServerMetrics(live::size, work, uploads);
    this.tombstoneRetention = b.tombstoneRetention;
    this.retentionInterval = b.retentionInterval;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the port and starts serving; returns once requests are accepted.
   *
   * @throws IllegalStateException if already started or closed
   */
  public synchronized TandemServer start() {
    if (started || closed) {
      throw new IllegalStateException(closed ? "server is closed" : "server already started");
    }
    started = true;
    app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      // Bounded threads and a bounded job queue: past them Jetty refuses connections instead of
      // growing. The limiters keep the threads that requests may hold below maxThreads.
      QueuedThreadPool pool = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads),
          60_000, new BlockingArrayQueue<>(64, 64, Math.max(256, maxThreads * 4)));
      pool.setName("tandem-http");
      cfg.jetty.threadPool = pool;
      cfg.jetty.addConnector((server, httpConfig) -> {
        ServerConnector connector =
            new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        connector.setHost(host);
        connector.setPort(requestedPort);
        connector.setIdleTimeout(idleTimeout.toMillis());
        connector.setAcceptQueueSize(acceptQueueSize);
        return connector;
      });
      cfg.http.maxRequestSize = maxBodyBytes;
      // Responses are compressed by json() below, with zstd too, which Javalin does not offer.
      cfg.http.disableCompression();
      cfg.jetty.modifyHttpConfiguration(h -> h.setSendServerVersion(false));
      // Jetty's graceful stop (Javalin installs a StatisticsHandler) lets a response that the
      // handler finished finish writing too; our own counter below covers the handler itself.
      cfg.jetty.modifyServer(s -> s.setStopTimeout(shutdownTimeout.toMillis()));
      cfg.jetty.modifyWebSocketServletFactory(f -> {
        f.setMaxTextMessageSize(LiveConnections.MAX_FRAME_BYTES);
        f.setMaxBinaryMessageSize(LiveConnections.MAX_FRAME_BYTES);
        f.setIdleTimeout(live.idleTimeout());
      });
      cfg.requestLogger.http((ctx, ms) -> {
        metrics.request(ctx.method().name(), route(ctx), ctx.statusCode(), ms);
        // One line per request; with --log-format json the pairs are fields of the object.
        LOG.atInfo().addKeyValue("method", ctx.method().name()).addKeyValue("path", ctx.path())
            .addKeyValue("status", ctx.statusCode()).addKeyValue("ms", Math.round(ms))
            .log("request");
      });
    });
    app.before(ctx -> ctx.attribute(COMPRESSION_ATTRIBUTE, responseCompression));
    app.exception(ApiException.class, (e, ctx) -> {
      if (e.status() == 503) {
        ctx.header("Retry-After", retryAfterSeconds);
      }
      error(ctx, e.status(), e.code(), e.getMessage());
    });
    app.exception(ServerOverloadedException.class, (e, ctx) -> {
      ctx.header("Retry-After", retryAfterSeconds);
      error(ctx, 503, WorkLimiter.OVERLOADED, "the server is busy (" + e.getMessage()
          + "); retry after the time in Retry-After");
    });
    app.exception(CursorExpiredException.class, (e, ctx) ->
        error(ctx, 400, "bad_cursor", e.getMessage()));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.error("bug while serving {} {}", ctx.method(), ctx.path(), e);
      error(ctx, 500, ErrorCode.INTERNAL_ERROR.wireName(),
          "the server failed; this is a bug, see its log");
    });
    app.error(HttpStatus.NOT_FOUND, ctx -> {
      // An endpoint's own 404 (unknown device or command) keeps its body.
      if (ctx.attribute(ERROR_WRITTEN) == null) {
        error(ctx, 404, ErrorCode.NOT_FOUND.wireName(),
            "no such endpoint: " + ctx.method() + " " + ctx.path());
      }
    });
    app.error(HttpStatus.METHOD_NOT_ALLOWED, ctx -> error(ctx, 405,
        ErrorCode.METHOD_NOT_ALLOWED.wireName(),
        ctx.method() + " is not allowed on " + ctx.path()));

    app.get("/health", guarded(this::health));
    app.get("/health/live", guarded(this::healthLive));
    app.get("/health/ready", guarded(this::healthReady));
    app.get("/metrics", guarded(this::metrics));
    app.post("/sync/batch", guarded(this::push));
    app.get("/sync/pull", guarded(limited(this::pull)));
    app.post("/admin/tokens", guarded(this::adminCreateToken));
    app.delete("/admin/tokens/{deviceId}", guarded(this::adminRevokeToken));
    app.post("/admin/retention", guarded(this::adminRetention));
    app.wsBeforeUpgrade("/sync/live", ctx -> {
      if (closing) {
        throw new ApiException(503, ErrorCode.UNAVAILABLE, "server is shutting down");
      }
      authenticate(ctx);
    });
    app.ws("/sync/live", live::configure);
    commandRoutes();
    app.start();
    LOG.info("tandem server {} listening on {}", VERSION, uri());
    if (tombstoneRetention != null) {
      retentionTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-retention");
        t.setDaemon(true);
        return t;
      });
      // Soon after start as well as every interval: a server restarted more often than the
      // interval would otherwise never get to it.
      long first = Math.min(retentionInterval.toMillis(), 60_000);
      retentionTimer.scheduleWithFixedDelay(this::retentionSafely, first,
          retentionInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /**
   * Applies retention now ({@link ServerStore#applyRetention}): deletes and batch answers stored
   * longer ago than the tombstone retention are purged; a device whose cursor is older than a
   * purged delete gets {@code bad_cursor} and pulls from the beginning. The server also runs it
   * every {@link Builder#retentionInterval}. One run at a time.
   *
   * @return what was removed; nothing when retention is off
   */
  public ServerStore.RetentionResult runRetention() {
    if (tombstoneRetention == null) {
      return ServerStore.RetentionResult.NONE;
    }
    synchronized (retentionLock) {
      long horizon = clock.millis() - tombstoneRetention.toMillis();
      long t0 = System.nanoTime();
      ServerStore.RetentionResult r = store.applyRetention(horizon, horizon);
      metrics.retention(r, System.nanoTime() - t0);
      if (r.purgedTombstones() > 0 || r.purgedBatches() > 0 || r.compactedVersions() > 0) {
        LOG.atInfo().addKeyValue("tombstones", r.purgedTombstones())
            .addKeyValue("batches", r.purgedBatches())
            .addKeyValue("compacted", r.compactedVersions())
            .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000).log("retention");
      }
      return r;
    }
  }

  private void retentionSafely() {
    try {
      runRetention();
    } catch (RuntimeException e) {
      // A store that is busy or closing now is tried again at the next interval.
      if (!closing) {
        LOG.warn("retention failed; retrying in {}", retentionInterval, e);
      }
    }
  }

  /** PROTOCOL "Devices and presence" and "Remote commands"; the rules are in CommandRelay. */
  private void commandRoutes() {
    app.put("/devices/self", guarded(ctx -> {
      TokenOwner owner = authenticate(ctx);
      byte[] body = readBody(ctx, MAX_ADMIN_BODY);
      try (WorkLimiter.Place place = work.acquire()) {
        json(ctx, 200, commands.putSelf(owner, body));
      }
    }));
    app.get("/devices", guarded(limited(ctx -> json(ctx, 200,
        commands.devices(authenticate(ctx))))));
    app.post("/commands", guarded(ctx -> {
      TokenOwner owner = authenticate(ctx);
      byte[] body = readBody(ctx, MAX_COMMAND_BODY);
      try (WorkLimiter.Place place = work.acquire()) {
        json(ctx, 202, commands.post(owner, body));
      }
    }));
    app.get("/commands", guarded(limited(ctx -> json(ctx, 200,
        commands.list(authenticate(ctx), ctx.queryParam("target"), ctx.queryParam("status"),
            ctx.queryParam("device"), ctx.queryParam("limit"))))));
    app.get("/commands/{id}", guarded(limited(ctx -> json(ctx, 200,
        commands.get(authenticate(ctx), ctx.pathParam("id"))))));
    app.post("/commands/{id}/ack", guarded(limited(ctx -> json(ctx, 200,
        commands.ackHttp(authenticate(ctx), ctx.pathParam("id"))))));
    app.post("/commands/{id}/result", guarded(ctx -> {
      TokenOwner owner = authenticate(ctx);
      byte[] body = readBody(ctx, MAX_COMMAND_BODY);
      try (WorkLimiter.Place place = work.acquire()) {
        json(ctx, 200, commands.result(owner, ctx.pathParam("id"), body));
      }
    }));
    commandTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-commands-timer");
      t.setDaemon(true);
      return t;
    });
    long every = commandSweepInterval.toMillis();
    commandTimer.scheduleWithFixedDelay(commands::sweepLater, every, every,
        TimeUnit.MILLISECONDS);
  }

  /** Runs the command sweep now and waits for the relay to finish what it was asked (tests). */
  void sweepCommands() {
    commands.sweepLater();
    commands.drain();
  }

  /** Waits until the command relay has done what was asked of it so far (for tests). */
  void drainCommands() {
    commands.drain();
  }

  /** Returns the bound port (useful after {@code port(0)}). */
  public int port() {
    if (app == null) {
      throw new IllegalStateException("server not started");
    }
    return app.port();
  }

  /** Returns {@code http://host:port}. */
  public URI uri() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create("http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : h) + ":" + port());
  }

  /** Returns the store this server serves from, as given or opened (without the token cache). */
  public ServerStore store() {
    return given;
  }

  /** Returns the number of HTTP requests being served right now (for tests). */
  int requestsInFlight() {
    return inFlight.get();
  }

  /**
   * Returns the hub that delivers notices to this server's own {@code /sync/live} connections.
   * A multi-node setup feeds what other nodes publish into it (see {@link Builder#liveHub}).
   */
  public LiveHub localLiveHub() {
    return live;
  }

  /** Returns the number of open {@code /sync/live} connections. */
  public int liveConnections() {
    return live.size();
  }

  /** True once a live connection of the device is registered here (tests wait for it). */
  boolean isLive(String teamId, String deviceId) {
    return live.isOnline(teamId, deviceId);
  }

  /**
   * Creates a token for a device of a team, like {@code POST /admin/tokens}, that never expires.
   * It replaces the device's previous token, which is refused from then on. Only the token's hash
   * is stored, so the returned string is the only copy.
   *
   * @throws IllegalArgumentException if a team or device id is not a valid id
   */
  public String createToken(String teamId, String deviceId) {
    return issue(teamId, deviceId, 0);
  }

  /**
   * Creates a token like {@link #createToken(String, String)} that the server refuses (401) once
   * {@code validFor} has passed on its clock.
   *
   * @throws IllegalArgumentException if an id is invalid or {@code validFor} is not positive or
   *     longer than ten years
   */
  public String createToken(String teamId, String deviceId, Duration validFor) {
    if (validFor.isNegative() || validFor.isZero()
        || validFor.getSeconds() > MAX_TOKEN_LIFETIME_SECONDS) {
      throw new IllegalArgumentException(
          "validFor must be positive and at most ten years: " + validFor);
    }
    return issue(teamId, deviceId, clock.millis() + validFor.toMillis());
  }

  private String issue(String teamId, String deviceId, long expiresAt) {
    requireValidId(teamId, "team id");
    requireValidId(deviceId, "device id");
    String token = Tokens.newToken();
    store.replaceToken(Tokens.hash(token), teamId, deviceId, expiresAt);
    return token;
  }

  /** Revokes every token of that device; later calls with them get 401. */
  public void revokeToken(String teamId, String deviceId) {
    requireValidId(teamId, "team id");
    requireValidId(deviceId, "device id");
    store.revokeTokens(teamId, deviceId);
  }

  /**
   * Shuts down gracefully: refuses new requests (503), waits up to the shutdown timeout for
   * requests in flight, closes live connections with "going away", stops the port and closes the
   * store. Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    long deadline = System.nanoTime() + shutdownTimeout.toNanos();
    synchronized (drained) {
      while (inFlight.get() > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          LOG.warn("{} requests still in flight after {}; stopping anyway", inFlight.get(),
              shutdownTimeout);
          break;
        }
        try {
          drained.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (commandTimer != null) {
      commandTimer.shutdownNow();
    }
    live.close(Duration.ofSeconds(2));
    commands.close();
    if (app != null) {
      app.stop();
    }
    readiness.shutdownNow();
    if (retentionTimer != null) {
      retentionTimer.shutdownNow();
      try {
        // A chunk in progress finishes before the store closes under it.
        retentionTimer.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    metrics.close();
    store.close();
    LOG.info("tandem server stopped");
  }

  // ---- endpoints ----

  private void health(Context ctx) {
    json(ctx, 200, ProtocolCodec.writeHealth(Health.ok(VERSION)));
  }

  /** The process is up and serving: nothing else is checked. */
  private void healthLive(Context ctx) {
    ObjectNode body = Json.object();
    body.put("status", "ok");
    json(ctx, 200, Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  /** The store answers a trivial query within {@link Builder#readyTimeout}; else 503. */
  private void healthReady(Context ctx) {
    String problem;
    java.util.concurrent.Future<?> probe = null;
    try {
      probe = readiness.submit(store::ping);
      probe.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
      problem = null;
    } catch (java.util.concurrent.TimeoutException e) {
      problem = "the database did not answer within " + readyTimeout.toMillis() + " ms";
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      problem = "the database did not answer: " + (cause.getMessage() == null
          ? cause.getClass().getSimpleName() : cause.getMessage());
    } catch (java.util.concurrent.RejectedExecutionException e) {
      problem = "the server is shutting down";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problem = "interrupted while asking the database";
    }
    if (problem == null) {
      ObjectNode body = Json.object();
      body.put("status", "ready");
      json(ctx, 200, Json.write(body).getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (probe != null) {
      // A query that is merely slow finishes on its own; an interrupt only helps a stuck wait.
      probe.cancel(true);
    }
    LOG.warn("not ready: {}", problem);
    ObjectNode body = Json.object();
    body.put("status", "unavailable");
    ObjectNode error = body.putObject("error");
    error.put("code", "not_ready");
    error.put("message", problem);
    ctx.header("Retry-After", retryAfterSeconds);
    json(ctx, 503, Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  /** Prometheus text; the admin token is required unless the server was built metrics-public. */
  private void metrics(Context ctx) {
    if (!metricsPublic) {
      requireAdmin(ctx);
    }
    ctx.status(200).contentType(ServerMetrics.contentType())
        .result(metrics.scrape().getBytes(StandardCharsets.UTF_8));
  }

  /** The matched endpoint, never the raw path: unmatched paths would each make a new series. */
  private static String route(Context ctx) {
    if (ctx.statusCode() == 404) {
      return "unmatched";
    }
    try {
      String route = ctx.endpointHandlerPath();
      return route == null || route.isEmpty() || route.equals("*") ? "unmatched" : route;
    } catch (RuntimeException e) {
      return "unmatched";
    }
  }

  private void push(Context ctx) throws IOException {
    TokenOwner owner = authenticate(ctx);
    byte[] body = readBody(ctx, maxBodyBytes);
    PushRequest request;
    try {
      request = ProtocolCodec.readPushRequest(body);
    } catch (ProtocolException e) {
      throw new ApiException(400, e.code(), e.getMessage());
    }
    if (request.batchId().length() > 128) {
      throw ApiException.badRequest("batchId is longer than 128 characters");
    }
    if (request.deviceId() != null && !request.deviceId().equals(owner.deviceId())) {
      throw ApiException.forbidden("deviceId in the body does not match the token's device");
    }
    if (request.changes().size() > maxBatchChanges) {
      throw new ApiException(413, ErrorCode.BATCH_TOO_LARGE, "a batch holds at most "
          + maxBatchChanges + " changes; this one has " + request.changes().size());
    }
    BatchApplier.Outcome outcome;
    // Taken only once the body is in: a slow upload holds an upload place, not a work place.
    try (WorkLimiter.Place place = work.acquire()) {
      outcome = applier.apply(owner.teamId(), owner.deviceId(), request);
    }
    if (outcome.seqMoved()) {
      publish.notify(owner.teamId(), outcome.seqAfter());
    }
    json(ctx, 200, outcome.responseJson());
    metrics.pushed(System.nanoTime() - started(ctx), request.changes().size(), body.length,
        (int) (outcome.seqAfter() - outcome.seqBefore()));
  }

  private void pull(Context ctx) {
    TokenOwner owner = authenticate(ctx);
    long since = Cursors.parse(ctx.queryParam("since"));
    int limit = DEFAULT_PULL_LIMIT;
    String limitParam = ctx.queryParam("limit");
    if (limitParam != null && !limitParam.isEmpty()) {
      try {
        limit = Integer.parseInt(limitParam);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("limit must be an integer, not \"" + limitParam + "\"");
      }
      if (limit < 1) {
        throw ApiException.badRequest("limit must be at least 1");
      }
      // Over the maximum is clamped rather than refused: the client still gets a valid page.
      limit = Math.min(limit, MAX_PULL_LIMIT);
    }
    // The device's own changes are left out (it has them); the cursor still moves past them.
    ServerStore.PullPage page = store.pullPage(owner.teamId(), since, limit, owner.deviceId());
    if (since > page.teamSeq()) {
      throw new ApiException(400, ErrorCode.BAD_CURSOR, "cursor " + since
          + " is ahead of this server (at " + page.teamSeq() + "); was it reset?");
    }
    PullResponse response = new PullResponse(page.changes(), Cursors.format(page.cursor()),
        page.hasMore(), clock.millis());
    json(ctx, 200, ProtocolCodec.writePullResponse(response));
    metrics.pulled(System.nanoTime() - started(ctx), page.changes().size());
  }

  private void adminCreateToken(Context ctx) throws IOException {
    requireAdmin(ctx);
    byte[] body = readBody(ctx, MAX_ADMIN_BODY);
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw ApiException.badRequest("malformed JSON: " + e.getMessage().split("\n")[0]);
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest("body must be a JSON object");
    }
    String teamId = textField(node, "teamId");
    String deviceId = textField(node, "deviceId");
    long expiresAt = 0;
    JsonNode expires = node.get("expiresInSeconds");
    if (expires != null && !expires.isNull()) {
      if (!expires.isIntegralNumber() || !expires.canConvertToLong() || expires.asLong() < 1
          || expires.asLong() > MAX_TOKEN_LIFETIME_SECONDS) {
        throw ApiException.badRequest("expiresInSeconds must be a whole number from 1 to "
            + MAX_TOKEN_LIFETIME_SECONDS + " (or absent for a token that never expires)");
      }
      expiresAt = clock.millis() + expires.asLong() * 1000;
    }
    String token = issue(teamId, deviceId, expiresAt);
    ObjectNode out = Json.object();
    out.put("token", token);
    out.put("teamId", teamId);
    out.put("deviceId", deviceId);
    if (expiresAt > 0) {
      out.put("expiresAt", expiresAt);
    } else {
      out.putNull("expiresAt");
    }
    json(ctx, 201, Json.write(out).getBytes(StandardCharsets.UTF_8));
  }

  /** {@code POST /admin/retention}: runs retention now and answers what it removed. */
  private void adminRetention(Context ctx) {
    requireAdmin(ctx);
    ServerStore.RetentionResult r = runRetention();
    ObjectNode out = Json.object();
    out.put("enabled", tombstoneRetention != null);
    out.put("purgedTombstones", r.purgedTombstones());
    out.put("purgedBatches", r.purgedBatches());
    out.put("compactedVersions", r.compactedVersions());
    json(ctx, 200, Json.write(out).getBytes(StandardCharsets.UTF_8));
  }

  private void adminRevokeToken(Context ctx) {
    requireAdmin(ctx);
    String deviceId = ctx.pathParam("deviceId");
    String teamId = ctx.queryParam("teamId");
    if (!Ids.isValidId(teamId)) {
      throw new ApiException(400, ErrorCode.INVALID_ID, "teamId query parameter " + Ids.ID_RULE);
    }
    if (!Ids.isValidId(deviceId)) {
      throw new ApiException(400, ErrorCode.INVALID_ID, "device id " + Ids.ID_RULE);
    }
    store.revokeTokens(teamId, deviceId);
    ctx.status(204);
  }

  // ---- helpers ----

  /** Bounds the work in flight: beyond it, a short wait, then 503 overloaded. */
  private Handler limited(Handler handler) {
    return ctx -> {
      try (WorkLimiter.Place place = work.acquire()) {
        handler.handle(ctx);
      }
    };
  }

  /** Returns the number of sync requests waiting for a place right now (for tests). */
  int requestsWaiting() {
    return work.waiting();
  }

  /** Returns the most sync requests that were ever at work at once (for tests). */
  int peakRequestsAtWork() {
    return work.peakBusy();
  }

  private static final String STARTED = "tandem.started";

  /** When the request reached its handler, waits for the limiters included (System.nanoTime). */
  private static long started(Context ctx) {
    Long t = ctx.attribute(STARTED);
    return t == null ? System.nanoTime() : t;
  }

  /** Counts requests in flight for a graceful close, and refuses new ones once closing. */
  private Handler guarded(Handler handler) {
    return ctx -> {
      ctx.attribute(STARTED, System.nanoTime());
      inFlight.incrementAndGet();
      try {
        if (closing) {
          throw new ApiException(503, ErrorCode.UNAVAILABLE, "server is shutting down");
        }
        handler.handle(ctx);
      } finally {
        if (inFlight.decrementAndGet() == 0 && closing) {
          synchronized (drained) {
            drained.notifyAll();
          }
        }
      }
    };
  }

  private TokenOwner authenticate(Context ctx) {
    String token = Tokens.bearer(ctx.header("Authorization"));
    if (token == null) {
      throw ApiException.unauthorized("missing bearer token");
    }
    TokenOwner owner = store.findToken(Tokens.hash(token));
    if (owner == null) {
      throw ApiException.unauthorized("unknown, revoked or replaced token");
    }
    if (owner.expiredAt(clock.millis())) {
      throw ApiException.unauthorized("expired token");
    }
    if (!owner.teamId().equals(ctx.header("X-Team-ID"))) {
      throw ApiException.forbidden("X-Team-ID does not match the token's team");
    }
    if (!owner.deviceId().equals(ctx.header("X-Device-ID"))) {
      throw ApiException.forbidden("X-Device-ID does not match the token's device");
    }
    return owner;
  }

  private void requireAdmin(Context ctx) {
    String token = Tokens.bearer(ctx.header("Authorization"));
    if (adminTokenHash == null || !Tokens.matches(token, adminTokenHash)) {
      throw ApiException.unauthorized(adminTokenHash == null
          ? "admin endpoints are disabled: the server has no admin token"
          : "missing or wrong admin token");
    }
  }

  /**
   * Reads the body in an upload place, with the body-read timeout as the longest silence: a
   * client that sends headers and then stalls (slowloris) holds a thread that long at most.
   */
  private byte[] readBody(Context ctx, long max) throws IOException {
    try (WorkLimiter.Place place = uploads.acquire()) {
      Request base = Request.getBaseRequest(ctx.req());
      HttpChannel channel = base == null ? null : base.getHttpChannel();
      long idleBefore = channel == null ? -1 : channel.getIdleTimeout();
      if (channel != null) {
        channel.setIdleTimeout(bodyReadTimeout.toMillis());
      }
      try (InputStream in = ctx.req().getInputStream()) {
        return Bodies.read(in, ctx.header("Content-Encoding"), ctx.req().getContentLengthLong(),
            max);
      } catch (BadMessageException e) {
        throw new ApiException(e.getCode(), ErrorCode.BAD_REQUEST,
            "request body: " + e.getReason());
      } catch (IOException e) {
        // The client stalled or went away mid-body: its fault, and never a 500.
        throw new ApiException(408, ErrorCode.REQUEST_TIMEOUT, "the request body stopped arriving"
            + " (stalled for " + bodyReadTimeout.toMillis() + " ms or cut off)");
      } finally {
        if (channel != null) {
          channel.setIdleTimeout(idleBefore);
        }
      }
    }
  }

  private static String textField(JsonNode node, String name) {
    JsonNode v = node.get(name);
    if (v == null || !v.isTextual()) {
      throw ApiException.badRequest(name + " must be a string");
    }
    if (!Ids.isValidId(v.asText())) {
      throw new ApiException(400, ErrorCode.INVALID_ID, name + " " + Ids.ID_RULE);
    }
    return v.asText();
  }

  private static void requireValidId(String id, String what) {
    if (!Ids.isValidId(id)) {
      throw new IllegalArgumentException(
          "invalid " + what + " \"" + id + "\": " + Ids.ID_RULE);
    }
  }

  private static void json(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType(JSON);
    // The codings this server takes in request bodies (RFC 7694): clients switch to zstd on it.
    ctx.header("Accept-Encoding", ResponseEncoding.TAKES);
    ResponseCompression rc = ctx.attribute(COMPRESSION_ATTRIBUTE);
    String accept = rc == ResponseCompression.NONE ? null : ctx.header("Accept-Encoding");
    String encoding = ResponseEncoding.choose(accept, rc != ResponseCompression.GZIP);
    if (encoding != null && body.length < ResponseEncoding.minBytes(encoding, COMPRESS_FROM)) {
      encoding = null;
    }
    if (encoding != null) {
      ctx.header("Content-Encoding", encoding);
      ctx.header("Vary", "Accept-Encoding");
      body = ResponseEncoding.encode(body, encoding);
    }
    ctx.result(body);
  }

  private static void error(Context ctx, int status, String code, String message) {
    ctx.attribute(ERROR_WRITTEN, Boolean.TRUE);
    json(ctx, status, ProtocolCodec.writeError(code, message));
  }

  private static String readVersion() {
    try (InputStream in = TandemServer.class.getResourceAsStream("tandem-server.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Configures a {@link TandemServer}. Not thread-safe; {@link #build()} copies what it needs. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private Path dataDir;
    private ServerStore store;
    private String adminToken;
    private long maxBodyBytes = 16L * 1024 * 1024;
    private int maxBatchChanges = 1000;
    private ResponseCompression responseCompression = ResponseCompression.AUTO;
    private long maxRecordBytes = 4L * 1024 * 1024;
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private Duration livePingInterval = Duration.ofSeconds(30);
    private Duration commandAckTimeout = Duration.ofSeconds(10);
    private Duration commandSweepInterval = Duration.ofSeconds(1);
    private LiveHub liveHub;
    private dev.tandem.sync.Clock clock = dev.tandem.sync.Clock.SYSTEM;
    private Duration maxClockSkew = DEFAULT_MAX_CLOCK_SKEW;
    private int maxConcurrentRequests =
        Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private int maxQueuedRequests = 64;
    private Duration queueTimeout = Duration.ofSeconds(1);
    private int maxConcurrentUploads = 32;
    private Duration bodyReadTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofSeconds(30);
    /** 0 = derived from the limits in {@link #build()}. */
    private int maxThreads;
    private int acceptQueueSize = 1024;
    private Duration overloadRetryAfter = Duration.ofSeconds(2);
    private Duration readyTimeout = Duration.ofSeconds(2);
    private boolean metricsPublic;
    private Duration tombstoneRetention = Duration.ofDays(90);
    private Duration retentionInterval = Duration.ofHours(1);

    private Builder() {}

    /**
     * How long a delete (and a batch answer) is kept after this server stored it; older ones are
     * purged by retention, and a device that has not pulled since gets {@code bad_cursor} and
     * pulls from the beginning. Default 90 days; null keeps them forever (no retention runs).
     */
    public Builder tombstoneRetention(Duration retention) {
      this.tombstoneRetention = retention == null ? null : positive(retention,
          "tombstoneRetention");
      return this;
    }

    /** How often retention runs (also once soon after start). Default 1 hour. */
    public Builder retentionInterval(Duration interval) {
      this.retentionInterval = positive(interval, "retentionInterval");
      return this;
    }

    /**
     * Whether {@code GET /metrics} answers without the admin token. Default false: the figures
     * tell how busy each route is, which is the operator's business (PROTOCOL "Operations").
     */
    public Builder metricsPublic(boolean open) {
      this.metricsPublic = open;
      return this;
    }

    /**
     * How long {@code GET /health/ready} waits for the store's trivial query ({@link
     * ServerStore#ping()}) before answering 503 {@code not_ready}. Default 2 s.
     */
    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = positive(timeout, "readyTimeout");
      return this;
    }

    /**
     * How far ahead of this server's clock an {@code hlc} may be (PROTOCOL "Clock bounds"); a
     * change beyond it is refused with {@code clock_skew}. Default 5 minutes.
     */
    public Builder maxClockSkew(Duration skew) {
      if (skew.isNegative() || skew.isZero()) {
        throw new IllegalArgumentException("maxClockSkew must be positive: " + skew);
      }
      this.maxClockSkew = skew;
      return this;
    }

    /**
     * How many sync requests (pulls, and pushes once their body is in) may be at work at once.
     * Default 4 per core, at least 8: the work is CPU and a handful of store connections, so more
     * at once only queue inside and slow everything, {@code /health} included.
     */
    public Builder maxConcurrentRequests(int requests) {
      this.maxConcurrentRequests = (int) positive(requests, "maxConcurrentRequests");
      return this;
    }

    /**
     * How many sync requests may wait for a place at once; further ones get 503 {@code
     * overloaded} without waiting. Default 64. 0 refuses at once whatever is over the limit.
     */
    public Builder maxQueuedRequests(int requests) {
      if (requests < 0) {
        throw new IllegalArgumentException("maxQueuedRequests must not be negative: " + requests);
      }
      this.maxQueuedRequests = requests;
      return this;
    }

    /** How long a request waits for a place before 503 {@code overloaded}. Default 1 s. */
    public Builder queueTimeout(Duration timeout) {
      this.queueTimeout = notNegative(timeout, "queueTimeout");
      return this;
    }

    /**
     * The server's wall clock: clock bounds, {@code serverTimestamp} and token expiry. Default:
     * the system clock; tests inject their own.
     */
    public Builder clock(dev.tandem.sync.Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How many request bodies may be received at once (as many again may wait for a place).
     * Default 32; together with {@link #maxBodyBytes} it bounds the memory of uploads.
     */
    public Builder maxConcurrentUploads(int uploads) {
      this.maxConcurrentUploads = (int) positive(uploads, "maxConcurrentUploads");
      return this;
    }

    /**
     * The longest silence while a request body arrives; past it the request is dropped with 408
     * and its connection closed. Default 10 s.
     */
    public Builder bodyReadTimeout(Duration timeout) {
      this.bodyReadTimeout = positive(timeout, "bodyReadTimeout");
      return this;
    }

    /**
     * How long a connection may stay silent (between requests, or while its headers arrive)
     * before the server closes it. Live connections keep their own ping-based timeout. Default
     * 30 s.
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idleTimeout");
      return this;
    }

    /**
     * The HTTP thread pool's size. Default 200, or more when the limits need more. It must
     * exceed what the limiters let requests hold ({@code maxConcurrentRequests +
     * maxQueuedRequests + 2 * maxConcurrentUploads}) by at least 16, the threads kept for Jetty
     * itself and {@code /health}.
     */
    public Builder maxThreads(int threads) {
      this.maxThreads = (int) positive(threads, "maxThreads");
      return this;
    }

    /** The listening socket's backlog of connections not yet accepted. Default 1024. */
    public Builder acceptQueueSize(int size) {
      this.acceptQueueSize = (int) positive(size, "acceptQueueSize");
      return this;
    }

    /** The {@code Retry-After} sent with 503 (rounded up to whole seconds). Default 2 s. */
    public Builder overloadRetryAfter(Duration wait) {
      this.overloadRetryAfter = positive(wait, "overloadRetryAfter");
      return this;
    }

    /**
     * Sets where this server publishes "a team's sequence moved" after each stored batch.
     * Default: straight to its own live connections. Several nodes sharing one store pass a hub
     * that reaches every node (for PostgreSQL, {@code NOTIFY}), and feed what arrives into each
     * node's {@link TandemServer#localLiveHub()}.
     */
    public Builder liveHub(LiveHub hub) {
      this.liveHub = Objects.requireNonNull(hub, "hub");
      return this;
    }

    /** The address to bind; default {@code 127.0.0.1}. Use {@code 0.0.0.0} to serve others. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port; 0 picks a free one. Default 8080. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /** Serve from SQLite file {@value SqliteServerStore#FILE_NAME} in {@code dir}. */
    public Builder dataDir(Path dir) {
      if (store != null) {
        throw new IllegalStateException("store was already set; use dataDir or store, not both");
      }
      this.dataDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Serve from {@code store}, which the server then owns and closes. Token lookups go through
     * a {@link CachingServerStore} in front of it (unless it is one already).
     */
    public Builder store(ServerStore store) {
      if (dataDir != null) {
        throw new IllegalStateException("dataDir was already set; use dataDir or store, not both");
      }
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The admin bearer token; without one the admin endpoints answer 401. Held as a hash. */
    public Builder adminToken(String adminToken) {
      if (adminToken != null && adminToken.isEmpty()) {
        throw new IllegalArgumentException("admin token must not be empty");
      }
      this.adminToken = adminToken;
      return this;
    }

    /** Largest request body, both as received and after inflating. Default 16 MiB. */
    public Builder maxBodyBytes(long bytes) {
      this.maxBodyBytes = positive(bytes, "maxBodyBytes");
      return this;
    }

    /** How answers are compressed. Default {@link ResponseCompression#AUTO}. */
    public Builder responseCompression(ResponseCompression compression) {
      this.responseCompression = java.util.Objects.requireNonNull(compression, "compression");
      return this;
    }

    /** Largest number of changes in one batch. Default 1000. */
    public Builder maxBatchChanges(int changes) {
      this.maxBatchChanges = (int) positive(changes, "maxBatchChanges");
      return this;
    }

    /** Largest {@code data} of one change, in UTF-8 bytes. Default 4 MiB. */
    public Builder maxRecordBytes(long bytes) {
      this.maxRecordBytes = positive(bytes, "maxRecordBytes");
      return this;
    }

    /** How long {@link TandemServer#close()} waits for requests in flight. Default 10 s. */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** How often the server pings each live connection. Default 30 s. */
    public Builder livePingInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("livePingInterval must be positive");
      }
      this.livePingInterval = interval;
      return this;
    }

    /**
     * How long a delivered command may go without an ack before it is sent again; each further
     * attempt waits twice as long (up to 16 times this). Default 10 s (PROTOCOL "Remote
     * commands").
     */
    public Builder commandAckTimeout(Duration timeout) {
      this.commandAckTimeout = positive(timeout, "commandAckTimeout");
      return this;
    }

    /** How often the server looks for expired and unacknowledged commands. Default 1 s. */
    public Builder commandSweepInterval(Duration interval) {
      this.commandSweepInterval = positive(interval, "commandSweepInterval");
      return this;
    }

    /**
     * Returns the server, opening the store if {@link #dataDir} was given.
     *
     * @throws IllegalStateException if neither a data directory nor a store was set
     */
    public TandemServer build() {
      if (dataDir == null && store == null) {
        throw new IllegalStateException("set dataDir(...) or store(...)");
      }
      long held = threadsHeld();
      if (maxThreads != 0 && maxThreads < held + THREAD_RESERVE) {
        throw new IllegalStateException("maxThreads " + maxThreads + " is too small: requests may"
            + " hold " + held + " threads (maxConcurrentRequests + maxQueuedRequests"
            + " + 2 * maxConcurrentUploads), and " + THREAD_RESERVE
            + " more are kept for Jetty and /health");
      }
      return new TandemServer(this, store != null ? store : SqliteServerStore.open(dataDir, clock));
    }

    /** The threads that the limiters let requests hold at most. */
    private long threadsHeld() {
      return (long) maxConcurrentRequests + maxQueuedRequests + 2L * maxConcurrentUploads;
    }

    /** The pool size: as set, or 200, or more when the limits need more. */
    int resolvedMaxThreads() {
      if (maxThreads != 0) {
        return maxThreads;
      }
      return (int) Math.min(Integer.MAX_VALUE, Math.max(200, threadsHeld() + THREAD_RESERVE + 32));
    }

    private static Duration positive(Duration d, String name) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }

    private static Duration notNegative(Duration d, String name) {
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative: " + d);
      }
      return d;
    }

    private static long positive(long value, String name) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }
  }
}
