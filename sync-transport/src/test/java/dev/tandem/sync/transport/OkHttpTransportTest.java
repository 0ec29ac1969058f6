package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.ClosedException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OkHttpTransportTest {
  private static final String PUSH_OK = new String(ProtocolCodec.writePushResponse(
      new PushResponse(true, Collections.singletonMap("message", 1),
          Collections.emptyList(), Collections.emptyList(), "c-7")), StandardCharsets.UTF_8);

  private MockWebServer server;
  private OkHttpTransport transport;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
    transport = newTransport(server.url("/").uri()).build();
  }

  @AfterEach
  void stop() throws IOException {
    transport.close();
    server.shutdown();
  }

  static OkHttpTransport.Builder newTransport(URI base) {
    return OkHttpTransport.builder().baseUrl(base).token("tok-1").teamId("team-1")
        .deviceId("laptop-1").connectTimeout(2, TimeUnit.SECONDS)
        .readTimeout(Duration.ofSeconds(5)).livePingInterval(Duration.ZERO);
  }

  static PushRequest batch(int changes, int dataBytes) {
    List<Change> list = new ArrayList<>();
    char[] filler = new char[dataBytes];
    Arrays.fill(filler, 'x');
    for (int i = 0; i < changes; i++) {
      list.add(new Change("message", "m-" + i, Change.UPSERT, "0192f3a4b5c6-0001-laptop-1",
          i == 0 ? null : "0192f3a4b000-0000-desk-2",
          "{\"text\":\"" + new String(filler) + "\",\"n\":" + i + "}", 0, null));
    }
    return new PushRequest("b-1", "laptop-1", list);
  }

  static byte[] gunzip(byte[] bytes) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }

  static String errorJson(String code, String message) {
    return new String(ProtocolCodec.writeError(code, message), StandardCharsets.UTF_8);
  }

  // ---- request shape ----

  @Test
  void push_sendsGzippedCodecJsonWithAuthHeaders() throws Exception {
    server.enqueue(new MockResponse().setBody(PUSH_OK));
    PushRequest request = batch(20, 200);

    PushResponse response = transport.push(request);

    assertTrue(response.success());
    assertEquals("c-7", response.cursor());
    assertEquals(Integer.valueOf(1), response.synced().get("message"));
    RecordedRequest recorded = server.takeRequest();
    assertEquals("POST", recorded.getMethod());
    assertEquals("/sync/batch", recorded.getPath());
    assertEquals("Bearer tok-1", recorded.getHeader("Authorization"));
    assertEquals("team-1", recorded.getHeader("X-Team-ID"));
    assertEquals("laptop-1", recorded.getHeader("X-Device-ID"));
    // The default (AUTO) with zstd-jni on the classpath offers zstd for the answer.
    assertEquals("zstd-agent-1, zstd, gzip", recorded.getHeader("Accept-Encoding"));
    assertEquals(OkHttpTransport.USER_AGENT, recorded.getHeader("User-Agent"));
    assertTrue(recorded.getHeader("User-Agent").matches("tandem/\\d+\\.\\d+\\.\\d+.*"),
        recorded.getHeader("User-Agent"));
    assertTrue(recorded.getHeader("Content-Type").startsWith("application/json"));
    assertEquals("gzip", recorded.getHeader("Content-Encoding"));
    byte[] sent = recorded.getBody().readByteArray();
    byte[] json = gunzip(sent);
    assertArrayEquals(ProtocolCodec.writePushRequest(request), json);
    assertTrue(sent.length < json.length, "gzip made it smaller");
    PushRequest decoded = ProtocolCodec.readPushRequest(json);
    assertEquals(request.changes(), decoded.changes());
    assertEquals("b-1", decoded.batchId());
  }

  @Test
  void push_belowThreshold_sendsPlainJson() throws Exception {
    server.enqueue(new MockResponse().setBody(PUSH_OK));
    PushRequest request = batch(1, 10);

    transport.push(request);

    RecordedRequest recorded = server.takeRequest();
    assertNull(recorded.getHeader("Content-Encoding"));
    assertArrayEquals(ProtocolCodec.writePushRequest(request), recorded.getBody().readByteArray());
  }

  @Test
  void push_withCompressionNone_sendsPlainJsonEvenWhenLarge() throws Exception {
    try (OkHttpTransport plain = newTransport(server.url("/").uri())
        .compression(Compression.NONE).build()) {
      server.enqueue(new MockResponse().setBody(PUSH_OK));
      PushRequest request = batch(50, 500);

      plain.push(request);

      RecordedRequest recorded = server.takeRequest();
      assertNull(recorded.getHeader("Content-Encoding"));
      assertArrayEquals(ProtocolCodec.writePushRequest(request),
          recorded.getBody().readByteArray());
    }
  }

  @Test
  void push_withZeroThreshold_gzipsEvenTinyBodies() throws Exception {
    try (OkHttpTransport eager = newTransport(server.url("/").uri()).minCompressBytes(0).build()) {
      server.enqueue(new MockResponse().setBody(PUSH_OK));
      PushRequest request = batch(1, 1);

      eager.push(request);

      RecordedRequest recorded = server.takeRequest();
      assertEquals("gzip", recorded.getHeader("Content-Encoding"));
      assertArrayEquals(ProtocolCodec.writePushRequest(request),
          gunzip(recorded.getBody().readByteArray()));
    }
  }

  @Test
  void push_readsConflictsAndEntryErrors() {
    Map<String, Integer> synced = new LinkedHashMap<>();
    synced.put("conversation", 1);
    synced.put("message", 98);
    byte[] body = ProtocolCodec.writePushResponse(new PushResponse(true, synced,
        Collections.singletonList(new PushResponse.Conflict("conversation", "c-1", "remote_wins",
            "0192f3a4b5c6-0001-desk-2")),
        Collections.singletonList(new PushResponse.EntryError("message", "bad id!", "invalid_id",
            "bad")),
        "c-9"));
    server.enqueue(new MockResponse().setBody(new Buffer().write(body)));

    PushResponse response = transport.push(batch(1, 1));

    assertEquals(synced, response.synced());
    assertEquals("remote_wins", response.conflicts().get(0).resolution());
    assertEquals("invalid_id", response.errors().get(0).code());
    assertEquals("c-9", response.cursor());
  }

  @Test
  void pull_sendsCursorAndLimit_andReadsThePage() throws Exception {
    Change change = new Change("message", "m-1", Change.UPSERT, "0192f3a4b5c6-0001-desk-2", null,
        "{\"text\":\"hi\",\"n\":1.50}", 42, "desk-2");
    byte[] body = ProtocolCodec.writePullResponse(
        new PullResponse(Collections.singletonList(change), "cur 43/x", true, 1732240000000L));
    server.enqueue(new MockResponse().setBody(new Buffer().write(body)));

    PullResponse page = transport.pull("cur 41/+&=", 500);

    assertEquals(Collections.singletonList(change), page.changes());
    assertEquals("{\"text\":\"hi\",\"n\":1.50}", page.changes().get(0).data());
    assertEquals("cur 43/x", page.cursor());
    assertTrue(page.hasMore());
    assertEquals(1732240000000L, page.serverTimestamp());
    RecordedRequest recorded = server.takeRequest();
    assertEquals("GET", recorded.getMethod());
    assertEquals("/sync/pull", recorded.getRequestUrl().encodedPath());
    assertEquals("cur 41/+&=", recorded.getRequestUrl().queryParameter("since"));
    assertEquals("500", recorded.getRequestUrl().queryParameter("limit"));
    assertEquals("Bearer tok-1", recorded.getHeader("Authorization"));
    assertEquals("team-1", recorded.getHeader("X-Team-ID"));
    assertEquals("laptop-1", recorded.getHeader("X-Device-ID"));
  }

  @Test
  void pull_withoutCursor_omitsSince() throws Exception {
    server.enqueue(new MockResponse().setBody(
        "{\"changes\":[],\"cursor\":\"c-0\",\"hasMore\":false,\"serverTimestamp\":1}"));

    PullResponse page = transport.pull(null, 10);

    assertTrue(page.changes().isEmpty());
    RecordedRequest recorded = server.takeRequest();
    assertNull(recorded.getRequestUrl().queryParameter("since"));
    assertEquals("10", recorded.getRequestUrl().queryParameter("limit"));
  }

  @Test
  void pull_gzippedResponse_isInflatedTransparently() throws Exception {
    byte[] json = ProtocolCodec.writePullResponse(new PullResponse(
        batch(30, 100).changes(), "c-30", false, 5));
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
      gz.write(json);
    }
    server.enqueue(new MockResponse().setHeader("Content-Encoding", "gzip")
        .setBody(new Buffer().write(zipped.toByteArray())));

    PullResponse page = transport.pull("c-0", 100);

    assertEquals(30, page.changes().size());
    assertEquals("c-30", page.cursor());
  }

  @Test
  void pull_rejectsNonPositiveLimit() {
    assertThrows(IllegalArgumentException.class, () -> transport.pull(null, 0));
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void health_ok_sendsNoToken() throws Exception {
    server.enqueue(new MockResponse().setBody(
        "{\"status\":\"ok\",\"version\":\"0.1.0\",\"protocol\":1,\"extra\":{\"a\":[1]}}"));

    transport.health();

    RecordedRequest recorded = server.takeRequest();
    assertEquals("GET", recorded.getMethod());
    assertEquals("/health", recorded.getPath());
    assertNull(recorded.getHeader("Authorization"));
  }

  @Test
  void health_notOk_isServerError() {
    server.enqueue(new MockResponse().setBody("{\"status\":\"degraded\",\"protocol\":1}"));

    TransportException e = assertThrows(TransportException.class, transport::health);

    assertEquals(Reason.SERVER_ERROR, e.reason());
    assertTrue(e.isRetryable());
  }

  @Test
  void health_otherProtocolVersion_isProtocolError() {
    server.enqueue(new MockResponse().setBody("{\"status\":\"ok\",\"protocol\":2}"));

    TransportException e = assertThrows(TransportException.class, transport::health);

    assertEquals(Reason.PROTOCOL, e.reason());
    assertTrue(e.getMessage().contains("protocol 2"), e.getMessage());
  }

  @Test
  void health_htmlPage_isProtocolError() {
    server.enqueue(new MockResponse().setBody("<html>captive portal</html>"));

    TransportException e = assertThrows(TransportException.class, transport::health);

    assertEquals(Reason.PROTOCOL, e.reason());
    assertFalse(e.isRetryable());
  }

  // ---- base URLs ----

  @Test
  void baseUrlWithPathPrefix_prefixesEveryCall() throws Exception {
    for (String base : new String[] {"/tandem/v1", "/tandem/v1/"}) {
      try (OkHttpTransport prefixed = newTransport(server.url(base).uri()).build()) {
        server.enqueue(new MockResponse().setBody(PUSH_OK));
        server.enqueue(new MockResponse().setBody(
            "{\"changes\":[],\"cursor\":\"c\",\"hasMore\":false,\"serverTimestamp\":1}"));
        server.enqueue(new MockResponse().setBody("{\"status\":\"ok\"}"));

        prefixed.push(batch(1, 1));
        prefixed.pull("c", 5);
        prefixed.health();

        assertEquals("/tandem/v1/sync/batch", server.takeRequest().getPath());
        assertEquals("/tandem/v1/sync/pull", server.takeRequest().getRequestUrl().encodedPath());
        assertEquals("/tandem/v1/health", server.takeRequest().getPath());
      }
    }
  }

  // ---- status codes ----

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "400, BAD_REQUEST, false, invalid_id",
      "401, UNAUTHORIZED, false, unauthorized",
      "403, FORBIDDEN, false, forbidden",
      "404, BAD_REQUEST, false, not_found",
      "413, PAYLOAD_TOO_LARGE, false, too_large",
      "415, BAD_REQUEST, false, unsupported_encoding",
      "429, RATE_LIMITED, true, rate_limited",
      "500, SERVER_ERROR, true, internal",
      "502, SERVER_ERROR, true, bad_gateway",
      "503, SERVER_ERROR, true, unavailable",
  })
  void push_errorStatus_mapsToReasonAndKeepsErrorCode(int status, Reason reason,
      boolean retryable, String code) {
    server.enqueue(new MockResponse().setResponseCode(status)
        .setBody(errorJson(code, "the server says no")));

    TransportException e = assertThrows(TransportException.class,
        () -> transport.push(batch(1, 1)));

    assertEquals(reason, e.reason());
    assertEquals(retryable, e.isRetryable());
    assertEquals(status, e.httpStatus());
    assertEquals(code, e.errorCode());
    assertTrue(e.getMessage().contains("the server says no"), e.getMessage());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"400, BAD_REQUEST", "401, UNAUTHORIZED", "503, SERVER_ERROR", "429, RATE_LIMITED"})
  void pull_errorStatus_mapsToReason(int status, Reason reason) {
    server.enqueue(new MockResponse().setResponseCode(status).setBody(errorJson("x", "no")));

    TransportException e = assertThrows(TransportException.class, () -> transport.pull("c", 1));

    assertEquals(reason, e.reason());
    assertEquals("x", e.errorCode());
  }

  @Test
  void errorStatus_withNonJsonBody_stillMapsByStatus() {
    server.enqueue(new MockResponse().setResponseCode(502).setBody("<html>Bad Gateway</html>"));

    TransportException e = assertThrows(TransportException.class,
        () -> transport.push(batch(1, 1)));

    assertEquals(Reason.SERVER_ERROR, e.reason());
    assertEquals(502, e.httpStatus());
    assertNull(e.errorCode());
  }

  @Test
  void rateLimited_exposesRetryAfterSeconds() {
    server.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "7")
        .setBody(errorJson("rate_limited", "slow down")));

    TransportException e = assertThrows(TransportException.class,
        () -> transport.push(batch(1, 1)));

    RateLimitedException limited = assertInstanceOf(RateLimitedException.class, e);
    assertEquals(7000, limited.retryAfterMillis());
    assertEquals(Reason.RATE_LIMITED, limited.reason());
    assertTrue(limited.isRetryable());
    assertEquals("rate_limited", limited.errorCode());
  }

  /** PROTOCOL "Status codes": 503 overloaded with Retry-After is backed off from as 429 is. */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"429, rate_limited", "503, overloaded"})
  void overloadedAndRateLimited_giveTheSameBackoff_onPushAndPull(int status, String code) {
    for (int i = 0; i < 2; i++) {
      server.enqueue(new MockResponse().setResponseCode(status).setHeader("Retry-After", "7")
          .setBody(errorJson(code, "come back later")));
    }

    RateLimitedException push = assertThrows(RateLimitedException.class,
        () -> transport.push(batch(1, 1)));
    RateLimitedException pull = assertThrows(RateLimitedException.class,
        () -> transport.pull("c", 1));

    for (RateLimitedException e : List.of(push, pull)) {
      assertEquals(Reason.RATE_LIMITED, e.reason());
      assertTrue(e.isRetryable());
      assertEquals(7000, e.retryAfterMillis());
      assertEquals(status, e.httpStatus());
      assertEquals(code, e.errorCode());
    }
  }

  @Test
  void overloadedWithoutRetryAfter_isStillRateLimited() {
    server.enqueue(new MockResponse().setResponseCode(503)
        .setBody(errorJson("overloaded", "busy")));

    RateLimitedException e = assertThrows(RateLimitedException.class,
        () -> transport.pull(null, 1));

    assertEquals(-1, e.retryAfterMillis());
    assertEquals(503, e.httpStatus());
  }

  @Test
  void rateLimited_withoutRetryAfter_reportsMinusOne() {
    server.enqueue(new MockResponse().setResponseCode(429));

    RateLimitedException e = assertThrows(RateLimitedException.class,
        () -> transport.pull(null, 1));

    assertEquals(-1, e.retryAfterMillis());
    assertNull(e.errorCode());
  }

  // ---- broken servers ----

  @Test
  void garbage200Body_isProtocolError_notRetryable() {
    server.enqueue(new MockResponse().setBody("{\"success\": tru"));
    server.enqueue(new MockResponse().setBody("[1,2,3]"));
    server.enqueue(new MockResponse().setBody(""));

    for (int i = 0; i < 3; i++) {
      TransportException e = assertThrows(TransportException.class,
          () -> transport.push(batch(1, 1)));
      assertEquals(Reason.PROTOCOL, e.reason());
      assertFalse(e.isRetryable());
      assertEquals(200, e.httpStatus());
    }
  }

  @Test
  void garbagePullBody_isProtocolError() {
    server.enqueue(new MockResponse().setBody("{\"changes\": {\"not\": \"an array\"}}"));

    TransportException e = assertThrows(TransportException.class, () -> transport.pull("c", 1));

    assertEquals(Reason.PROTOCOL, e.reason());
  }

  @Test
  void pullWithoutCursor_isProtocolError() {
    server.enqueue(new MockResponse().setBody("{\"changes\":[],\"hasMore\":false}"));

    TransportException e = assertThrows(TransportException.class, () -> transport.pull("c", 1));

    assertEquals(Reason.PROTOCOL, e.reason());
    assertTrue(e.getMessage().contains("no cursor"), e.getMessage());
  }

  @Test
  void redirect_isNotFollowed_andNamesTheTarget() {
    server.enqueue(new MockResponse().setResponseCode(301)
        .setHeader("Location", "https://sync.example.com/sync/batch"));

    TransportException e = assertThrows(TransportException.class,
        () -> transport.push(batch(1, 1)));

    assertEquals(Reason.PROTOCOL, e.reason());
    assertEquals(301, e.httpStatus());
    assertTrue(e.getMessage().contains("https://sync.example.com/sync/batch"), e.getMessage());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void slowServer_timesOut_asNetwork() {
    try (OkHttpTransport impatient = newTransport(server.url("/").uri())
        .readTimeout(300, TimeUnit.MILLISECONDS).build()) {
      server.enqueue(new MockResponse().setBody(PUSH_OK).setHeadersDelay(3, TimeUnit.SECONDS));

      TransportException e = assertThrows(TransportException.class,
          () -> impatient.push(batch(1, 1)));

      assertEquals(Reason.NETWORK, e.reason());
      assertTrue(e.isRetryable());
      assertEquals(0, e.httpStatus());
      assertTrue(e.getMessage().contains("timed out"), e.getMessage());
    }
  }

  @Test
  void callTimeout_boundsAWholeSlowBody_asNetwork() {
    try (OkHttpTransport impatient = newTransport(server.url("/").uri())
        .callTimeout(Duration.ofMillis(500)).build()) {
      // Trickles one byte per 100 ms: never silent long enough for the read timeout.
      server.enqueue(new MockResponse().setBody(PUSH_OK)
          .throttleBody(1, 100, TimeUnit.MILLISECONDS));

      TransportException e = assertThrows(TransportException.class,
          () -> impatient.pull(null, 1));

      assertEquals(Reason.NETWORK, e.reason());
    }
  }

  @Test
  void droppedConnection_afterRequest_isNetwork() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));

    TransportException e = assertThrows(TransportException.class,
        () -> transport.push(batch(1, 1)));

    assertEquals(Reason.NETWORK, e.reason());
    assertTrue(e.isRetryable());
    assertInstanceOf(IOException.class, e.getCause());
  }

  @Test
  void droppedConnection_atStart_isNetwork() {
    // OkHttp retries a connection that dies before the request once; both attempts fail here.
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));

    TransportException e = assertThrows(TransportException.class, () -> transport.pull("c", 1));

    assertEquals(Reason.NETWORK, e.reason());
  }

  @Test
  void droppedConnection_midBody_isNetwork() {
    server.enqueue(new MockResponse().setBody(PUSH_OK)
        .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));

    TransportException e = assertThrows(TransportException.class,
        () -> transport.push(batch(1, 1)));

    assertEquals(Reason.NETWORK, e.reason());
  }

  @Test
  void noServer_isNetwork() throws IOException {
    URI base = server.url("/").uri();
    server.shutdown();
    try (OkHttpTransport orphan = newTransport(base).build()) {
      TransportException e = assertThrows(TransportException.class, orphan::health);

      assertEquals(Reason.NETWORK, e.reason());
    }
  }

  @Test
  void concurrentPushes_throughOneTransport_allSucceed() throws Exception {
    server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse().setBody(PUSH_OK);
      }
    });
    int threads = 4;
    int perThread = 25;
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          try {
            assertEquals("c-7", transport.push(batch(5, 300)).cursor());
          } catch (Throwable e) {
            failures.add(e);
          }
        }
      });
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join(30_000);
    }

    assertTrue(failures.isEmpty(), failures.toString());
    assertEquals(threads * perThread, server.getRequestCount());
  }

  // ---- lifecycle ----

  @Test
  void close_isIdempotent_andLaterCallsFailFast() {
    transport.close();
    transport.close();

    assertThrows(ClosedException.class, () -> transport.push(batch(1, 1)));
    assertThrows(ClosedException.class, () -> transport.pull(null, 1));
    assertThrows(ClosedException.class, transport::health);
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void close_cancelsACallInFlight_asNetwork() throws Exception {
    server.enqueue(new MockResponse().setBody(PUSH_OK).setHeadersDelay(4, TimeUnit.SECONDS));
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    Thread caller = new Thread(() -> {
      try {
        transport.push(batch(1, 1));
      } catch (Throwable t) {
        failures.add(t);
      }
    });
    caller.start();
    assertTrue(server.takeRequest(5, TimeUnit.SECONDS) != null, "request arrived");

    transport.close();
    caller.join(5000);

    assertFalse(caller.isAlive());
    assertEquals(1, failures.size());
    TransportException e = assertInstanceOf(TransportException.class, failures.get(0));
    assertEquals(Reason.NETWORK, e.reason());
  }

  @Test
  void hostClient_isShared_andLeftUsableAfterClose() throws Exception {
    OkHttpClient host = new OkHttpClient();
    try {
      OkHttpTransport shared = newTransport(server.url("/").uri()).client(host).build();
      assertTrue(shared.client().connectionPool() == host.connectionPool(), "same pool");
      assertTrue(shared.client().dispatcher() == host.dispatcher(), "same dispatcher");
      assertEquals(5000, shared.client().readTimeoutMillis(), "builder timeout overrides");
      server.enqueue(new MockResponse().setBody("{\"status\":\"ok\"}"));
      shared.health();

      shared.close();

      assertFalse(host.dispatcher().executorService().isShutdown());
      server.enqueue(new MockResponse().setBody("ok"));
      try (okhttp3.Response r = host.newCall(
          new okhttp3.Request.Builder().url(server.url("/x")).build()).execute()) {
        assertEquals("ok", r.body().string());
      }
    } finally {
      host.dispatcher().executorService().shutdown();
      host.connectionPool().evictAll();
    }
  }

  @Test
  void hostClient_keepsItsOwnTimeouts_whenTheBuilderSetsNone() {
    OkHttpClient host = new OkHttpClient.Builder().readTimeout(7, TimeUnit.SECONDS).build();
    try (OkHttpTransport shared = OkHttpTransport.builder().baseUrl(server.url("/").uri())
        .token("t").teamId("team").deviceId("d").client(host).build()) {
      assertEquals(7000, shared.client().readTimeoutMillis());
    }
  }

  @Test
  void ownClient_opensSocketsWithTcpNoDelay() throws IOException {
    try (java.net.Socket socket = transport.client().socketFactory().createSocket()) {
      assertTrue(socket.getTcpNoDelay(), "Nagle off: no 40 ms stall on multi-write requests");
    }
  }

  @Test
  void hostClient_keepsItsSocketFactory_soConnectionsAreShared() {
    OkHttpClient host = new OkHttpClient();
    try (OkHttpTransport shared = newTransport(server.url("/").uri()).client(host).build()) {
      assertTrue(shared.client().socketFactory() == host.socketFactory());
    }
  }

  @Test
  void toString_neverShowsTheToken() {
    assertFalse(transport.toString().contains("tok-1"), transport.toString());
  }
}
