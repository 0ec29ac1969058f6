package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ChangeError;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.ProtocolException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server answer of the wrong shape is refused as {@code bad_request} instead of being read as
 * an empty or partial answer, which would make the engine mark unsent entries as synced.
 */
class ProtocolCodecShapeTest {
  private static final String H = "0192f3a4b5c6-0001-a";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertRefused(String body, java.util.function.Consumer<byte[]> reader) {
    ProtocolException e = assertThrows(ProtocolException.class, () -> reader.accept(utf8(body)),
        body);
    assertEquals("bad_request", e.code(), body);
    assertEquals(SyncException.Reason.PROTOCOL, e.reason());
    assertFalse(e.isRetryable());
  }

  @Test
  void pushResponse_ofTheWrongShape_isRefused() {
    for (String bad : new String[] {"[]", "\"ok\"", "{\"synced\":[]}", "{\"synced\":3}",
        "{\"conflicts\":{}}", "{\"conflicts\":\"none\"}", "{\"errors\":{}}", "{\"errors\":1}",
        "{\"success\":true,\"errors\":[", "{\"success\":", "nonsense"}) {
      assertRefused(bad, ProtocolCodec::readPushResponse);
    }
    assertRefused("", ProtocolCodec::readPushResponse);
    assertThrows(ProtocolException.class, () -> ProtocolCodec.readPushResponse(null));
  }

  @Test
  void pullResponse_ofTheWrongShape_isRefused() {
    for (String bad : new String[] {"[]", "7", "{\"changes\":{}}", "{\"changes\":\"x\"}",
        "{\"changes\":[1]}", "{\"changes\":[[]]}", "{\"changes\":[{\"type\":\"m\"}",
        "{\"cursor\":\"1\",", "<html>502 Bad Gateway</html>"}) {
      assertRefused(bad, ProtocolCodec::readPullResponse);
    }
  }

  @Test
  void pushRequest_ofTheWrongShape_isRefused_withTheReason() {
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> ProtocolCodec.readPushRequest(utf8("{\"batchId\":\"b\",\"changes\":{}}")));
    assertEquals("changes must be a JSON array", e.getMessage());
    e = assertThrows(ProtocolException.class, () -> ProtocolCodec.readPushRequest(utf8("[]")));
    assertEquals("body must be a JSON object", e.getMessage());
    e = assertThrows(ProtocolException.class,
        () -> ProtocolCodec.readPushRequest(utf8("{\"batchId\":\"\",\"changes\":[]}")));
    assertEquals("batchId is required", e.getMessage());
    e = assertThrows(ProtocolException.class,
        () -> ProtocolCodec.readPushRequest(utf8("{\"batchId\":null,\"changes\":[]}")));
    assertEquals("batchId is required", e.getMessage());
    e = assertThrows(ProtocolException.class,
        () -> ProtocolCodec.readPushRequest(utf8("{\"batchId\":\"b\",\"deviceId\":3,"
            + "\"changes\":[]}")));
    assertEquals("deviceId must be a string", e.getMessage());
    e = assertThrows(ProtocolException.class,
        () -> ProtocolCodec.readPushRequest(utf8("{\"batchId\":\"b\",\n\"changes\":[}")));
    assertTrue(e.getMessage().startsWith("malformed JSON: "), e.getMessage());
    assertTrue(e.getMessage().contains("close marker"), "says what is wrong: " + e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void pushRequest_nullDeviceIdIsAbsent_andTheDeviceIdRoundTrips() {
    PushRequest r = ProtocolCodec.readPushRequest(utf8(
        "{\"batchId\":\"b\",\"deviceId\":null,\"changes\":[]}"));
    assertNull(r.deviceId());
    PushRequest back = ProtocolCodec.readPushRequest(ProtocolCodec.writePushRequest(
        new PushRequest("b", "dev-1", Collections.<Change>emptyList())));
    assertEquals("dev-1", back.deviceId());
  }

  @Test
  void writtenBodies_areCompleteJsonObjects() {
    Change c = new Change("message", "m", "upsert", H, null, "{\"a\":1}", 0, null);
    List<byte[]> bodies = Arrays.asList(
        ProtocolCodec.writePushRequest(new PushRequest("b", "a", Arrays.asList(c))),
        ProtocolCodec.writePushResponse(new PushResponse(true,
            Collections.singletonMap("message", 1), Collections.<PushResponse.Conflict>emptyList(),
            Collections.<PushResponse.EntryError>emptyList(), "3")),
        ProtocolCodec.writePullResponse(new PullResponse(Arrays.asList(c), "3", false, 1)),
        ProtocolCodec.writeError("invalid_id", "bad id"));
    for (byte[] body : bodies) {
      String s = new String(body, StandardCharsets.UTF_8);
      assertTrue(Json.parse(s).isObject(), s);
      assertTrue(s.endsWith("}"), s);
    }
    assertEquals("{\"error\":{\"code\":\"invalid_id\",\"message\":\"bad id\"}}",
        new String(bodies.get(3), StandardCharsets.UTF_8));
  }

  @Test
  void pushRequest_streamedToAnOutputStream_matchesTheByteForm_andLeavesTheStreamOpen() {
    Change c = new Change("message", "m", "upsert", H, null, "{\"a\":[1,2]}", 0, null);
    PushRequest req = new PushRequest("b", "a", Arrays.asList(c));
    boolean[] closed = {false};
    ByteArrayOutputStream out = new ByteArrayOutputStream() {
      @Override
      public void close() throws IOException {
        closed[0] = true;
        super.close();
      }
    };
    ProtocolCodec.writePushRequest(req, out);
    assertEquals(new String(ProtocolCodec.writePushRequest(req), StandardCharsets.UTF_8),
        new String(out.toByteArray(), StandardCharsets.UTF_8));
    assertFalse(closed[0]);
    OutputStream broken = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("disk gone");
      }
    };
    assertThrows(UncheckedIOException.class, () -> ProtocolCodec.writePushRequest(req, broken));
  }

  @Test
  void seq_isWrittenOnlyWhenPositive_andReadOnlyAsAnInteger() {
    Change unsequenced = new Change("message", "m", "upsert", H, null, "{}", 0, null);
    PullResponse none = new PullResponse(Arrays.asList(unsequenced), "0", false, 0);
    assertFalse(new String(ProtocolCodec.writePullResponse(none), StandardCharsets.UTF_8)
        .contains("seq"));
    Change first = new Change("message", "m", "upsert", H, null, "{}", 1, "a");
    PullResponse one = ProtocolCodec.readPullResponse(ProtocolCodec.writePullResponse(
        new PullResponse(Arrays.asList(first), "1", false, 0)));
    assertEquals(1, one.changes().get(0).seq());
    PullResponse odd = ProtocolCodec.readPullResponse(utf8("{\"changes\":[{\"type\":\"message\","
        + "\"id\":\"m\",\"op\":\"upsert\",\"hlc\":\"" + H + "\",\"seq\":\"5\",\"data\":{}}],"
        + "\"cursor\":null}"));
    assertEquals(0, odd.changes().get(0).seq());
    assertNull(odd.cursor());
  }

  @Test
  void changeFields_ofTheWrongType_areReadAsMissing_soValidationNamesThem() {
    PullResponse r = ProtocolCodec.readPullResponse(utf8("{\"changes\":[{\"type\":\"message\","
        + "\"id\":\"m\",\"op\":\"upsert\",\"hlc\":{\"x\":1},\"deviceId\":[1],\"data\":{}},"
        + "{\"type\":\"message\",\"id\":\"n\",\"op\":\"delete\",\"hlc\":\"" + H + "\","
        + "\"data\":null}],\"hasMore\":\"yes\"}"));
    Change badHlc = r.changes().get(0);
    assertNull(badHlc.hlc());
    assertNull(badHlc.deviceId());
    assertEquals("invalid_hlc", badHlc.validate(100).code());
    assertNull(r.changes().get(1).data());
    assertNull(r.changes().get(1).validate(100));
    assertFalse(r.hasMore(), "only JSON true means more");
  }

  @Test
  void pushResponse_readsSuccessOnlyFromTrue_andSkipsUnknownFields() {
    PushResponse r = ProtocolCodec.readPushResponse(utf8("{\"success\":\"true\",\"future\":"
        + "{\"a\":[1]},\"synced\":{\"message\":2},\"conflicts\":[{\"type\":\"message\","
        + "\"id\":\"m\",\"resolution\":\"remote_wins\",\"winnerHlc\":\"" + H + "\",\"extra\":{}}],"
        + "\"errors\":[],\"cursor\":7}"));
    assertFalse(r.success());
    assertEquals(Integer.valueOf(2), r.synced().get("message"));
    assertEquals(new PushResponse.Conflict("message", "m", "remote_wins", H),
        r.conflicts().get(0));
    assertEquals("7", r.cursor());
    assertNull(ProtocolCodec.readPushResponse(utf8("{\"cursor\":null}")).cursor());
    assertTrue(ProtocolCodec.readPushResponse(utf8("{\"success\":true}")).success());
  }

  @Test
  void errorBodies_needACode_andAnythingElseIsNotAnError() {
    assertEquals(new ChangeError("rate_limited", ""),
        ProtocolCodec.readError(utf8("{\"error\":{\"code\":\"rate_limited\"}}")));
    assertEquals(new ChangeError("x", "y"), ProtocolCodec.readError(utf8(
        "{\"meta\":{\"a\":1},\"error\":{\"code\":\"x\",\"message\":\"y\"}}")));
    assertNull(ProtocolCodec.readError(utf8("{\"error\":{\"message\":\"no code\"}}")));
    assertNull(ProtocolCodec.readError(utf8("{\"error\":\"flat\"}")));
    assertNull(ProtocolCodec.readError(utf8("[]")));
    assertNull(ProtocolCodec.readError(new byte[0]));
  }

  @Test
  void dataBytes_areKeptExactly_evenWithMultiByteText() {
    String data = "{\"t\":\"Grüße € \uD83D\uDE00\",\"n\":1.50}";
    Change c = new Change("message", "m", "upsert", H, null, data, 2, "a");
    PullResponse back = ProtocolCodec.readPullResponse(ProtocolCodec.writePullResponse(
        new PullResponse(Arrays.asList(c, c.withSeq(3, "b")), "3", true, 9)));
    assertEquals(data, back.changes().get(0).data());
    assertEquals(data, back.changes().get(1).data());
    assertEquals("b", back.changes().get(1).deviceId());
  }
}
