package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.ClosedException;
import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.spi.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LiveChannelTest {
  /** Long enough for any event on a loaded 2-core machine; only ever waited on, never asserted. */
  private static final long WAIT_SECONDS = 30;
  /** How long to watch for an event that must not come. */
  private static final long QUIET_MILLIS = 300;

  private MockWebServer server;
  private OkHttpTransport transport;
  private ServerSide serverSide;
  private Recorder events;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
    transport = OkHttpTransportTest.newTransport(server.url("/").uri()).build();
    serverSide = new ServerSide();
    events = new Recorder();
  }

  @AfterEach
  void stop() throws IOException {
    transport.close();
    server.shutdown();
  }

  /** The server's end of the socket: records what the client sends, can send frames back. */
  static final class ServerSide extends WebSocketListener {
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final CountDownLatch opened = new CountDownLatch(1);
    final CountDownLatch closing = new CountDownLatch(1);
    volatile WebSocket socket;
    volatile boolean answerPings = true;

    @Override
    public void onOpen(WebSocket ws, Response response) {
      socket = ws;
      opened.countDown();
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
      received.add(text);
      if (answerPings && text.equals("{\"type\":\"ping\"}")) {
        ws.send("{\"type\":\"pong\"}");
      }
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
      received.add("close:" + code);
      ws.close(1000, null);
      closing.countDown();
    }

    WebSocket awaitOpen() throws InterruptedException {
      assertTrue(opened.await(WAIT_SECONDS, TimeUnit.SECONDS), "server side opened");
      return socket;
    }

    String next() throws InterruptedException {
      String s = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertNotNull(s, "a frame from the client");
      return s;
    }

    /**
     * The next ping. The client's hello is sent on open but may arrive after a test cleared
     * what it had received, so it is passed over here.
     */
    String nextPing() throws InterruptedException {
      String s = next();
      while (s.startsWith("{\"type\":\"hello\"")) {
        s = next();
      }
      assertEquals("{\"type\":\"ping\"}", s);
      return s;
    }
  }

  /** The engine's end: records every listener call in order. */
  static final class Recorder implements Transport.LiveListener {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final List<Throwable> causes = new CopyOnWriteArrayList<>();

    @Override
    public void onOpen() {
      events.add("open");
    }

    @Override
    public void onChanges(String cursor) {
      events.add("changes:" + cursor);
    }

    @Override
    public void onClosed(Throwable cause) {
      causes.add(cause);
      events.add("closed");
    }

    String next() throws InterruptedException {
      String s = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertNotNull(s, "a listener event");
      return s;
    }

    void assertQuiet() throws InterruptedException {
      assertNull(events.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS), "no further event");
    }
  }

  private Transport.LiveConnection open(String cursor) {
    server.enqueue(new MockResponse().withWebSocketUpgrade(serverSide));
    return transport.openLive(cursor, events);
  }

  @Test
  void openLive_sendsAuthHeaders_andHelloWithCursor() throws Exception {
    Transport.LiveConnection live = open("cur-41");

    assertEquals("open", events.next());
    assertEquals("{\"type\":\"hello\",\"cursor\":\"cur-41\"}", serverSide.next());
    RecordedRequest upgrade = server.takeRequest();
    assertEquals("/sync/live", upgrade.getPath());
    assertEquals("Bearer tok-1", upgrade.getHeader("Authorization"));
    assertEquals("team-1", upgrade.getHeader("X-Team-ID"));
    assertEquals("laptop-1", upgrade.getHeader("X-Device-ID"));
    assertEquals(OkHttpTransport.USER_AGENT, upgrade.getHeader("User-Agent"));
    live.close();
  }

  @Test
  void openLive_withoutCursor_saysHelloFromTheBeginning() throws Exception {
    open(null);

    assertEquals("{\"type\":\"hello\",\"cursor\":\"\"}", serverSide.next());
  }

  @Test
  void openLive_withPathPrefix_upgradesUnderThePrefix() throws Exception {
    try (OkHttpTransport prefixed = OkHttpTransportTest.newTransport(
        server.url("/tandem/").uri()).build()) {
      server.enqueue(new MockResponse().withWebSocketUpgrade(serverSide));
      prefixed.openLive("c", events);

      assertEquals("open", events.next());
      assertEquals("/tandem/sync/live", server.takeRequest().getPath());
    }
  }

  @Test
  void changesFrames_callOnChanges_inOrder() throws Exception {
    open("c-1");
    WebSocket ws = serverSide.awaitOpen();
    assertEquals("open", events.next());

    ws.send("{\"type\":\"changes\",\"cursor\":\"c-2\"}");
    ws.send("{\"cursor\":\"c-3\",\"type\":\"changes\",\"future\":{\"x\":[1,2]}}");

    assertEquals("changes:c-2", events.next());
    assertEquals("changes:c-3", events.next());
  }

  @Test
  void unreadableAndUnknownFrames_areSkipped_andTheChannelStaysUp() throws Exception {
    open("c-1");
    WebSocket ws = serverSide.awaitOpen();
    assertEquals("open", events.next());

    ws.send("not json at all");
    ws.send("[\"changes\"]");
    ws.send("{\"type\":\"announcement\",\"text\":\"hi\"}");
    ws.send("{\"type\":\"changes\"");
    ws.send(okio.ByteString.encodeUtf8("{\"type\":\"changes\",\"cursor\":\"binary\"}"));
    ws.send("{\"type\":\"changes\",\"cursor\":\"c-9\"}");

    assertEquals("changes:c-9", events.next());
    events.assertQuiet();
  }

  @Test
  void serverPing_isAnsweredWithPong() throws Exception {
    open("c-1");
    WebSocket ws = serverSide.awaitOpen();
    assertTrue(serverSide.next().contains("hello"));

    ws.send("{\"type\":\"ping\"}");

    assertEquals("{\"type\":\"pong\"}", serverSide.next());
  }

  @Test
  void client_pingsEveryInterval_whileTheServerAnswers() throws Exception {
    // The silence clock stands still: however slowly this machine runs, the server never looks
    // silent, so only the ping schedule itself is under test.
    AtomicLong nanos = new AtomicLong();
    try (OkHttpTransport pinging = OkHttpTransportTest.newTransport(server.url("/").uri())
        .livePingInterval(50, TimeUnit.MILLISECONDS).liveNanoTime(nanos::get).build()) {
      server.enqueue(new MockResponse().withWebSocketUpgrade(serverSide));
      pinging.openLive("c-1", events);

      assertTrue(serverSide.next().contains("hello"));
      for (int i = 0; i < 5; i++) {
        assertEquals("{\"type\":\"ping\"}", serverSide.next());
      }
      assertEquals("open", events.next());
      assertFalse(events.events.contains("closed"));
    }
  }

  @Test
  void serverSilence_isTimedFromTheLastFrameHeard_notFromTheOpen() throws Exception {
    serverSide.answerPings = false;
    AtomicLong nanos = new AtomicLong();
    long interval = TimeUnit.MILLISECONDS.toNanos(50);
    try (OkHttpTransport pinging = OkHttpTransportTest.newTransport(server.url("/").uri())
        .livePingInterval(50, TimeUnit.MILLISECONDS).liveNanoTime(nanos::get).build()) {
      server.enqueue(new MockResponse().withWebSocketUpgrade(serverSide));
      pinging.openLive("c-1", events);
      WebSocket ws = serverSide.awaitOpen();
      assertEquals("open", events.next());

      nanos.addAndGet(interval * 3 / 2);
      ws.send("{\"type\":\"pong\"}");
      // Frames are handled in order: once this one is seen, the pong was heard at 1.5 intervals.
      ws.send("{\"type\":\"changes\",\"cursor\":\"marker\"}");
      assertEquals("changes:marker", events.next());
      // Three intervals after the open, but only 1.5 after the pong: still alive.
      nanos.addAndGet(interval * 3 / 2);
      serverSide.received.clear();
      // Of two pings, at least the second comes from a run that saw the advanced clock.
      serverSide.nextPing();
      serverSide.nextPing();
      assertFalse(events.events.contains("closed"));

      nanos.addAndGet(interval * 2 + TimeUnit.MILLISECONDS.toNanos(1));
      assertEquals("closed", events.next());
      assertTrue(events.causes.get(0).getMessage().contains("silent"),
          events.causes.get(0).getMessage());
    }
  }

  @Test
  void silentServer_isGivenUp_withOneNetworkClose() throws Exception {
    serverSide.answerPings = false;
    AtomicLong nanos = new AtomicLong();
    try (OkHttpTransport pinging = OkHttpTransportTest.newTransport(server.url("/").uri())
        .livePingInterval(Duration.ofMillis(50)).liveNanoTime(nanos::get).build()) {
      server.enqueue(new MockResponse().withWebSocketUpgrade(serverSide));
      pinging.openLive("c-1", events);

      assertEquals("open", events.next());
      // Exactly two intervals of silence are still tolerated; a millisecond more is not.
      nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
      serverSide.received.clear();
      serverSide.nextPing();
      serverSide.nextPing();
      assertFalse(events.events.contains("closed"));
      nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
      assertEquals("closed", events.next());
      TransportException cause = assertInstanceOf(TransportException.class, events.causes.get(0));
      assertEquals(Reason.NETWORK, cause.reason());
      assertTrue(cause.getMessage().contains("silent"), cause.getMessage());
      events.assertQuiet();
    }
  }

  @Test
  void serverClose_callsOnClosedExactlyOnce() throws Exception {
    open("c-1");
    WebSocket ws = serverSide.awaitOpen();
    assertEquals("open", events.next());

    ws.close(1001, "going away");

    assertEquals("closed", events.next());
    TransportException cause = assertInstanceOf(TransportException.class, events.causes.get(0));
    assertEquals(Reason.NETWORK, cause.reason());
    assertTrue(cause.getMessage().contains("1001"), cause.getMessage());
    events.assertQuiet();
    assertEquals(1, events.causes.size());
  }

  @Test
  void droppedConnection_callsOnClosedOnce_withNetwork() throws Exception {
    open("c-1");
    serverSide.awaitOpen();
    assertEquals("open", events.next());

    // Shutting the server down drops its sockets without a close frame.
    server.shutdown();

    assertEquals("closed", events.next());
    assertEquals(Reason.NETWORK,
        assertInstanceOf(TransportException.class, events.causes.get(0)).reason());
    events.assertQuiet();
  }

  @Test
  void connectionDroppedBeforeUpgrade_callsOnClosedOnce_withoutOnOpen() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    }
    transport.openLive("c-1", events);

    assertEquals("closed", events.next());
    assertEquals(Reason.NETWORK,
        assertInstanceOf(TransportException.class, events.causes.get(0)).reason());
    events.assertQuiet();
  }

  @Test
  void slowUpgrade_timesOut_withOneNetworkClose() throws Exception {
    try (OkHttpTransport impatient = OkHttpTransportTest.newTransport(server.url("/").uri())
        .readTimeout(200, TimeUnit.MILLISECONDS).build()) {
      server.enqueue(new MockResponse().withWebSocketUpgrade(serverSide)
          .setHeadersDelay(1, TimeUnit.SECONDS));
      impatient.openLive("c-1", events);

      assertEquals("closed", events.next());
      assertEquals(Reason.NETWORK,
          assertInstanceOf(TransportException.class, events.causes.get(0)).reason());
      events.assertQuiet();
    }
  }

  @Test
  void refusedUpgrade_reportsTheStatusReason() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(401)
        .setBody(OkHttpTransportTest.errorJson("unauthorized", "unknown token")));
    transport.openLive("c-1", events);

    assertEquals("closed", events.next());
    TransportException cause = assertInstanceOf(TransportException.class, events.causes.get(0));
    assertEquals(Reason.UNAUTHORIZED, cause.reason());
    assertEquals(401, cause.httpStatus());
    assertEquals("unauthorized", cause.errorCode());
    assertFalse(cause.isRetryable());
  }

  @Test
  void close_sendsACloseFrame_andSilencesTheListener() throws Exception {
    Transport.LiveConnection live = open("c-1");
    WebSocket ws = serverSide.awaitOpen();
    assertEquals("open", events.next());
    assertTrue(serverSide.next().contains("hello"));

    live.close();
    live.close();
    ws.send("{\"type\":\"changes\",\"cursor\":\"late\"}");

    assertEquals("close:1000", serverSide.next());
    events.assertQuiet();
  }

  @Test
  void transportClose_closesLiveChannels_andRefusesNewOnes() throws Exception {
    open("c-1");
    serverSide.awaitOpen();
    assertEquals("open", events.next());

    transport.close();

    assertTrue(serverSide.closing.await(WAIT_SECONDS, TimeUnit.SECONDS), "server saw the close");
    assertThrows(ClosedException.class, () -> transport.openLive("c", events));
    events.assertQuiet();
  }

  @Test
  void throwingListener_doesNotBreakTheChannel() throws Exception {
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    server.enqueue(new MockResponse().withWebSocketUpgrade(serverSide));
    transport.openLive("c-1", new Transport.LiveListener() {
      @Override
      public void onChanges(String cursor) {
        seen.add(cursor);
        throw new IllegalStateException("engine bug");
      }

      @Override
      public void onClosed(Throwable cause) {
        seen.add("closed");
      }
    });
    WebSocket ws = serverSide.awaitOpen();

    ws.send("{\"type\":\"changes\",\"cursor\":\"c-2\"}");
    ws.send("{\"type\":\"changes\",\"cursor\":\"c-3\"}");

    assertEquals("c-2", seen.poll(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals("c-3", seen.poll(WAIT_SECONDS, TimeUnit.SECONDS));
  }
}
