package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.send;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL "Devices and presence" and "Remote commands" against a real server, raw HTTP + WS. */
class CommandRelayTest {
  static final HttpClient WS_CLIENT = HttpClient.newHttpClient();
  static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;
  final AtomicLong now = new AtomicLong(T0);
  TandemServer server;
  Device phone;
  Device desk;
  Device stranger;
  final List<Live> open = new ArrayList<>();

  @BeforeEach
  void start() {
    // The sweep runs only when a test asks (sweepCommands), on the test's clock.
    server = TandemServer.builder().port(0).dataDir(dir).clock(now::get)
        .commandSweepInterval(Duration.ofHours(1)).build().start();
    phone = Device.create(server, "team-1", "phone");
    desk = Device.create(server, "team-1", "desk");
    stranger = Device.create(server, "team-2", "stranger");
  }

  @AfterEach
  void stop() {
    for (Live l : open) {
      l.ws.abort();
    }
    server.close();
  }

  /** A live connection that answers pings (unless told not to) and keeps every other frame. */
  static final class Live implements WebSocket.Listener {
    final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    final StringBuilder partial = new StringBuilder();
    volatile boolean answerPings = true;
    WebSocket ws;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonNode f = Json.parse(partial.toString());
        partial.setLength(0);
        if ("ping".equals(f.path("type").asText())) {
          if (answerPings) {
            webSocket.sendText("{\"type\":\"pong\"}", true);
          }
        } else if (!"pong".equals(f.path("type").asText())) {
          frames.add(f);
        }
      }
      webSocket.request(1);
      return null;
    }

    /** Returns the next frame of {@code type}, skipping others; fails after 20 s. */
    JsonNode next(String type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < deadline) {
        JsonNode f = frames.poll(100, TimeUnit.MILLISECONDS);
        if (f != null && type.equals(f.path("type").asText())) {
          return f;
        }
      }
      throw new AssertionError("no " + type + " frame within 20 s");
    }

    void send(String text) {
      ws.sendText(text, true).join();
    }
  }

  Live connect(Device d) throws Exception {
    return connect(d, open);
  }

  /** Connects {@code d} live; the connection is added to {@code open} for closing. */
  static Live connect(Device d, List<Live> open) throws Exception {
    Live c = new Live();
    c.ws = WS_CLIENT.newWebSocketBuilder()
        .header("Authorization", "Bearer " + d.token())
        .header("X-Team-ID", d.team())
        .header("X-Device-ID", d.device())
        .buildAsync(URI.create("ws://127.0.0.1:" + d.server().port() + "/sync/live"), c)
        .get(10, TimeUnit.SECONDS);
    open.add(c);
    // The client's handshake can complete before the server registers the connection; a frame
    // sent to the device in between (a command_update to a source) would not reach it.
    await().atMost(Duration.ofSeconds(20)).until(() -> d.server().isLive(d.team(), d.device()));
    return c;
  }

  static HttpResponse<byte[]> call(Device d, String method, String path, String body) {
    List<String> h = new ArrayList<>(d.headers());
    h.add("Content-Type");
    h.add("application/json");
    return send(d.server(), method, path,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8), h.toArray(new String[0]));
  }

  static JsonNode ok(HttpResponse<byte[]> r, int status) {
    assertEquals(status, r.statusCode(), () -> text(r));
    return Json.parse(text(r));
  }

  static String command(String id, String target, String extra) {
    return "{\"commandId\":\"" + id + "\",\"target\":\"" + target
        + "\",\"type\":\"agent.prompt\",\"payload\":{\"prompt\":\"p-" + id + "\"}"
        + (extra == null ? "" : "," + extra) + "}";
  }

  JsonNode post(String id, String target, String extra) {
    return ok(call(phone, "POST", "/commands", command(id, target, extra)), 202);
  }

  String status(String id) {
    return ok(call(phone, "GET", "/commands/" + id, null), 200).path("status").asText();
  }

  @Test
  void online_delivery_ack_progressAndResult_reachTheSource() throws Exception {
    Live deskLive = connect(desk);
    Live phoneLive = connect(phone);
    assertEquals("queued", post("c-1", "desk", null).path("status").asText());
    JsonNode frame = deskLive.next("command").path("command");
    assertEquals("c-1", frame.path("commandId").asText());
    assertEquals("phone", frame.path("source").asText());
    assertEquals("agent.prompt", frame.path("type").asText());
    assertEquals("p-c-1", frame.path("payload").path("prompt").asText());
    assertEquals(5, frame.path("priority").asInt());
    assertEquals(T0, frame.path("createdAt").asLong());
    assertEquals(T0 + 86_400_000L, frame.path("expiresAt").asLong());
    assertEquals(1, frame.path("attempt").asInt());
    assertEquals("delivered", phoneLive.next("command_update").path("status").asText());

    deskLive.send("{\"type\":\"command_ack\",\"commandId\":\"c-1\"}");
    JsonNode acked = phoneLive.next("command_update");
    assertEquals("c-1", acked.path("commandId").asText());
    assertEquals("acked", acked.path("status").asText());
    for (int i = 1; i <= 2; i++) {
      ok(call(desk, "POST", "/commands/c-1/result",
          "{\"status\":\"running\",\"output\":{\"step\":" + i + "}}"), 200);
      JsonNode u = phoneLive.next("command_update");
      assertEquals("running", u.path("status").asText());
      assertEquals(i, u.path("output").path("step").asInt());
    }
    assertEquals("succeeded", ok(call(desk, "POST", "/commands/c-1/result",
        "{\"status\":\"succeeded\",\"output\":{\"answer\":42}}"), 200).path("status").asText());
    JsonNode done = phoneLive.next("command_update");
    assertEquals("succeeded", done.path("status").asText());
    assertEquals(42, done.path("output").path("answer").asInt());
    // A final status is final: a late result changes nothing.
    assertEquals("succeeded", ok(call(desk, "POST", "/commands/c-1/result",
        "{\"status\":\"failed\"}"), 200).path("status").asText());

    JsonNode got = ok(call(phone, "GET", "/commands/c-1", null), 200);
    List<String> history = new ArrayList<>();
    got.path("history").forEach(h -> history.add(h.path("status").asText()));
    assertEquals(List.of("queued", "delivered", "acked", "running", "running", "succeeded"),
        history);
    JsonNode listed = ok(call(desk, "GET", "/commands?target=desk&status=succeeded", null), 200);
    assertEquals(1, listed.path("commands").size());
  }

  @Test
  void offlineQueue_isDeliveredOnConnect_inPriorityThenAgeOrder() throws Exception {
    post("low", "desk", "\"priority\":1");
    now.addAndGet(10);
    post("mid-old", "desk", null);
    now.addAndGet(10);
    post("high", "desk", "\"priority\":9");
    now.addAndGet(10);
    post("mid-new", "desk", "\"priority\":5");
    server.drainCommands();
    assertEquals("queued", status("low"));
    Live deskLive = connect(desk);
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      order.add(deskLive.next("command").path("command").path("commandId").asText());
    }
    assertEquals(List.of("high", "mid-old", "mid-new", "low"), order);
  }

  @Test
  void expiredCommand_isNeverDelivered() throws Exception {
    post("short", "desk", "\"ttlSeconds\":1");
    now.addAndGet(1000);
    Live deskLive = connect(desk);
    server.drainCommands();
    post("marker", "desk", null);
    assertEquals("marker", deskLive.next("command").path("command").path("commandId").asText());
    assertEquals("expired", status("short"));
    // And by the sweep, for a device that stays away.
    post("short-2", "phone", "\"ttlSeconds\":5");
    now.addAndGet(5000);
    server.sweepCommands();
    assertEquals("expired", status("short-2"));
  }

  @Test
  void supersededCommand_isNeverDelivered_andItsSourceHears() throws Exception {
    Live phoneLive = connect(phone);
    post("first", "desk", "\"conflictKey\":\"task-7\"");
    post("second", "desk", "\"conflictKey\":\"task-7\"");
    JsonNode u = phoneLive.next("command_update");
    assertEquals("first", u.path("commandId").asText());
    assertEquals("superseded", u.path("status").asText());
    assertEquals("second", u.path("output").path("by").asText());
    Live deskLive = connect(desk);
    assertEquals("second", deskLive.next("command").path("command").path("commandId").asText());
    server.drainCommands();
    post("marker", "desk", null);
    assertEquals("marker", deskLive.next("command").path("command").path("commandId").asText());
    assertEquals("superseded", status("first"));
  }

  @Test
  void noAck_isRedeliveredWithBackoff_thenUndeliverable() throws Exception {
    Live deskLive = connect(desk);
    post("c-1", "desk", null);
    assertEquals(1, deskLive.next("command").path("command").path("attempt").asInt());
    long wait = 10_000;
    for (int attempt = 2; attempt <= 5; attempt++) {
      now.addAndGet(wait - 1);
      server.sweepCommands();
      assertEquals("delivered", status("c-1"));
      now.addAndGet(1);
      server.sweepCommands();
      assertEquals(attempt, deskLive.next("command").path("command").path("attempt").asInt());
      wait *= 2;
    }
    now.addAndGet(wait);
    server.sweepCommands();
    assertEquals("undeliverable", status("c-1"));
    post("marker", "desk", null);
    assertEquals("marker", deskLive.next("command").path("command").path("commandId").asText());
  }

  @Test
  void ackedCommand_isNotRedelivered() throws Exception {
    Live deskLive = connect(desk);
    post("c-1", "desk", null);
    deskLive.next("command");
    assertEquals("acked", ok(call(desk, "POST", "/commands/c-1/ack", null), 200)
        .path("status").asText());
    now.addAndGet(60_000);
    server.sweepCommands();
    post("marker", "desk", null);
    assertEquals("marker", deskLive.next("command").path("command").path("commandId").asText());
    assertEquals("acked", status("c-1"));
  }

  @Test
  void duplicateCommandId_isOneCommand() throws Exception {
    assertEquals("queued", post("c-1", "desk", null).path("status").asText());
    assertEquals("queued", post("c-1", "desk", "\"priority\":9").path("status").asText());
    JsonNode all = ok(call(phone, "GET", "/commands", null), 200).path("commands");
    assertEquals(1, all.size());
    assertEquals(5, all.get(0).path("priority").asInt());
    Live deskLive = connect(desk);
    assertEquals("c-1", deskLive.next("command").path("command").path("commandId").asText());
    server.drainCommands();
    post("marker", "desk", null);
    assertEquals("marker", deskLive.next("command").path("command").path("commandId").asText());
  }

  @Test
  void anotherTeamsDevice_andCommand_areUnknown() {
    assertError(call(phone, "POST", "/commands", command("c-1", "stranger", null)), 404,
        "unknown_device");
    assertError(call(phone, "POST", "/commands", command("c-2", "nobody", null)), 404,
        "unknown_device");
    post("c-3", "desk", null);
    assertError(call(stranger, "GET", "/commands/c-3", null), 404, "unknown_command");
    assertError(call(stranger, "POST", "/commands/c-3/ack", null), 404, "unknown_command");
    assertEquals(0, ok(call(stranger, "GET", "/commands", null), 200).path("commands").size());
    // Only the target reports on a command.
    assertError(call(phone, "POST", "/commands/c-3/result", "{\"status\":\"succeeded\"}"), 403,
        "forbidden");
  }

  @Test
  void badCommands_areRefusedAsAWhole() {
    assertError(call(phone, "POST", "/commands", "{nope"), 400, "bad_request");
    assertError(call(phone, "POST", "/commands", command("bad id", "desk", null)), 400,
        "invalid_id");
    assertError(call(phone, "POST", "/commands",
        "{\"commandId\":\"c\",\"target\":\"desk\",\"type\":\"Bad\"}"), 400, "invalid_type");
    assertError(call(phone, "POST", "/commands", command("c", "desk", "\"priority\":10")), 400,
        "bad_request");
    assertError(call(phone, "POST", "/commands", command("c", "desk", "\"ttlSeconds\":0")), 400,
        "bad_request");
    String big = "{\"commandId\":\"c\",\"target\":\"desk\",\"type\":\"x\",\"payload\":{\"s\":\""
        + "a".repeat(CommandRelay.MAX_PAYLOAD_BYTES) + "\"}}";
    assertError(call(phone, "POST", "/commands", big), 413, "payload_too_large");
    assertEquals(0, ok(call(phone, "GET", "/commands", null), 200).path("commands").size());
    assertError(call(phone, "GET", "/commands?status=lost", null), 400, "bad_request");
  }

  @Test
  void devices_listTheTeam_withWhatTheySaid_andWhoIsOnline() throws Exception {
    JsonNode self = ok(call(desk, "PUT", "/devices/self",
        "{\"name\":\"Desk\",\"platform\":\"linux\",\"appVersion\":\"0.1\"}"), 200);
    assertEquals("Desk", self.path("name").asText());
    assertEquals(T0, self.path("lastSeenAt").asLong());
    connect(desk);
    await().atMost(Duration.ofSeconds(20)).until(() -> online(phone, "desk"));
    JsonNode list = ok(call(phone, "GET", "/devices", null), 200).path("devices");
    assertEquals(2, list.size());
    assertEquals("linux", list.get(0).path("platform").asText());
    assertFalse(list.get(1).path("online").asBoolean());
    assertError(call(desk, "PUT", "/devices/self", "{\"name\":" + 7 + "}"), 400, "bad_request");
    assertError(call(desk, "PUT", "/devices/self",
        "{\"name\":\"" + "n".repeat(201) + "\"}"), 400, "bad_request");
  }

  static boolean online(Device asker, String device) {
    for (JsonNode d : ok(call(asker, "GET", "/devices", null), 200).path("devices")) {
      if (d.path("deviceId").asText().equals(device)) {
        return d.path("online").asBoolean();
      }
    }
    return false;
  }

  @Test
  void presence_flipsWithinTwoSeconds_ofConnectAndClose() throws Exception {
    Live phoneLive = connect(phone);
    long t = System.nanoTime();
    Live deskLive = connect(desk);
    JsonNode on = phoneLive.next("presence");
    assertTrue(System.nanoTime() - t < TimeUnit.SECONDS.toNanos(2), "online took over 2 s");
    assertEquals("desk", on.path("deviceId").asText());
    assertTrue(on.path("online").asBoolean());
    assertTrue(on.path("at").asLong() > 0);
    // A second connection of the same device is no news.
    Live deskAgain = connect(desk);
    deskAgain.ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    t = System.nanoTime();
    deskLive.ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    JsonNode off = phoneLive.next("presence");
    assertTrue(System.nanoTime() - t < TimeUnit.SECONDS.toNanos(2), "offline took over 2 s");
    assertEquals("desk", off.path("deviceId").asText());
    assertFalse(off.path("online").asBoolean());
    assertNull(deskLive.frames.poll(), "a device hears nothing of itself");
  }

  @Test
  void presence_goesOffline_whenTwoKeepAlivesAreMissed() throws Exception {
    server.close();
    Duration ping = Duration.ofMillis(500);
    server = TandemServer.builder().port(0).dataDir(dir).livePingInterval(ping).build().start();
    phone = new Device(server, "team-1", "phone", phone.token());
    desk = new Device(server, "team-1", "desk", desk.token());
    Live phoneLive = connect(phone);
    Live deskLive = connect(desk);
    assertTrue(phoneLive.next("presence").path("online").asBoolean());
    deskLive.answerPings = false;
    long t = System.nanoTime();
    JsonNode off = phoneLive.next("presence");
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
    assertEquals("desk", off.path("deviceId").asText());
    assertFalse(off.path("online").asBoolean());
    // Two missed keep-alives and the ping that finds them missed, the 2 s of the contract, and
    // 2 s for a machine so loaded that the server's sweep thread runs late.
    assertTrue(took < 3 * ping.toMillis() + 4000, "offline after " + took + " ms");
    assertFalse(phoneLive.ws.isOutputClosed(), "the answering device stays connected");
    assertTrue(online(phone, "phone"), "the answering device is still online");
  }
}
