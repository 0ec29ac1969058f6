package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tandem.sync.server.ServerTestSupport.Device;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveSyncTest {
  private static final HttpClient WS_CLIENT = HttpClient.newHttpClient();
  /** Bound for waiting on the server's own threads; generous for a busy machine. */
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path dir;
  TandemServer server;
  Device laptop;
  Device desk;
  Device stranger;

  @BeforeEach
  void start() {
    server = TandemServer.builder().port(0).dataDir(dir).build().start();
    laptop = Device.create(server, "team-1", "laptop-1");
    desk = Device.create(server, "team-1", "desk-2");
    stranger = Device.create(server, "team-2", "phone-9");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A client connection that records every frame and the close it gets. */
  static final class Client implements WebSocket.Listener {
    final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        // Presence frames (another device of the team came or went) are CommandRelayTest's.
        if (!partial.toString().startsWith("{\"type\":\"presence\"")) {
          frames.add(partial.toString());
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete("error " + error);
    }

    void send(String text) {
      ws.sendText(text, true).join();
    }

    String next() throws InterruptedException {
      String f = frames.poll(10, TimeUnit.SECONDS);
      assertNotNull(f, "no frame within 10 s");
      return f;
    }

    /** Sends a ping and returns every frame before the pong: what the server had queued. */
    List<String> drainUntilPong() throws InterruptedException {
      send("{\"type\":\"ping\"}");
      List<String> before = new ArrayList<>();
      for (String f = next(); !f.equals("{\"type\":\"pong\"}"); f = next()) {
        before.add(f);
      }
      return before;
    }

    String closeReason() throws Exception {
      return closed.get(10, TimeUnit.SECONDS);
    }
  }

  private CompletableFuture<Client> connectAsync(Device d, HttpClient http) {
    Client c = new Client();
    return http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + d.token())
        .header("X-Team-ID", d.team())
        .header("X-Device-ID", d.device())
        .connectTimeout(Duration.ofSeconds(10))
        .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/sync/live"), c)
        .thenApply(ws -> {
          c.ws = ws;
          return c;
        });
  }

  private Client connect(Device d) throws Exception {
    return connectAsync(d, WS_CLIENT).get(10, TimeUnit.SECONDS);
  }

  private void pushOne(Device d, String batchId, int n) {
    assertEquals(200, d.push(batch(batchId, d.device(),
        upsert("message", "m-" + batchId, hlc(1000 + n, 0, d.device()), null, "{}")))
        .statusCode());
  }

  @Test
  void upgrade_withoutValidToken_isRefused() {
    Device bad = new Device(server, "team-1", "laptop-1", "nope");
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> connect(bad));
    assertTrue(e.getCause() instanceof WebSocketHandshakeException, e.toString());
    assertEquals(401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
    Device spoof = new Device(server, "team-2", "laptop-1", laptop.token());
    e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> connect(spoof));
    assertEquals(403, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
  }

  @Test
  void hello_fromDeviceThatIsBehind_getsChangesAtOnce() throws Exception {
    pushOne(laptop, "b1", 1);
    pushOne(laptop, "b2", 2);
    Client c = connect(desk);
    c.send("{\"type\":\"hello\",\"cursor\":\"1\"}");
    assertEquals("{\"type\":\"changes\",\"cursor\":\"2\"}", c.next());
  }

  @Test
  void hello_fromDeviceThatIsUpToDate_getsNothing() throws Exception {
    pushOne(laptop, "b1", 1);
    Client c = connect(desk);
    c.send("{\"type\":\"hello\",\"cursor\":\"1\"}");
    assertEquals(List.of(), c.drainUntilPong());
  }

  @Test
  void push_notifiesEveryConnectionOfTheTeamAndNoOther() throws Exception {
    Client mine = connect(desk);
    Client alsoMine = connect(laptop);
    Client theirs = connect(stranger);
    pushOne(laptop, "b1", 1);
    assertEquals("{\"type\":\"changes\",\"cursor\":\"1\"}", mine.next());
    assertEquals("{\"type\":\"changes\",\"cursor\":\"1\"}", alsoMine.next());
    assertEquals(List.of(), theirs.drainUntilPong());
  }

  @Test
  void manyPushes_areCoalescedAndEndAtTheLatestCursor() throws Exception {
    Client c = connect(desk);
    for (int i = 1; i <= 30; i++) {
      pushOne(laptop, "b" + i, i);
    }
    long last = 0;
    int notices = 0;
    while (last < 30) {
      String f = c.next();
      assertTrue(f.startsWith("{\"type\":\"changes\",\"cursor\":\""), f);
      long cursor = Long.parseLong(f.replaceAll("\\D", ""));
      assertTrue(cursor > last, "cursors must only grow: " + f);
      last = cursor;
      notices++;
    }
    assertTrue(notices <= 30);
    assertEquals(List.of(), c.drainUntilPong());
  }

  @Test
  void pushWithNothingStored_notifiesNobody() throws Exception {
    pushOne(laptop, "b1", 1);
    Client c = connect(desk);
    // Same batch again: replayed answer, sequence unchanged, so no notice.
    pushOne(laptop, "b1", 1);
    assertEquals(List.of(), c.drainUntilPong());
  }

  @Test
  void badFrames_closeThatConnectionWithAReasonAndOthersKeepWorking() throws Exception {
    Client healthy = connect(desk);
    Client notJson = connect(laptop);
    notJson.send("hello?");
    assertEquals("1003 frame is not JSON", notJson.closeReason());

    Client unknown = connect(laptop);
    unknown.send("{\"type\":\"subscribe\"}");
    assertEquals("1008 unknown message type \"subscribe\"", unknown.closeReason());

    Client noType = connect(laptop);
    noType.send("[1,2,3]");
    assertTrue(noType.closeReason().startsWith("1003"));

    Client huge = connect(laptop);
    huge.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70 * 1024) + "\"}");
    assertTrue(huge.closeReason().startsWith("1009"), huge.closed.get());

    Client badCursor = connect(laptop);
    badCursor.send("{\"type\":\"hello\",\"cursor\":\"not-a-cursor\"}");
    assertTrue(badCursor.closeReason().startsWith("1008"));

    pushOne(laptop, "b1", 1);
    assertEquals("{\"type\":\"changes\",\"cursor\":\"1\"}", healthy.next());
    assertEquals(1, server.liveConnections());
  }

  @Test
  void close_saysGoingAwayToConnections() throws Exception {
    Client c = connect(desk);
    server.close();
    assertTrue(c.closeReason().startsWith("1001"), c.closed.get());
  }

  @Test
  void thousandConnections_teamNoticesReachOnlyThatTeam() throws Exception {
    // One client with its own selector thread; 1000 sockets are 2000 fds with both ends here.
    HttpClient http = HttpClient.newHttpClient();
    int total = 1000;
    int ofTeam2 = 100;
    List<CompletableFuture<Client>> pending = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      pending.add(connectAsync(i < ofTeam2 ? stranger : desk, http));
      if (pending.size() % 100 == 0) {
        CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).get(60,
            TimeUnit.SECONDS);
      }
    }
    List<Client> clients = new ArrayList<>();
    for (CompletableFuture<Client> f : pending) {
      clients.add(f.get(60, TimeUnit.SECONDS));
    }
    assertEquals(total, server.liveConnections());
    pushOne(laptop, "b1", 1);
    for (int i = ofTeam2; i < total; i++) {
      assertEquals("{\"type\":\"changes\",\"cursor\":\"1\"}", clients.get(i).next(),
          "connection " + i);
    }
    for (int i = 0; i < ofTeam2; i++) {
      assertEquals(List.of(), clients.get(i).drainUntilPong(), "team-2 connection " + i);
    }
    for (Client c : clients) {
      c.ws.abort();
    }
    await().atMost(PATIENCE).until(() -> server.liveConnections() == 0);
    assertEquals(0, server.liveConnections());
  }

  @Test
  void ping_isAnsweredWithPong() throws Exception {
    Client c = connect(desk);
    c.send("{\"type\":\"ping\"}");
    assertEquals("{\"type\":\"pong\"}", c.next());
    if (!c.frames.isEmpty()) {
      fail("unexpected frame " + c.frames.peek());
    }
  }
}
