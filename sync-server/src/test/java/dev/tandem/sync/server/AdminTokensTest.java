package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.send;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.server.ServerTestSupport.Device;
import dev.tandem.sync.server.internal.Tokens;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL "Admin": token format, replacement, revocation and expiry. */
class AdminTokensTest {
  private static final String ADMIN = "admin-secret";
  private static final Pattern FORMAT = Pattern.compile("tdm_[A-Za-z0-9]{43}");

  @TempDir Path dir;
  final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  TandemServer server;

  @BeforeEach
  void start() {
    server = TandemServer.builder().port(0).dataDir(dir).adminToken(ADMIN).clock(now::get)
        .build().start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<byte[]> create(String body) {
    return send(server, "POST", "/admin/tokens", body.getBytes(StandardCharsets.UTF_8),
        "Authorization", "Bearer " + ADMIN);
  }

  private JsonNode created(String body) throws IOException {
    HttpResponse<byte[]> r = create(body);
    assertEquals(201, r.statusCode(), text(r));
    return Json.MAPPER.readTree(r.body());
  }

  private HttpResponse<byte[]> revoke(String device, String team) {
    return send(server, "DELETE", "/admin/tokens/" + device + "?teamId=" + team, null,
        "Authorization", "Bearer " + ADMIN);
  }

  private static void assertPullOk(Device d) {
    HttpResponse<byte[]> r = d.pull(null);
    assertEquals(200, r.statusCode(), () -> text(r));
  }

  @Test
  void manyTokens_allHaveThePrefixAndBase62_andNoneStartsWithADash() {
    // The old base64 tokens started with '-' once in 64; 20,000 draws would have hit it ~300
    // times. Every character of the alphabet must show up too, or the generator is skewed.
    Set<String> seen = new HashSet<>();
    Set<Character> chars = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      String t = Tokens.newToken();
      assertTrue(FORMAT.matcher(t).matches(), t);
      assertFalse(t.startsWith("-"), t);
      assertTrue(seen.add(t), "duplicate token " + t);
      for (char c : t.substring(Tokens.PREFIX.length()).toCharArray()) {
        chars.add(c);
      }
    }
    assertEquals(62, chars.size(), chars::toString);
  }

  @Test
  void adminCreate_answersTheTokenWithNullExpiry_whenNoneWasAsked() throws IOException {
    JsonNode body = created("{\"teamId\":\"team-1\",\"deviceId\":\"laptop-1\"}");
    assertTrue(FORMAT.matcher(body.get("token").asText()).matches(), body.toString());
    assertEquals("team-1", body.get("teamId").asText());
    assertEquals("laptop-1", body.get("deviceId").asText());
    assertTrue(body.has("expiresAt") && body.get("expiresAt").isNull(), body.toString());
    assertPullOk(new Device(server, "team-1", "laptop-1", body.get("token").asText()));
  }

  @Test
  void creatingATokenAgain_replacesTheOldOne_atOnce() throws IOException {
    String body = "{\"teamId\":\"team-1\",\"deviceId\":\"laptop-1\"}";
    Device first = new Device(server, "team-1", "laptop-1", created(body).get("token").asText());
    // Used once, so the server's token cache holds it: the replacement must evict it.
    assertPullOk(first);
    Device second = new Device(server, "team-1", "laptop-1", created(body).get("token").asText());
    assertNotEquals(first.token(), second.token());
    assertError(first.pull(null), 401, "unauthorized");
    assertPullOk(second);

    // The Java API replaces too.
    Device third = new Device(server, "team-1", "laptop-1",
        server.createToken("team-1", "laptop-1"));
    assertError(second.pull(null), 401, "unauthorized");
    assertPullOk(third);
  }

  @Test
  void replacingOneDevicesToken_leavesOtherDevicesAndTeamsAlone() {
    Device desk = Device.create(server, "team-1", "desk-2");
    Device otherTeam = Device.create(server, "team-2", "laptop-1");
    assertPullOk(desk);
    assertPullOk(otherTeam);
    Device.create(server, "team-1", "laptop-1");
    Device.create(server, "team-1", "laptop-1");
    assertPullOk(desk);
    assertPullOk(otherTeam);
  }

  @Test
  void revoke_refusesTheTokenAtOnce_andOnlyThatDevices() {
    Device laptop = Device.create(server, "team-1", "laptop-1");
    Device desk = Device.create(server, "team-1", "desk-2");
    assertPullOk(laptop);
    HttpResponse<byte[]> r = revoke("laptop-1", "team-1");
    assertEquals(204, r.statusCode(), text(r));
    assertError(laptop.pull(null), 401, "unauthorized");
    assertPullOk(desk);
    // Revoking again, or a device that never had a token, is not an error.
    assertEquals(204, revoke("laptop-1", "team-1").statusCode());
    assertEquals(204, revoke("nobody", "team-1").statusCode());
  }

  @Test
  void expiringToken_worksUntilItsExpiry_thenIs401() throws IOException {
    JsonNode body = created(
        "{\"teamId\":\"team-1\",\"deviceId\":\"laptop-1\",\"expiresInSeconds\":60}");
    assertEquals(now.get() + 60_000, body.get("expiresAt").asLong());
    Device laptop = new Device(server, "team-1", "laptop-1", body.get("token").asText());
    assertPullOk(laptop);
    now.addAndGet(59_999);
    assertPullOk(laptop);
    now.addAndGet(1);
    HttpResponse<byte[]> r = laptop.pull(null);
    assertError(r, 401, "unauthorized");
    assertTrue(text(r).contains("expired"), text(r));
    // The live channel authenticates the same way.
    java.net.http.WebSocket.Builder ws = ServerTestSupport.HTTP.newWebSocketBuilder();
    for (int i = 0; i < laptop.headers().size(); i += 2) {
      ws.header(laptop.headers().get(i), laptop.headers().get(i + 1));
    }
    java.util.concurrent.CompletionException e = assertThrows(
        java.util.concurrent.CompletionException.class,
        () -> ws.buildAsync(java.net.URI.create("ws" + server.uri().toString().substring(4)
            + "/sync/live"), new java.net.http.WebSocket.Listener() {}).join());
    assertTrue(e.getCause() instanceof java.net.http.WebSocketHandshakeException, e::toString);
    assertEquals(401, ((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse()
        .statusCode());
  }

  @Test
  void expiringToken_fromTheJavaApi() {
    Device d = new Device(server, "t", "d",
        server.createToken("t", "d", Duration.ofMinutes(5)));
    assertPullOk(d);
    now.addAndGet(Duration.ofMinutes(5).toMillis());
    assertError(d.pull(null), 401, "unauthorized");
    assertThrows(IllegalArgumentException.class,
        () -> server.createToken("t", "d", Duration.ZERO));
    // So long that the expiry would overflow into "never": refused instead.
    assertThrows(IllegalArgumentException.class,
        () -> server.createToken("t", "d", Duration.ofSeconds(Long.MAX_VALUE / 2)));
  }

  @Test
  void expiry_survivesARestart() throws IOException {
    JsonNode body = created(
        "{\"teamId\":\"team-1\",\"deviceId\":\"laptop-1\",\"expiresInSeconds\":10}");
    server.close();
    server = TandemServer.builder().port(0).dataDir(dir).adminToken(ADMIN).clock(now::get)
        .build().start();
    Device laptop = new Device(server, "team-1", "laptop-1", body.get("token").asText());
    assertPullOk(laptop);
    now.addAndGet(10_000);
    assertError(laptop.pull(null), 401, "unauthorized");
  }

  @Test
  void badExpiry_isBadRequest_andTheOldTokenKeepsWorking() {
    Device laptop = Device.create(server, "team-1", "laptop-1");
    for (String bad : new String[] {"0", "-5", "1.5", "\"60\"", "true", "[]",
        "99999999999999999999", Long.toString(TandemServer.MAX_TOKEN_LIFETIME_SECONDS + 1)}) {
      assertError(create("{\"teamId\":\"team-1\",\"deviceId\":\"laptop-1\",\"expiresInSeconds\":"
          + bad + "}"), 400, "bad_request");
      assertPullOk(laptop);
    }
    // Explicit null means "never", like an absent field.
    assertEquals(201, create("{\"teamId\":\"team-1\",\"deviceId\":\"laptop-1\","
        + "\"expiresInSeconds\":null}").statusCode());
  }

  @Test
  void dotIds_areRefusedByTheAdminAndSyncEndpoints() {
    for (String dot : new String[] {".", ".."}) {
      assertError(create("{\"teamId\":\"team-1\",\"deviceId\":\"" + dot + "\"}"), 400,
          "invalid_id");
      assertError(create("{\"teamId\":\"" + dot + "\",\"deviceId\":\"d\"}"), 400, "invalid_id");
      assertError(revoke("d", dot), 400, "invalid_id");
      assertThrows(IllegalArgumentException.class, () -> server.createToken(dot, "d"));
    }
    Device laptop = Device.create(server, "team-1", "laptop-1");
    HttpResponse<byte[]> r = laptop.push(batch("b1", "laptop-1",
        upsert("message", "..", hlc(now.get(), 0, "laptop-1"), null, "{}"),
        upsert("message", "m-1", hlc(now.get(), 1, "laptop-1"), null, "{}")));
    assertEquals(200, r.statusCode(), text(r));
    PushResponse p = ProtocolCodec.readPushResponse(r.body());
    assertEquals(1, p.errors().size(), text(r));
    assertEquals("..", p.errors().get(0).id());
    assertEquals("invalid_id", p.errors().get(0).code());
    assertEquals(1, p.synced().values().stream().mapToInt(Integer::intValue).sum(), text(r));
  }
}
