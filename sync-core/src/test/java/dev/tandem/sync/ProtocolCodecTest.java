package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.ProtocolException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolCodecTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void pushRequest_roundTrip_keepsDataBytesExactly() {
    String data = "{\"b\": 1.50, \"a\":[1e3, null, \"ü\\n\"], \"z\":{\"deep\":true}}";
    Change c = new Change("message", "m-1", "upsert", "0192f3a4b5c6-0001-a", null, data, 0, null);
    Change d = new Change("message", "m-2", "delete", "0192f3a4b5c6-0002-a",
        "0192f3a4b5c6-0001-a", null, 0, null);
    byte[] body = ProtocolCodec.writePushRequest(new PushRequest("b-1", "a", Arrays.asList(c, d)));
    PushRequest back = ProtocolCodec.readPushRequest(body);
    assertEquals("b-1", back.batchId());
    assertEquals(Arrays.asList(c, d), back.changes());
    assertEquals(data, back.changes().get(0).data());
  }

  @Test
  void pushRequest_unknownFieldsIgnored_wrongFieldTypesLeftForValidation() {
    String body = "{\"future\":{\"x\":[1]},\"batchId\":\"b\",\"deviceId\":\"a\",\"changes\":["
        + "{\"type\":\"message\",\"id\":42,\"op\":\"upsert\",\"hlc\":\"0192f3a4b5c6-0001-a\","
        + "\"data\":{}},"
        + "{\"type\":\"message\",\"id\":\"ok\",\"op\":\"upsert\",\"hlc\":\"0192f3a4b5c6-0001-a\","
        + "\"data\":\"not an object\"}]}";
    PushRequest req = ProtocolCodec.readPushRequest(utf8(body));
    assertEquals("invalid_id", req.changes().get(0).validate(1000).code());
    assertEquals("invalid_data", req.changes().get(1).validate(1000).code());
  }

  @Test
  void readPushRequest_rejectsMalformedBodies() {
    for (String bad : new String[] {"", "{", "[]", "{\"batchId\":\"b\"}",
        "{\"batchId\":1,\"changes\":[]}", "{\"batchId\":\"b\",\"changes\":{}}",
        "{\"batchId\":\"b\",\"changes\":[1]}", "nonsense"}) {
      ProtocolException e = assertThrows(ProtocolException.class,
          () -> ProtocolCodec.readPushRequest(utf8(bad)), bad);
      assertEquals("bad_request", e.code());
    }
  }

  @Test
  void validate_namesEachProblem() {
    String h = "0192f3a4b5c6-0001-a";
    assertEquals("invalid_type", new Change("Bad", "x", "upsert", h, null, "{}", 0, null)
        .validate(10).code());
    assertEquals("invalid_id", new Change("t", "bad id", "upsert", h, null, "{}", 0, null)
        .validate(10).code());
    assertEquals("invalid_op", new Change("t", "x", "merge", h, null, "{}", 0, null)
        .validate(10).code());
    assertEquals("invalid_hlc", new Change("t", "x", "upsert", "yesterday", null, "{}", 0, null)
        .validate(10).code());
    assertEquals("record_too_large",
        new Change("t", "x", "upsert", h, null, "{\"a\":\"0123456789\"}", 0, null)
            .validate(10).code());
    assertNull(new Change("t", "x", "delete", h, null, null, 0, null).validate(10));
  }

  @Test
  void pushResponse_roundTrip() {
    PushResponse r = new PushResponse(true, Collections.singletonMap("message", 3),
        Collections.singletonList(new PushResponse.Conflict("conversation", "c", "remote_wins",
            "0192f3a4b5c6-0001-a")),
        Collections.singletonList(new PushResponse.EntryError("message", "bad id!", "invalid_id",
            "nope")), "17");
    PushResponse back = ProtocolCodec.readPushResponse(ProtocolCodec.writePushResponse(r));
    assertEquals(Map.of("message", 3), back.synced());
    assertEquals(r.conflicts(), back.conflicts());
    assertEquals(r.errors(), back.errors());
    assertEquals("17", back.cursor());
    assertTrue(back.success());
  }

  @Test
  void conditionalChange_andTheStoredVersionInARefusal_roundTrip() {
    Change c = new Change("note", "n", "upsert", "0192f3a4b5c6-0002-a", "0192f3a4b5c6-0001-a",
        "{\"v\":2}", 0, null).withIfBase(true);
    PushRequest back = ProtocolCodec.readPushRequest(
        ProtocolCodec.writePushRequest(new PushRequest("b-1", "a", Arrays.asList(c))));
    assertTrue(back.changes().get(0).ifBase());
    assertEquals(c, back.changes().get(0));

    Change stored = new Change("note", "n", "upsert", "0192f3a4b5c6-0005-b",
        "0192f3a4b5c6-0001-a", "{\"v\":\"b\"}", 9, "b");
    PushResponse r = new PushResponse(true, Collections.singletonMap("note", 0),
        Collections.singletonList(new PushResponse.Conflict("note", "n", "remote_wins",
            stored.hlc(), stored)), Collections.<PushResponse.EntryError>emptyList(), "9");
    PushResponse rb = ProtocolCodec.readPushResponse(ProtocolCodec.writePushResponse(r));
    assertEquals(stored, rb.conflicts().get(0).current());
    assertEquals(r.conflicts(), rb.conflicts());
  }

  @Test
  void pullResponse_roundTrip_withSeqAndOrigin() {
    Change c = new Change("message", "m", "upsert", "0192f3a4b5c6-0001-a", null, "{\"x\":1}", 9,
        "a");
    PullResponse back = ProtocolCodec.readPullResponse(ProtocolCodec.writePullResponse(
        new PullResponse(List.of(c), "9", true, 123)));
    assertEquals(List.of(c), back.changes());
    assertEquals("9", back.cursor());
    assertTrue(back.hasMore());
    assertEquals(123, back.serverTimestamp());
  }

  @Test
  void errorBody_roundTrip_andGarbageIsNull() {
    assertEquals("invalid_id",
        ProtocolCodec.readError(ProtocolCodec.writeError("invalid_id", "bad")).code());
    assertNull(ProtocolCodec.readError(utf8("<html>502</html>")));
  }
}
