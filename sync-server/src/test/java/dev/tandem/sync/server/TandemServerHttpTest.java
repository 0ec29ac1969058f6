package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.delete;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.send;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.Zstd;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TandemServerHttpTest {
  private static final String ADMIN = "admin-secret";
  /** Bound for waiting on the server's own threads; generous for a busy machine. */
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path dir;
  TandemServer server;
  Device laptop;
  Device desk;

  @BeforeEach
  void start() {
    server = newServer(TandemServer.builder().maxRecordBytes(1024));
    laptop = Device.create(server, "team-1", "laptop-1");
    desk = Device.create(server, "team-1", "desk-2");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private TandemServer newServer(TandemServer.Builder b) {
    return b.port(0).dataDir(dir).adminToken(ADMIN).build().start();
  }

  private void restartWith(TandemServer.Builder b) {
    server.close();
    server = newServer(b);
    laptop = new Device(server, laptop.team(), laptop.device(), laptop.token());
    desk = new Device(server, desk.team(), desk.device(), desk.token());
  }

  private List<Change> stored(String team) {
    return server.store().changesSince(team, 0, 100_000);
  }

  private void assertStillServing() {
    HttpResponse<byte[]> r = send(server, "GET", "/health", null);
    assertEquals(200, r.statusCode());
  }

  private static PushResponse ok(HttpResponse<byte[]> r) {
    assertEquals(200, r.statusCode(), () -> text(r));
    return ProtocolCodec.readPushResponse(r.body());
  }

  private static PullResponse okPull(HttpResponse<byte[]> r) {
    assertEquals(200, r.statusCode(), () -> text(r));
    return ProtocolCodec.readPullResponse(r.body());
  }

  // ---- health ----

  @Test
  void health_answersWithoutAuth() throws Exception {
    HttpResponse<byte[]> r = send(server, "GET", "/health", null);
    assertEquals(200, r.statusCode());
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertEquals("ok", body.get("status").asText());
    assertEquals(1, body.get("protocol").asInt());
    assertTrue(body.get("version").asText().startsWith("0."), text(r));
  }

  @Test
  void unknownEndpoint_isNotFoundWithErrorJson() {
    assertError(send(server, "GET", "/nope", null), 404, "not_found");
  }

  // ---- push and pull ----

  @Test
  void pushThenPull_returnsDataByteForByte() {
    String data = "{\"b\":1.10,\"a\":\"h\u00e9llo \u2603 \\n\",\"n\":[1e3,{\"z\":null}],\"x\":{}}";
    String h = hlc(1000, 0, "laptop-1");
    PushResponse pushed = ok(laptop.push(batch("b1", "laptop-1",
        upsert("message", "m-1", h, null, data), delete("conversation", "c-1", h, null))));
    assertEquals(Map.of("message", 1, "conversation", 1), pushed.synced());
    assertTrue(pushed.conflicts().isEmpty());
    assertTrue(pushed.errors().isEmpty());
    assertEquals("2", pushed.cursor());

    PullResponse pulled = okPull(desk.pull(null));
    assertEquals(2, pulled.changes().size());
    Change m = pulled.changes().get(0);
    assertEquals(data, m.data());
    assertEquals(1, m.seq());
    assertEquals("laptop-1", m.deviceId());
    assertEquals(h, m.hlc());
    Change c = pulled.changes().get(1);
    assertTrue(c.isDelete());
    assertEquals(null, c.data());
    assertEquals(2, c.seq());
    assertEquals("2", pulled.cursor());
    assertFalse(pulled.hasMore());
    assertTrue(pulled.serverTimestamp() > 0);
    // The raw bytes of the data object appear verbatim in the response body.
    assertTrue(text(desk.pull(null)).contains(data));
  }

  @Test
  void push_sameBatchIdTwice_sameAnswerStoredOnce() {
    String body = batch("b-same", "laptop-1",
        upsert("message", "m-1", hlc(1000, 0, "laptop-1"), null, "{\"t\":1}"),
        upsert("message", "bad id!", hlc(1000, 0, "laptop-1"), null, "{}"));
    HttpResponse<byte[]> first = laptop.push(body);
    ok(first);
    HttpResponse<byte[]> second = laptop.push(body);
    assertArrayEquals(first.body(), second.body());
    assertEquals(1, stored("team-1").size());
    assertEquals(1, server.store().currentSeq("team-1"));
  }

  @Test
  void push_sameHlcUnderNewBatchId_isSyncedWithoutNewSequence() {
    String change = upsert("message", "m-1", hlc(1000, 0, "laptop-1"), null, "{\"t\":1}");
    ok(laptop.push(batch("b1", "laptop-1", change)));
    PushResponse again = ok(laptop.push(batch("b2", "laptop-1", change)));
    assertEquals(Map.of("message", 1), again.synced());
    assertTrue(again.conflicts().isEmpty());
    assertEquals("1", again.cursor());
  }

  @Test
  void push_newerVersionOfWhatTheDeviceSaw_replacesWithoutConflict() {
    String v1 = hlc(1000, 0, "laptop-1");
    ok(laptop.push(batch("b1", "laptop-1", upsert("note", "n-1", v1, null, "{\"v\":1}"))));
    String v2 = hlc(2000, 0, "desk-2");
    PushResponse r = ok(desk.push(batch("b2", "desk-2", upsert("note", "n-1", v2, v1, "{\"v\":2}"))));
    assertTrue(r.conflicts().isEmpty());
    List<Change> all = stored("team-1");
    assertEquals(1, all.size());
    assertEquals("{\"v\":2}", all.get(0).data());
    assertEquals(2, all.get(0).seq());
    assertEquals("desk-2", all.get(0).deviceId());
  }

  @Test
  void push_newerHlcFromStaleBase_storesAndReportsLocalWins() {
    String v1 = hlc(1000, 0, "laptop-1");
    String v2 = hlc(2000, 0, "laptop-1");
    ok(laptop.push(batch("b1", "laptop-1", upsert("note", "n-1", v1, null, "{\"v\":1}"))));
    ok(laptop.push(batch("b2", "laptop-1", upsert("note", "n-1", v2, v1, "{\"v\":2}"))));
    String v3 = hlc(3000, 0, "desk-2");
    PushResponse r = ok(desk.push(batch("b3", "desk-2", upsert("note", "n-1", v3, v1, "{\"v\":3}"))));
    assertEquals(List.of(new PushResponse.Conflict("note", "n-1", "local_wins", v3)), r.conflicts());
    assertEquals(Map.of("note", 1), r.synced());
    assertEquals("{\"v\":3}", stored("team-1").get(0).data());
  }

  /** A conditional change ("ifBase") made from another version than the stored one. */
  private static String conditional(String change) {
    return change.substring(0, change.length() - 1) + ",\"ifBase\":true}";
  }

  @Test
  void conditionalPush_fromAStaleBase_isRefused_andAnswersWithTheStoredVersion() {
    String v1 = hlc(1000, 0, "laptop-1");
    ok(laptop.push(batch("b1", "laptop-1", upsert("note", "n-1", v1, null, "{\"v\":1}"))));
    String v2 = hlc(2000, 0, "laptop-1");
    ok(laptop.push(batch("b2", "laptop-1", upsert("note", "n-1", v2, v1, "{\"v\":2}"))));
    String v3 = hlc(3000, 0, "desk-2");
    PushResponse r = ok(desk.push(batch("b3", "desk-2",
        conditional(upsert("note", "n-1", v3, v1, "{\"v\":3}")))));

    assertEquals(Map.of("note", 0), r.synced());
    assertEquals(1, r.conflicts().size());
    PushResponse.Conflict c = r.conflicts().get(0);
    assertEquals("remote_wins", c.resolution());
    assertEquals(v2, c.winnerHlc());
    assertEquals("{\"v\":2}", c.current().data(), "the stored version, to merge with");
    assertEquals("laptop-1", c.current().deviceId());
    assertEquals(2, c.current().seq());
    assertEquals("{\"v\":2}", stored("team-1").get(0).data(), "nothing replaced");
  }

  @Test
  void conditionalPush_fromTheStoredVersion_orOfANewRecord_isStored() {
    String v1 = hlc(1000, 0, "laptop-1");
    ok(laptop.push(batch("b1", "laptop-1",
        conditional(upsert("note", "n-1", v1, null, "{\"v\":1}")))));
    String v2 = hlc(2000, 0, "desk-2");
    PushResponse r = ok(desk.push(batch("b2", "desk-2",
        conditional(upsert("note", "n-1", v2, v1, "{\"v\":2}")))));
    assertTrue(r.conflicts().isEmpty(), r.conflicts().toString());
    assertEquals("{\"v\":2}", stored("team-1").get(0).data());
    // Created on two devices: the second create (no base) is refused with the first.
    PushResponse again = ok(laptop.push(batch("b3", "laptop-1",
        conditional(upsert("note", "n-1", hlc(3000, 0, "laptop-1"), null, "{\"v\":3}")))));
    assertEquals(v2, again.conflicts().get(0).current().hlc());
  }

  @Test
  void push_olderHlc_isNotStoredAndReportsRemoteWins() {
    String newer = hlc(5000, 0, "laptop-1");
    ok(laptop.push(batch("b1", "laptop-1", upsert("note", "n-1", newer, null, "{\"v\":\"new\"}"))));
    String older = hlc(4000, 0, "desk-2");
    PushResponse r = ok(desk.push(batch("b2", "desk-2",
        upsert("note", "n-1", older, null, "{\"v\":\"old\"}"))));
    assertEquals(List.of(new PushResponse.Conflict("note", "n-1", "remote_wins", newer)),
        r.conflicts());
    assertEquals(Map.of("note", 0), r.synced());
    assertEquals("1", r.cursor());
    List<Change> all = stored("team-1");
    assertEquals("{\"v\":\"new\"}", all.get(0).data());
    assertEquals(1, server.store().currentSeq("team-1"));
  }

  @Test
  void push_deleteWithNewerHlc_leavesTombstone() {
    String v1 = hlc(1000, 0, "laptop-1");
    ok(laptop.push(batch("b1", "laptop-1", upsert("note", "n-1", v1, null, "{\"v\":1}"))));
    ok(desk.push(batch("b2", "desk-2", delete("note", "n-1", hlc(2000, 0, "desk-2"), v1))));
    Change c = okPull(laptop.pull(null)).changes().get(0);
    assertTrue(c.isDelete());
    assertEquals(null, c.data());
  }

  @Test
  void push_invalidEntries_areListedInErrorsAndTheRestApplies() {
    String h = hlc(1000, 0, "laptop-1");
    String big = "{\"x\":\"" + "y".repeat(2000) + "\"}";
    PushResponse r = ok(laptop.push(batch("b1", "laptop-1",
        upsert("message", "bad id!", h, null, "{}"),
        upsert("Bad-Type", "m-2", h, null, "{}"),
        "{\"type\":\"message\",\"id\":\"m-3\",\"op\":\"merge\",\"hlc\":\"" + h + "\",\"data\":{}}",
        upsert("message", "m-4", "yesterday", null, "{}"),
        upsert("message", "m-5", h, "not-a-clock", "{}"),
        upsert("message", "m-6", h, null, "[1,2]"),
        "{\"type\":\"message\",\"id\":\"m-7\",\"op\":\"upsert\",\"hlc\":\"" + h + "\"}",
        upsert("message", "m-8", h, null, big),
        "{\"type\":\"message\",\"id\":42,\"op\":\"upsert\",\"hlc\":\"" + h + "\",\"data\":{}}",
        upsert("message", "m-ok", h, null, "{\"fine\":true}"))));
    List<String> codes = new ArrayList<>();
    for (PushResponse.EntryError e : r.errors()) {
      codes.add(e.code());
    }
    assertEquals(List.of("invalid_id", "invalid_type", "invalid_op", "invalid_hlc", "invalid_hlc",
        "invalid_data", "invalid_data", "record_too_large", "invalid_id"), codes);
    assertEquals("bad id!", r.errors().get(0).id());
    assertEquals(Map.of("message", 1), r.synced());
    List<Change> all = stored("team-1");
    assertEquals(1, all.size());
    assertEquals("m-ok", all.get(0).id());
  }

  // ---- whole-request errors ----

  @Test
  void push_malformedJson_isBadRequestAndStoresNothing() {
    assertError(laptop.push("{\"batchId\":\"b1\",\"changes\":[{\"type\":"), 400, "bad_request");
    assertError(laptop.push("not json at all"), 400, "bad_request");
    assertError(laptop.push(""), 400, "bad_request");
    assertEquals(0, stored("team-1").size());
    assertStillServing();
  }

  @Test
  void push_malformedData_isBadRequestWithTheReason_andStoresNothingOfTheBatch() {
    // Room for the deepest data: the default test server takes records of 1 KB.
    restartWith(TandemServer.builder().maxRecordBytes(64 * 1024));
    String h = hlc(1000, 0, "laptop-1");
    String ok = upsert("message", "m-1", h, null, "{}");
    String tooDeep = "{\"a\":".repeat(997) + "{}" + "}".repeat(997);
    for (String data : new String[] {tooDeep, "{\"n\":" + "9".repeat(1001) + "}",
        "{\"a\":1,}", "{\"s\":\"tab\there\"}", "{\"a\":\"\\q\"}", "{\"n\":01}"}) {
      HttpResponse<byte[]> r = laptop.push("{\"batchId\":\"b1\",\"changes\":[" + ok + ","
          + upsert("message", "m-2", h, null, data) + "]}");
      assertError(r, 400, "bad_request");
      assertTrue(ProtocolCodec.readError(r.body()).message().startsWith("malformed JSON: "),
          text(r));
    }
    assertEquals(0, stored("team-1").size());
    // The deepest data accepted: 1000 levels counting the body, its changes and the change.
    String deepest = "{\"a\":".repeat(996) + "{}" + "}".repeat(996);
    HttpResponse<byte[]> r = laptop.push("{\"batchId\":\"b2\",\"changes\":["
        + upsert("message", "m-3", h, null, deepest) + "]}");
    assertEquals(200, r.statusCode(), () -> text(r));
    assertEquals(List.of(), ProtocolCodec.readPushResponse(r.body()).errors(), () -> text(r));
    assertEquals(1, stored("team-1").size());
    assertStillServing();
  }

  @Test
  void push_wrongFieldTypes_isBadRequestAndStoresNothing() {
    String h = hlc(1000, 0, "laptop-1");
    String ok = upsert("message", "m-1", h, null, "{}");
    assertError(laptop.push("{\"batchId\":7,\"changes\":[" + ok + "]}"), 400, "bad_request");
    assertError(laptop.push("{\"batchId\":\"b\",\"changes\":{}}"), 400, "bad_request");
    assertError(laptop.push("{\"batchId\":\"b\",\"changes\":[" + ok + ",3]}"), 400, "bad_request");
    assertError(laptop.push("{\"changes\":[" + ok + "]}"), 400, "bad_request");
    assertError(laptop.push("[" + ok + "]"), 400, "bad_request");
    assertError(laptop.push("{\"batchId\":\"" + "x".repeat(200) + "\",\"changes\":[]}"), 400,
        "bad_request");
    assertEquals(0, stored("team-1").size());
    assertStillServing();
  }

  @Test
  void push_tooManyChanges_isBatchTooLarge() {
    restartWith(TandemServer.builder().maxBatchChanges(3));
    String[] changes = new String[4];
    for (int i = 0; i < changes.length; i++) {
      changes[i] = upsert("message", "m-" + i, hlc(1000, i, "laptop-1"), null, "{}");
    }
    assertError(laptop.push(batch("b1", "laptop-1", changes)), 413, "batch_too_large");
    assertEquals(0, stored("team-1").size());
    ok(laptop.push(batch("b2", "laptop-1", changes[0], changes[1], changes[2])));
    assertEquals(3, stored("team-1").size());
  }

  @Test
  void push_oversizedBody_isPayloadTooLarge() {
    restartWith(TandemServer.builder().maxBodyBytes(32 * 1024));
    String data = "{\"x\":\"" + "y".repeat(40 * 1024) + "\"}";
    String body = batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
        data));
    assertError(laptop.push(body), 413, "payload_too_large");
    assertEquals(0, stored("team-1").size());
    assertStillServing();
  }

  @Test
  void push_gzipAndZstdBodies_areAccepted() throws IOException {
    String a = batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
        "{\"enc\":\"gzip\"}"));
    ok(laptop.push(gzip(a.getBytes(StandardCharsets.UTF_8)), "gzip"));
    String b = batch("b2", "laptop-1", upsert("message", "m-2", hlc(2, 0, "laptop-1"), null,
        "{\"enc\":\"zstd\"}"));
    ok(laptop.push(Zstd.compress(b.getBytes(StandardCharsets.UTF_8)), "zstd"));
    List<Change> all = stored("team-1");
    assertEquals("{\"enc\":\"gzip\"}", all.get(0).data());
    assertEquals("{\"enc\":\"zstd\"}", all.get(1).data());
  }

  @Test
  void push_unknownEncoding_isUnsupported() {
    String body = batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
        "{}"));
    assertError(laptop.push(body.getBytes(StandardCharsets.UTF_8), "br"), 415,
        "unsupported_encoding");
    assertEquals(0, stored("team-1").size());
  }

  @Test
  void push_corruptCompressedBody_isBadRequest() {
    byte[] junk = "definitely not compressed".getBytes(StandardCharsets.UTF_8);
    assertError(laptop.push(junk, "gzip"), 400, "bad_request");
    assertError(laptop.push(junk, "zstd"), 400, "bad_request");
    assertStillServing();
  }

  @Test
  void push_compressionBomb_isCutOffAtTheLimit() throws IOException {
    restartWith(TandemServer.builder().maxBodyBytes(1024 * 1024));
    // 64 MiB of zeros inflate from about 64 KiB: far under the limit on the wire, far over it
    // inflated.
    byte[] zeros = new byte[64 * 1024 * 1024];
    byte[] gz = gzip(zeros);
    assertTrue(gz.length < 1024 * 1024);
    assertError(laptop.push(gz, "gzip"), 413, "payload_too_large");
    assertError(laptop.push(Zstd.compress(zeros), "zstd"), 413, "payload_too_large");
    assertEquals(0, stored("team-1").size());
    assertStillServing();
  }

  // ---- auth ----

  @Test
  void missingUnknownOrMalformedToken_isUnauthorized() {
    String body = batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
        "{}"));
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    assertError(send(server, "POST", "/sync/batch", bytes, "X-Team-ID", "team-1", "X-Device-ID",
        "laptop-1"), 401, "unauthorized");
    assertError(new Device(server, "team-1", "laptop-1", "guessed").push(body), 401,
        "unauthorized");
    assertError(send(server, "GET", "/sync/pull", null, "Authorization", "Basic abc",
        "X-Team-ID", "team-1", "X-Device-ID", "laptop-1"), 401, "unauthorized");
    assertEquals(0, stored("team-1").size());
  }

  @Test
  void revokedToken_isUnauthorized() {
    ok(laptop.pull(null));
    server.revokeToken("team-1", "laptop-1");
    assertError(laptop.pull(null), 401, "unauthorized");
    assertError(laptop.push(batch("b1", "laptop-1")), 401, "unauthorized");
    ok(desk.pull(null));
    // A new token for the same device works.
    Device again = Device.create(server, "team-1", "laptop-1");
    okPull(again.pull(null));
  }

  @Test
  void headersNotMatchingTheToken_areForbidden() {
    Device wrongTeam = new Device(server, "team-2", "laptop-1", laptop.token());
    assertError(wrongTeam.pull(null), 403, "forbidden");
    Device wrongDevice = new Device(server, "team-1", "desk-2", laptop.token());
    assertError(wrongDevice.pull(null), 403, "forbidden");
    assertError(laptop.push(batch("b1", "desk-2",
        upsert("message", "m-1", hlc(1, 0, "desk-2"), null, "{}"))), 403, "forbidden");
    assertEquals(0, stored("team-1").size());
  }

  @Test
  void teamIsolation_aTokenReadsAndWritesOnlyItsOwnTeam() {
    Device other = Device.create(server, "team-2", "phone-9");
    ok(laptop.push(batch("b1", "laptop-1",
        upsert("message", "shared-id", hlc(1, 0, "laptop-1"), null, "{\"team\":1}"))));
    ok(other.push(batch("b1", "phone-9",
        upsert("message", "shared-id", hlc(9, 0, "phone-9"), null, "{\"team\":2}"))));
    // Same batch id and record id in both teams: independent. (Pulls leave out the pulling
    // device's own changes, so each team is read by a second device of it.)
    PullResponse mine = okPull(desk.pull(null));
    assertEquals(1, mine.changes().size());
    assertEquals("{\"team\":1}", mine.changes().get(0).data());
    PullResponse theirs = okPull(Device.create(server, "team-2", "tablet-3").pull(null));
    assertEquals(1, theirs.changes().size());
    assertEquals("{\"team\":2}", theirs.changes().get(0).data());
    // Naming the other team with my token is refused, read and write.
    Device spoof = new Device(server, "team-2", "laptop-1", laptop.token());
    assertError(spoof.pull(null), 403, "forbidden");
    assertError(spoof.push(batch("b2", "laptop-1",
        upsert("message", "x", hlc(99, 0, "laptop-1"), null, "{}"))), 403, "forbidden");
    assertEquals(1, stored("team-2").size());
    assertEquals("{\"team\":2}", stored("team-2").get(0).data());
  }

  // ---- pull ----

  @Test
  void pull_pagesWithHasMoreAndSendsOnlyLatestState() {
    String[] changes = new String[5];
    for (int i = 0; i < 5; i++) {
      changes[i] = upsert("message", "m-" + i, hlc(1000, i, "laptop-1"), null, "{\"v\":0}");
    }
    ok(laptop.push(batch("b1", "laptop-1", changes)));
    // m-1 changes twice more: it must come once, in its latest state, at its latest seq.
    ok(laptop.push(batch("b2", "laptop-1",
        upsert("message", "m-1", hlc(2000, 0, "laptop-1"), null, "{\"v\":1}"))));
    ok(laptop.push(batch("b3", "laptop-1",
        upsert("message", "m-1", hlc(3000, 0, "laptop-1"), null, "{\"v\":2}"))));

    PullResponse p1 = okPull(desk.pull("limit=2"));
    assertEquals(List.of("m-0", "m-2"), ids(p1));
    assertTrue(p1.hasMore());
    PullResponse p2 = okPull(desk.pull("since=" + p1.cursor() + "&limit=2"));
    assertEquals(List.of("m-3", "m-4"), ids(p2));
    assertTrue(p2.hasMore());
    PullResponse p3 = okPull(desk.pull("since=" + p2.cursor() + "&limit=2"));
    assertEquals(List.of("m-1"), ids(p3));
    assertEquals("{\"v\":2}", p3.changes().get(0).data());
    assertEquals(7, p3.changes().get(0).seq());
    assertFalse(p3.hasMore());
    assertEquals("7", p3.cursor());
    PullResponse p4 = okPull(desk.pull("since=" + p3.cursor()));
    assertTrue(p4.changes().isEmpty());
    assertEquals("7", p4.cursor());
  }

  @Test
  void pull_badCursorOrLimit_isBadRequest() {
    assertError(desk.pull("since=abc"), 400, "bad_cursor");
    assertError(desk.pull("since=-1"), 400, "bad_cursor");
    assertError(desk.pull("since=99"), 400, "bad_cursor");
    assertError(desk.pull("limit=ten"), 400, "bad_request");
    assertError(desk.pull("limit=0"), 400, "bad_request");
    okPull(desk.pull("since=&limit=999999"));
  }

  @Test
  void pull_compressesLargeResponsesForClientsThatAcceptIt() throws IOException {
    String data = "{\"x\":\"" + "abc".repeat(320) + "\"}";
    ok(laptop.push(batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
        data))));
    List<String> headers = new ArrayList<>(desk.headers());
    headers.add("Accept-Encoding");
    headers.add("gzip");
    HttpResponse<byte[]> r = send(server, "GET", "/sync/pull", null,
        headers.toArray(new String[0]));
    assertEquals(200, r.statusCode());
    assertEquals("gzip", r.headers().firstValue("Content-Encoding").orElse(""));
    byte[] plain = new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes();
    assertEquals(data, ProtocolCodec.readPullResponse(plain).changes().get(0).data());

    headers.set(headers.size() - 1, "gzip, zstd");
    HttpResponse<byte[]> z = send(server, "GET", "/sync/pull", null,
        headers.toArray(new String[0]));
    assertEquals("zstd", z.headers().firstValue("Content-Encoding").orElse(""));
    byte[] unz = Zstd.decompress(z.body(), plain.length + 100);
    assertEquals(data, ProtocolCodec.readPullResponse(unz).changes().get(0).data());
  }

  @Test
  void everyAnswer_listsTheCodingsTheServerTakesInRequests() {
    // RFC 7694: clients send zstd bodies only after seeing zstd here.
    HttpResponse<byte[]> pulled = desk.pull("");
    assertEquals("zstd-agent-1, zstd, gzip", pulled.headers().firstValue("Accept-Encoding").orElse(""));
    HttpResponse<byte[]> refused = laptop.push(new byte[] {1, 2}, "br");
    assertEquals(415, refused.statusCode());
    assertEquals("zstd-agent-1, zstd, gzip", refused.headers().firstValue("Accept-Encoding").orElse(""));
  }

  @Test
  void responseCompression_gzipNeverAnswersZstd_andNoneNeverCompresses() throws IOException {
    for (ResponseCompression rc : new ResponseCompression[] {ResponseCompression.GZIP,
        ResponseCompression.NONE}) {
      TandemServer s = TandemServer.builder().responseCompression(rc).port(0)
          .dataDir(dir.resolve("rc-" + rc)).adminToken(ADMIN).build().start();
      try {
        Device a = Device.create(s, "team-1", "laptop-1");
        Device b = Device.create(s, "team-1", "desk-2");
        String data = "{\"x\":\"" + "abc".repeat(320) + "\"}";
        ok(a.push(batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
            data))));
        List<String> headers = new ArrayList<>(b.headers());
        headers.add("Accept-Encoding");
        headers.add("zstd, gzip");
        HttpResponse<byte[]> r = send(s, "GET", "/sync/pull", null,
            headers.toArray(new String[0]));
        assertEquals(200, r.statusCode());
        String enc = r.headers().firstValue("Content-Encoding").orElse("");
        byte[] plain = rc == ResponseCompression.GZIP
            ? new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes() : r.body();
        assertEquals(rc == ResponseCompression.GZIP ? "gzip" : "", enc, rc.toString());
        assertEquals(data, ProtocolCodec.readPullResponse(plain).changes().get(0).data());
      } finally {
        s.close();
      }
    }
  }

  // ---- admin ----

  @Test
  void admin_createsAndRevokesTokens() throws IOException {
    HttpResponse<byte[]> r = send(server, "POST", "/admin/tokens",
        "{\"teamId\":\"team-7\",\"deviceId\":\"tablet-1\"}".getBytes(StandardCharsets.UTF_8),
        "Authorization", "Bearer " + ADMIN);
    assertEquals(201, r.statusCode(), text(r));
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertEquals("team-7", body.get("teamId").asText());
    assertEquals("tablet-1", body.get("deviceId").asText());
    String token = body.get("token").asText();
    assertTrue(token.matches("tdm_[A-Za-z0-9]{43}"), token);
    Device tablet = new Device(server, "team-7", "tablet-1", token);
    okPull(tablet.pull(null));

    HttpResponse<byte[]> del = send(server, "DELETE", "/admin/tokens/tablet-1?teamId=team-7",
        null, "Authorization", "Bearer " + ADMIN);
    assertEquals(204, del.statusCode());
    assertError(tablet.pull(null), 401, "unauthorized");
  }

  @Test
  void admin_withoutOrWithWrongAdminToken_isUnauthorized() {
    byte[] body = "{\"teamId\":\"t\",\"deviceId\":\"d\"}".getBytes(StandardCharsets.UTF_8);
    assertError(send(server, "POST", "/admin/tokens", body), 401, "unauthorized");
    assertError(send(server, "POST", "/admin/tokens", body, "Authorization", "Bearer wrong"), 401,
        "unauthorized");
    // A device token is not an admin token.
    assertError(send(server, "POST", "/admin/tokens", body, "Authorization",
        "Bearer " + laptop.token()), 401, "unauthorized");
    assertError(send(server, "DELETE", "/admin/tokens/laptop-1?teamId=team-1", null), 401,
        "unauthorized");
    okPull(laptop.pull(null));
  }

  @Test
  void admin_onServerWithoutAdminToken_isUnauthorized() {
    server.close();
    server = TandemServer.builder().port(0).dataDir(dir).build().start();
    byte[] body = "{\"teamId\":\"t\",\"deviceId\":\"d\"}".getBytes(StandardCharsets.UTF_8);
    assertError(send(server, "POST", "/admin/tokens", body, "Authorization", "Bearer " + ADMIN),
        401, "unauthorized");
  }

  @Test
  void admin_badBodies_areBadRequest() {
    String[] auth = {"Authorization", "Bearer " + ADMIN};
    assertError(send(server, "POST", "/admin/tokens", "{".getBytes(StandardCharsets.UTF_8), auth),
        400, "bad_request");
    assertError(send(server, "POST", "/admin/tokens",
        "{\"teamId\":1,\"deviceId\":\"d\"}".getBytes(StandardCharsets.UTF_8), auth), 400,
        "bad_request");
    assertError(send(server, "POST", "/admin/tokens",
        "{\"teamId\":\"t t\",\"deviceId\":\"d\"}".getBytes(StandardCharsets.UTF_8), auth), 400,
        "invalid_id");
    assertError(send(server, "DELETE", "/admin/tokens/d", null, auth), 400, "invalid_id");
  }

  @Test
  void createToken_rejectsInvalidIds() {
    assertThrows(IllegalArgumentException.class, () -> server.createToken("team 1", "d"));
    assertThrows(IllegalArgumentException.class, () -> server.createToken("t", ""));
    assertNotEquals(server.createToken("t", "d"), server.createToken("t", "d"));
  }

  // ---- lifecycle ----

  @Test
  void restartOnSameDataDir_keepsRecordsTokensAndBatches() {
    String body = batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
        "{\"kept\":true}"));
    HttpResponse<byte[]> first = laptop.push(body);
    ok(first);
    restartWith(TandemServer.builder());
    PullResponse p = okPull(desk.pull(null));
    assertEquals("{\"kept\":true}", p.changes().get(0).data());
    assertArrayEquals(first.body(), laptop.push(body).body());
    assertEquals(1, server.store().currentSeq("team-1"));
    assertTrue(Files.exists(dir.resolve(SqliteServerStore.FILE_NAME)));
  }

  @Test
  void close_finishesRequestsInFlightThenRefusesConnections() throws Exception {
    byte[] body = batch("b1", "laptop-1", upsert("message", "m-1", hlc(1, 0, "laptop-1"), null,
        "{\"slow\":true}")).getBytes(StandardCharsets.UTF_8);
    String head = "POST /sync/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + laptop.token() + "\r\nX-Team-ID: team-1\r\n"
        + "X-Device-ID: laptop-1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
    URI uri = server.uri();
    ServerStore store = server.store();
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      // Headers and half the body: the request is now being served, waiting for the rest.
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, 10);
      out.flush();
      await().atMost(PATIENCE).until(() -> server.requestsInFlight() > 0);
      assertEquals(1, server.requestsInFlight());
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
      Thread.sleep(200); // give close() time to return early if it were going to
      assertFalse(closing.isDone(), "close() returned while a request was in flight");
      out.write(body, 10, body.length - 10);
      out.flush();
      String response = new String(socket.getInputStream().readAllBytes(),
          StandardCharsets.UTF_8);
      assertTrue(response.startsWith("HTTP/1.1 200"), response);
      closing.get(20, TimeUnit.SECONDS);
    }
    server = null;
    assertThrows(IllegalStateException.class, () -> store.currentSeq("team-1"));
    assertThrows(IOException.class, () -> ServerTestSupport.HTTP.send(
        HttpRequest.newBuilder(URI.create(uri + "/health")).timeout(Duration.ofSeconds(5))
            .build(), HttpResponse.BodyHandlers.ofByteArray()));
    // The in-flight batch was stored before the store closed.
    try (SqliteServerStore reopened = SqliteServerStore.open(dir)) {
      assertEquals(1, reopened.currentSeq("team-1"));
    }
  }

  private static List<String> ids(PullResponse p) {
    List<String> ids = new ArrayList<>();
    for (Change c : p.changes()) {
      ids.add(c.id());
    }
    return ids;
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    }
    return out.toByteArray();
  }
}
