package dev.tandem.sync.transport;

import dev.tandem.sync.ClosedException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.Health;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.ProtocolException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.protocol.WireDictionary;
import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.transport.internal.Failures;
import dev.tandem.sync.transport.internal.Frames;
import dev.tandem.sync.transport.internal.LiveSocket;
import dev.tandem.sync.transport.internal.NoDelaySocketFactory;
import dev.tandem.sync.transport.internal.ZstdAvailability;
import dev.tandem.sync.transport.internal.ZstdCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.net.SocketFactory;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * The sync protocol over OkHttp: {@code POST /sync/batch}, {@code GET /sync/pull}, {@code GET
 * /health}, and the live channel on OkHttp's WebSocket ({@code /sync/live}).
 *
 * <pre>{@code
 * Transport transport = OkHttpTransport.builder()
 *     .baseUrl(URI.create("https://sync.example.com/tandem"))
 *     .token(token).teamId("team-1").deviceId("laptop-1")
 *     .client(appClient)          // optional: share the app's connection pool and dispatcher
 *     .readTimeout(Duration.ofSeconds(20))
 *     .build();
 * }</pre>
 *
 * <p><b>Errors.</b> Every method throws {@link TransportException}, never an {@code IOException}:
 * no answer, a timeout or a dropped connection is {@link Reason#NETWORK}; 5xx is {@link
 * Reason#SERVER_ERROR}; 429, and 503 {@code overloaded} or with {@code Retry-After}, is a {@link
 * RateLimitedException} carrying {@code Retry-After}; 401,
 * 403 and 413 have their own reasons and every other 4xx is {@link Reason#BAD_REQUEST}; a success
 * whose body is not the protocol is {@link Reason#PROTOCOL}. The error body's {@code code} is
 * {@link TransportException#errorCode()}.
 *
 * <p><b>Compression.</b> Requests of at least {@link Builder#minCompressBytes(int)} bytes go
 * compressed: by default ({@link Compression#AUTO}) as zstd once the server has said it takes
 * zstd and this JVM has zstd-jni, else gzipped; with the dictionary trained on agent history
 * ({@code zstd-agent-1}) once the server lists it too. Responses are accepted gzipped, and with
 * zstd-jni also as zstd or with the dictionary, and inflated before the codec sees them.
 *
 * <p><b>Sharing and threads.</b> Instances are thread-safe. The transport starts no thread until
 * {@link #openLive} is first called; then one daemon thread sends the live channel's pings.
 *
 * <p><b>Shutdown.</b> {@link #close()} closes live channels, cancels calls in flight and releases
 * what this transport created: its own client's connections and threads, the ping thread. A
 * client passed to {@link Builder#client(OkHttpClient)} stays the host's: its pool and
 * dispatcher are left alone.
 */
public final class OkHttpTransport implements Transport {
  /** The protocol version this client speaks. */
  public static final int PROTOCOL_VERSION = Protocol.VERSION;

  static final String USER_AGENT = "tandem/" + loadVersion();
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  /** What a client with the dictionary asks for: the dictionary first, then zstd, then gzip. */
  private static final String ACCEPT_WITH_DICTIONARY = WireDictionary.CODING + ", zstd, gzip";

  private final List<HttpUrl> baseUrls;
  // The server in use: moved on to the next one when a call cannot reach it.
  private final java.util.concurrent.atomic.AtomicInteger active =
      new java.util.concurrent.atomic.AtomicInteger();
  private final String token;
  private final String teamId;
  private final String deviceId;
  private final OkHttpClient client;
  private final OkHttpClient liveClient;
  private final boolean ownsClient;
  private final Compression compression;
  /** Whether this transport asks for zstd responses (and so decodes responses itself). */
  private final boolean acceptsZstd;
  /** Whether request bodies go as zstd: from the start with ZSTD, once negotiated with AUTO. */
  private volatile boolean sendsZstd;
  /** Whether this transport offers {@link WireDictionary} both ways (zstd and the resource). */
  private final boolean acceptsDictionary;
  /** Whether request bodies go with the dictionary: once the server has listed its coding. */
  private volatile boolean sendsDictionary;
  /** Set by a 415 for a body in that coding: never tried again, whatever a server lists. */
  private volatile boolean zstdRefused;
  private volatile boolean dictionaryRefused;
  private final int minCompressBytes;
  /** The same with the dictionary: it pays from a few hundred bytes on (BENCHMARKS.md). */
  private final int minDictionaryBytes;
  private final long livePingIntervalMillis;
  private final java.util.function.LongSupplier liveNanoTime;
  private final Set<Call> calls = ConcurrentHashMap.newKeySet();
  private final Set<LiveSocket> liveSockets = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private ScheduledExecutorService pingScheduler; // guarded by this; created on first openLive

  private OkHttpTransport(Builder b) {
    this.baseUrls = java.util.Collections.unmodifiableList(new ArrayList<>(b.baseUrls));
    this.token = b.token;
    this.teamId = b.teamId;
    this.deviceId = b.deviceId;
    this.compression = b.compression;
    this.acceptsZstd = b.compression == Compression.ZSTD
        || (b.compression == Compression.AUTO && ZstdAvailability.isAvailable());
    this.sendsZstd = b.compression == Compression.ZSTD;
    this.acceptsDictionary = acceptsZstd && WireDictionary.isAvailable();
    this.minCompressBytes = b.minCompressBytes == null ? 1024 : b.minCompressBytes;
    this.minDictionaryBytes = b.minCompressBytes == null ? 256 : b.minCompressBytes;
    this.livePingIntervalMillis = b.livePingIntervalMillis;
    this.liveNanoTime = b.liveNanoTime;
    this.ownsClient = b.client == null;
    OkHttpClient.Builder cb = ownsClient ? new OkHttpClient.Builder() : b.client.newBuilder();
    if (ownsClient) {
      // A host client keeps its socket factory: changing it would stop connection reuse with the
      // host's own calls (the factory is part of OkHttp's pool key).
      cb.socketFactory(new NoDelaySocketFactory(SocketFactory.getDefault()));
      cb.connectTimeout(10, TimeUnit.SECONDS)
          .readTimeout(30, TimeUnit.SECONDS)
          .writeTimeout(30, TimeUnit.SECONDS)
          .callTimeout(2, TimeUnit.MINUTES);
    }
    // Only what the host asked for overrides a host client's own settings.
    if (b.connectTimeoutMillis >= 0) {
      cb.connectTimeout(b.connectTimeoutMillis, TimeUnit.MILLISECONDS);
    }
    if (b.readTimeoutMillis >= 0) {
      cb.readTimeout(b.readTimeoutMillis, TimeUnit.MILLISECONDS);
      cb.writeTimeout(b.readTimeoutMillis, TimeUnit.MILLISECONDS);
    }
    if (b.callTimeoutMillis >= 0) {
      cb.callTimeout(b.callTimeoutMillis, TimeUnit.MILLISECONDS);
    }
    // A sync API never redirects on purpose; following one would turn a POST into a GET (then a
    // puzzling PROTOCOL error) or send the token on. Refused with the Location in the message.
    cb.followRedirects(false).followSslRedirects(false);
    this.client = cb.build();
    // A live channel lasts hours: a call timeout would cut it. newBuilder() shares the pool and
    // the threads.
    this.liveClient = client.newBuilder().callTimeout(0, TimeUnit.MILLISECONDS).build();
  }

  /**
   * Returns a builder; {@code baseUrl}, {@code token}, {@code teamId} and {@code deviceId} are
   * required.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the base URL of the server in use, to which {@code sync/batch} and the others are
   * appended: the first of {@link Builder#baseUrls} until a call failed over to another.
   */
  public URI baseUrl() {
    return baseUrls.get(active.get()).uri();
  }

  /** Returns every server this transport may use, in the order it tries them. */
  public List<URI> baseUrls() {
    List<URI> out = new ArrayList<>();
    for (HttpUrl u : baseUrls) {
      out.add(u.uri());
    }
    return out;
  }

  /** Returns the client this transport calls with (derived from the host's, if one was given). */
  public OkHttpClient client() {
    return client;
  }

  /**
   * Sends one batch with {@code POST /sync/batch}.
   *
   * @throws TransportException if the call fails or the server refuses the batch
   * @throws ClosedException if this transport is closed
   */
  @Override
  public PushResponse push(PushRequest request) {
    Objects.requireNonNull(request, "request");
    byte[] json = ProtocolCodec.writePushRequest(request);
    byte[] response = null;
    // At most three tries: the dictionary, plain zstd, gzip, each refused at most once.
    while (response == null) {
      Coding coding = sendsDictionary ? Coding.DICTIONARY
          : sendsZstd ? Coding.ZSTD : Coding.GZIP;
      boolean compressed = compression != Compression.NONE && json.length
          >= (coding == Coding.DICTIONARY ? minDictionaryBytes : minCompressBytes);
      try {
        // A retry on another server is safe: the batch id makes a push idempotent across nodes.
        response = execute(base -> pushRequest(base, json, coding), "push");
      } catch (TransportException e) {
        if (!compressed || e.httpStatus() != 415 || coding == Coding.GZIP
            || (coding == Coding.ZSTD && compression != Compression.AUTO)) {
          throw e;
        }
        // The server (or a proxy) listed this coding and then refused it: this batch goes
        // again one step down (the dictionary, then zstd, then gzip), and so does every later one.
        if (coding == Coding.DICTIONARY) {
          dictionaryRefused = true;
          sendsDictionary = false;
        } else {
          zstdRefused = true;
          sendsZstd = false;
        }
      }
    }
    try {
      return ProtocolCodec.readPushResponse(response);
    } catch (ProtocolException e) {
      throw notProtocol("push", e);
    }
  }

  /** How one request body is compressed, best first. */
  private enum Coding {
    DICTIONARY,
    ZSTD,
    GZIP
  }

  private Request pushRequest(HttpUrl base, byte[] json, Coding coding) {
    Request.Builder rb = syncRequest(url(base, "sync/batch"));
    byte[] body = json;
    if (compression != Compression.NONE && json.length
        >= (coding == Coding.DICTIONARY ? minDictionaryBytes : minCompressBytes)) {
      if (coding == Coding.DICTIONARY) {
        body = ZstdCodec.compressWithDictionary(json);
        rb.header("Content-Encoding", WireDictionary.CODING);
      } else if (coding == Coding.ZSTD) {
        body = ZstdCodec.compress(json);
        rb.header("Content-Encoding", "zstd");
      } else {
        body = gzip(json);
        rb.header("Content-Encoding", "gzip");
      }
    }
    return rb.post(RequestBody.create(body, JSON)).build();
  }

  /**
   * Fetches one page with {@code GET /sync/pull}.
   *
   * @param cursor the cursor of the last page applied, or null (or empty) for the beginning
   * @param limit the most changes to return; the server caps it (5000 by default)
   * @throws IllegalArgumentException if {@code limit} is not positive
   * @throws TransportException if the call fails or the server refuses it
   * @throws ClosedException if this transport is closed
   */
  @Override
  public PullResponse pull(@Nullable String cursor, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    byte[] response = execute(base -> {
      HttpUrl.Builder url = url(base, "sync/pull").newBuilder();
      if (cursor != null && !cursor.isEmpty()) {
        url.addQueryParameter("since", cursor);
      }
      url.addQueryParameter("limit", Integer.toString(limit));
      return syncRequest(url.build()).get().build();
    }, "pull");
    PullResponse page;
    try {
      page = ProtocolCodec.readPullResponse(response);
    } catch (ProtocolException e) {
      throw notProtocol("pull", e);
    }
    if (page.cursor() == null) {
      // Storing "no cursor" would silently restart the device's pulls from the beginning.
      throw new TransportException(Reason.PROTOCOL, 200, "bad_response",
          "pull: the answer has no cursor");
    }
    return page;
  }

  /**
   * Checks {@code GET /health}: returns normally if the server answers {@code "status": "ok"}
   * and speaks this protocol version.
   *
   * @throws TransportException {@link Reason#NETWORK} or {@link Reason#SERVER_ERROR} if the
   *     server is down or not ok; {@link Reason#PROTOCOL} if it is not a Tandem server or speaks
   *     another protocol version
   * @throws ClosedException if this transport is closed
   */
  @Override
  public void health() {
    // /health takes no auth: the token stays off a call that does not need it.
    byte[] body = execute(base -> new Request.Builder().url(url(base, "health"))
        .header("User-Agent", USER_AGENT).get().build(), "health");
    Health health;
    try {
      health = ProtocolCodec.readHealth(body);
    } catch (ProtocolException e) {
      health = null;
    }
    if (health == null || health.status() == null) {
      throw new TransportException(Reason.PROTOCOL, 200, null,
          "health: the answer is not a Tandem health body");
    }
    if (health.protocol() != 0 && health.protocol() != PROTOCOL_VERSION) {
      throw new TransportException(Reason.PROTOCOL, 200, null, "health: the server speaks protocol "
          + health.protocol() + ", this client " + PROTOCOL_VERSION);
    }
    if (!health.isOk()) {
      throw new TransportException(Reason.SERVER_ERROR, 200, null,
          "health: the server reports status " + health.status());
    }
  }

  /**
   * Opens the live channel ({@code GET /sync/live}, upgraded to a WebSocket) and returns at once;
   * the connection is made in the background.
   *
   * <p>On open the channel sends {@code {"type":"hello","cursor":...}} (an empty cursor for
   * null) and calls {@link LiveListener#onOpen()}. Each {@code changes} frame calls {@link
   * LiveListener#onChanges}; a {@code ping} is answered with a {@code pong}; a {@code ping} is
   * sent every {@link Builder#livePingInterval(Duration) ping interval}, and a server silent for
   * two intervals is given up on. {@link LiveListener#onClosed} is called exactly once when the
   * channel closes or fails — a refused upgrade carries the {@link TransportException} of its
   * status — unless the returned connection's {@code close()} came first: after that the listener
   * hears nothing more. Listener methods run on OkHttp's WebSocket thread or the ping thread and
   * must not block.
   *
   * @throws ClosedException if this transport is closed
   */
  @Override
  public LiveConnection openLive(@Nullable String cursor, LiveListener listener) {
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    LiveSocket socket = new LiveSocket(cursor, listener, pingScheduler(), livePingIntervalMillis,
        liveSockets::remove, liveNanoTime);
    liveSockets.add(socket);
    // The server in use; when it is gone, the engine's health probe before the next attempt
    // fails over, and the channel reopens on the server that answered.
    socket.connect(liveClient, syncRequest(url(baseUrls.get(active.get()), "sync/live")).build());
    if (closed.get()) {
      // close() ran between checkOpen() and add(): it may have missed this socket.
      socket.cancel();
      throw new ClosedException("transport");
    }
    return socket;
  }

  /**
   * Calls a device or command endpoint ({@code GET /devices}, {@code POST /commands} …) with the
   * sync headers; bodies are small JSON and go uncompressed.
   *
   * @throws IllegalArgumentException for a method other than GET, PUT and POST
   * @throws TransportException if the call fails or the server refuses it
   * @throws ClosedException if this transport is closed
   */
  @Override
  public byte[] call(String method, String path, byte[] jsonBody) {
    Objects.requireNonNull(path, "path");
    if (!method.equals("GET") && !method.equals("PUT") && !method.equals("POST")) {
      throw new IllegalArgumentException("unsupported method " + method);
    }
    int q = path.indexOf('?');
    String segments = q < 0 ? path : path.substring(0, q);
    // Every node serves these; a command carries its own id, so a retry on another is one.
    return execute(base -> {
      HttpUrl.Builder url = base.newBuilder().addPathSegments(segments);
      if (q >= 0) {
        url.encodedQuery(path.substring(q + 1));
      }
      Request.Builder rb = syncRequest(url.build());
      RequestBody body = RequestBody.create(jsonBody == null ? new byte[0] : jsonBody, JSON);
      if (method.equals("GET")) {
        rb.get();
      } else if (method.equals("PUT")) {
        rb.put(body);
      } else {
        rb.post(body);
      }
      return rb.build();
    }, method + " /" + segments);
  }

  /**
   * Closes live channels, cancels calls in flight (they fail with {@link Reason#NETWORK}) and
   * releases what this transport created. A host-provided client's pool and dispatcher stay
   * untouched. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (LiveSocket socket : new ArrayList<>(liveSockets)) {
      socket.close();
    }
    for (Call call : new ArrayList<>(calls)) {
      call.cancel();
    }
    synchronized (this) {
      if (pingScheduler != null) {
        pingScheduler.shutdownNow();
      }
    }
    if (ownsClient) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    // Never the token.
    return "OkHttpTransport{" + baseUrl() + ", team=" + teamId + ", device=" + deviceId + "}";
  }

  private Request.Builder syncRequest(HttpUrl url) {
    return syncRequest(new Request.Builder(), url);
  }

  private Request.Builder syncRequest(Request.Builder b, HttpUrl url) {
    b.url(url)
        .header("Authorization", "Bearer " + token)
        .header("X-Team-ID", teamId)
        .header("X-Device-ID", deviceId)
        .header("User-Agent", USER_AGENT);
    if (acceptsZstd) {
      // Setting it turns off OkHttp's transparent gzip: readBody() then decodes both itself.
      b.header("Accept-Encoding", acceptsDictionary ? ACCEPT_WITH_DICTIONARY : "zstd, gzip");
    }
    // Otherwise no Accept-Encoding: OkHttp asks for gzip itself and inflates the answer.
    return b;
  }

  private static HttpUrl url(HttpUrl base, String path) {
    return base.newBuilder().addPathSegments(path).build();
  }

  /** Builds a call's request for one server's base URL. */
  private interface RequestFor {
    Request on(HttpUrl base);
  }

  /**
   * Runs a call on the server in use; when it cannot be reached (a network failure, not an
   * answer), tries each other server once, in order, and keeps the first that answers in use.
   */
  private byte[] execute(RequestFor request, String what) {
    int first = active.get();
    TransportException failure = null;
    for (int i = 0; i < baseUrls.size(); i++) {
      int index = (first + i) % baseUrls.size();
      try {
        byte[] body = execute(request.on(baseUrls.get(index)), what);
        if (index != first) {
          active.compareAndSet(first, index);
        }
        return body;
      } catch (TransportException e) {
        if (e.reason() != Reason.NETWORK || closed.get()) {
          throw e;
        }
        failure = e;
      }
    }
    throw failure;
  }

  private byte[] execute(Request request, String what) {
    checkOpen();
    Call call = client.newCall(request);
    calls.add(call);
    if (closed.get()) {
      // close() ran between checkOpen() and add(): it may have missed this call.
      call.cancel();
    }
    try (Response response = call.execute()) {
      String takes = response.header("Accept-Encoding");
      if (compression == Compression.AUTO && acceptsZstd && !sendsZstd && !zstdRefused
          && takesZstd(takes)) {
        sendsZstd = true;
      }
      if (acceptsDictionary && sendsZstd && !sendsDictionary && !dictionaryRefused
          && takes(takes, WireDictionary.CODING)) {
        sendsDictionary = true;
      }
      if (!response.isSuccessful()) {
        throw Failures.forStatus(what, response.code(), errorBody(response), response.headers(),
            System.currentTimeMillis());
      }
      return readBody(response, Long.MAX_VALUE);
    } catch (IOException e) {
      throw Failures.network(what, e);
    } finally {
      calls.remove(call);
    }
  }

  private byte[] errorBody(Response response) {
    try {
      return readBody(response, Failures.MAX_ERROR_BODY);
    } catch (IOException | RuntimeException e) {
      // The status alone still says what happened.
      return new byte[0];
    }
  }

  /**
   * Reads up to {@code limit} bytes of the body, decoding it when this transport asked for zstd
   * (OkHttp has already decoded gzip in every other case).
   */
  private byte[] readBody(Response response, long limit) throws IOException {
    ResponseBody body = response.body();
    if (body == null) {
      return new byte[0];
    }
    String encoding = response.header("Content-Encoding");
    InputStream in = body.byteStream();
    if (acceptsZstd && encoding != null) {
      switch (encoding.trim().toLowerCase(Locale.ROOT)) {
        case "gzip":
          in = new GZIPInputStream(in);
          break;
        case "zstd":
          in = ZstdCodec.decompress(in);
          break;
        case WireDictionary.CODING:
          if (!acceptsDictionary) {
            throw new TransportException(Reason.PROTOCOL, response.code(), null,
                "the server answered in an encoding this client did not ask for: " + encoding);
          }
          in = ZstdCodec.decompressWithDictionary(in);
          break;
        case "identity":
          break;
        default:
          throw new TransportException(Reason.PROTOCOL, response.code(), null,
              "the server answered in an encoding this client did not ask for: " + encoding);
      }
    }
    try (InputStream stream = in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(
          (int) Math.max(0, Math.min(Math.min(body.contentLength(), limit), 1 << 20)));
      byte[] buf = new byte[8192];
      long remaining = limit;
      int n;
      while (remaining > 0
          && (n = stream.read(buf, 0, (int) Math.min(buf.length, remaining))) != -1) {
        out.write(buf, 0, n);
        remaining -= n;
      }
      return out.toByteArray();
    }
  }

  private static TransportException notProtocol(String what, ProtocolException e) {
    return new TransportException(Reason.PROTOCOL, 200, e.code(),
        what + ": the answer is not the protocol: " + e.getMessage(), e);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new ClosedException("transport");
    }
  }

  private synchronized ScheduledExecutorService pingScheduler() {
    if (livePingIntervalMillis <= 0) {
      return null;
    }
    // Under the lock that close() takes to shut it down: a scheduler made after close would leak.
    checkOpen();
    if (pingScheduler == null) {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "Tandem Live Ping");
        t.setDaemon(true);
        return t;
      });
      executor.setRemoveOnCancelPolicy(true);
      pingScheduler = executor;
    }
    return pingScheduler;
  }

  /**
   * Whether a response's {@code Accept-Encoding} (the codings the server takes in requests, RFC
   * 7694) lists zstd without {@code q=0}.
   */
  static boolean takesZstd(String acceptEncoding) {
    return takes(acceptEncoding, "zstd");
  }

  /** Whether an {@code Accept-Encoding} lists {@code coding} without {@code q=0}. */
  static boolean takes(String acceptEncoding, String coding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String part : acceptEncoding.split(",")) {
      String[] fields = part.trim().split(";");
      if (!fields[0].trim().equalsIgnoreCase(coding)) {
        continue;
      }
      for (int i = 1; i < fields.length; i++) {
        String f = fields[i].trim().toLowerCase(Locale.ROOT);
        if (f.startsWith("q=") && f.substring(2).matches("0(\\.0*)?")) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
    // Level 1: about 4.5x faster than the default 6 for an ~11% larger body (measured in
    // TransportBench); a batch is compressed on the sync thread, so speed wins.
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192) {
      {
        def.setLevel(java.util.zip.Deflater.BEST_SPEED);
      }
    }) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  private static String loadVersion() {
    try (InputStream in = OkHttpTransport.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.isEmpty() && !v.startsWith("$")) {
          return v;
        }
      }
    } catch (IOException ignored) {
      // Fall through to the unknown version.
    }
    return "unknown";
  }

  /** Configures an {@link OkHttpTransport}. Not thread-safe. */
  public static final class Builder {
    private List<HttpUrl> baseUrls;
    private String token;
    private String teamId;
    private String deviceId;
    private OkHttpClient client;
    private long connectTimeoutMillis = -1;
    private long readTimeoutMillis = -1;
    private long callTimeoutMillis = -1;
    private Compression compression = Compression.AUTO;
    private Integer minCompressBytes;
    private long livePingIntervalMillis = 30_000;
    private java.util.function.LongSupplier liveNanoTime = System::nanoTime;

    private Builder() {}

    /**
     * Sets the server's base URL, {@code http} or {@code https}, possibly with a path prefix
     * ({@code https://host/prefix}): calls go to {@code <base>/sync/batch} and so on.
     *
     * @throws IllegalArgumentException if it is not an absolute http(s) URL without query
     */
    public Builder baseUrl(URI uri) {
      List<HttpUrl> one = new ArrayList<>();
      one.add(parseBase(uri));
      this.baseUrls = one;
      return this;
    }

    /**
     * Sets several servers that share one database (nodes of one deployment), each as for
     * {@link #baseUrl}. Calls go to the first; when a server cannot be reached the call is tried
     * on the next ones in turn, and the first that answers stays in use.
     *
     * @throws IllegalArgumentException if the list is empty or a URL is not valid
     */
    public Builder baseUrls(List<URI> uris) {
      Objects.requireNonNull(uris, "uris");
      if (uris.isEmpty()) {
        throw new IllegalArgumentException("at least one base URL is required");
      }
      List<HttpUrl> all = new ArrayList<>();
      for (URI uri : uris) {
        all.add(parseBase(uri));
      }
      this.baseUrls = all;
      return this;
    }

    private static HttpUrl parseBase(URI uri) {
      Objects.requireNonNull(uri, "uri");
      HttpUrl url = HttpUrl.parse(uri.toString());
      if (url == null) {
        throw new IllegalArgumentException("base URL must be an absolute http(s) URL: " + uri);
      }
      if (url.encodedQuery() != null || url.encodedFragment() != null) {
        throw new IllegalArgumentException("base URL must not have a query or fragment: " + uri);
      }
      return url;
    }

    /** Sets the device's bearer token. */
    public Builder token(String token) {
      this.token = requireHeaderValue(token, "token");
      return this;
    }

    /** Sets the team id sent as {@code X-Team-ID}. */
    public Builder teamId(String teamId) {
      this.teamId = requireHeaderValue(teamId, "teamId");
      return this;
    }

    /** Sets the device id sent as {@code X-Device-ID}. */
    public Builder deviceId(String deviceId) {
      this.deviceId = requireHeaderValue(deviceId, "deviceId");
      return this;
    }

    /**
     * Calls through the host's client (via {@code newBuilder()}, so they share its connection
     * pool, dispatcher and interceptors). Timeouts set on this builder override the client's.
     *
     * @throws IllegalStateException if already set
     */
    public Builder client(OkHttpClient client) {
      if (this.client != null) {
        throw new IllegalStateException("client was already set");
      }
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /** Sets the TCP/TLS connect timeout; zero means none. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeoutMillis = millis(timeout, "connectTimeout");
      return this;
    }

    /** Sets the TCP/TLS connect timeout; zero means none. Default 10 s. */
    public Builder connectTimeout(long timeout, TimeUnit unit) {
      return connectTimeout(duration(timeout, unit));
    }

    /**
     * Sets the longest silence while reading (or writing) one call; zero means none. Default 30 s.
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeoutMillis = millis(timeout, "readTimeout");
      return this;
    }

    /** Sets the longest silence while reading (or writing) one call; zero means none. */
    public Builder readTimeout(long timeout, TimeUnit unit) {
      return readTimeout(duration(timeout, unit));
    }

    /**
     * Sets the limit for a whole call, connect to last byte; zero means none. Default 2 minutes.
     * The live channel has none.
     */
    public Builder callTimeout(Duration timeout) {
      this.callTimeoutMillis = millis(timeout, "callTimeout");
      return this;
    }

    /** Sets the limit for a whole call, connect to last byte; zero means none. */
    public Builder callTimeout(long timeout, TimeUnit unit) {
      return callTimeout(duration(timeout, unit));
    }

    /**
     * Sets how request bodies are compressed. Default {@link Compression#AUTO} (zstd when both
     * sides have it, else gzip); {@link Compression#ZSTD} needs zstd-jni on the classpath.
     */
    public Builder compression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /**
     * Sets the smallest body worth compressing, in bytes; smaller ones go plain because gzip's
     * overhead would outweigh the saving. Default 1024, and 256 for bodies compressed with the
     * shared dictionary (which shrinks even a one-message batch); a value set here is used for
     * both.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder minCompressBytes(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("minCompressBytes must not be negative: " + bytes);
      }
      this.minCompressBytes = bytes;
      return this;
    }

    /**
     * Sets how often the live channel sends {@code {"type":"ping"}}; a server silent for two
     * intervals is taken for gone. Zero sends no pings (and never gives up). Default 30 s.
     */
    public Builder livePingInterval(Duration interval) {
      this.livePingIntervalMillis = millis(interval, "livePingInterval");
      return this;
    }

    /** Sets how often the live channel pings; zero sends none. */
    public Builder livePingInterval(long interval, TimeUnit unit) {
      return livePingInterval(duration(interval, unit));
    }

    /** Replaces the monotonic clock that times the server's silence (tests only). */
    Builder liveNanoTime(java.util.function.LongSupplier nanoTime) {
      this.liveNanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /**
     * Returns the transport.
     *
     * @throws IllegalStateException if baseUrl, token, teamId or deviceId is missing
     */
    public OkHttpTransport build() {
      if (baseUrls == null) {
        throw new IllegalStateException("baseUrl is required");
      }
      if (token == null) {
        throw new IllegalStateException("token is required");
      }
      if (teamId == null) {
        throw new IllegalStateException("teamId is required");
      }
      if (deviceId == null) {
        throw new IllegalStateException("deviceId is required");
      }
      if (compression == Compression.ZSTD) {
        ZstdCodec.requireAvailable();
      }
      return new OkHttpTransport(this);
    }

    private static String requireHeaderValue(String value, String what) {
      Objects.requireNonNull(value, what);
      if (value.isEmpty()) {
        throw new IllegalArgumentException(what + " must not be empty");
      }
      try {
        // Fails here, with a clear message, rather than on the first call.
        Headers.of("X", value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + " is not a valid HTTP header value", e);
      }
      return value;
    }

    private static Duration duration(long amount, TimeUnit unit) {
      Objects.requireNonNull(unit, "unit");
      return Duration.ofMillis(unit.toMillis(amount));
    }

    private static long millis(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative: " + d);
      }
      return d.toMillis();
    }
  }
}
