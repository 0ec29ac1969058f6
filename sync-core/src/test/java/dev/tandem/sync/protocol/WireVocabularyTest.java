package dev.tandem.sync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The wire names are the protocol (docs/protocol.md): renaming an enum constant must not change
 * what goes on the wire, so each name is pinned here as text.
 */
class WireVocabularyTest {
  @Test
  void errorCodes_haveTheProtocolsWireNames() {
    List<String> names = new ArrayList<>();
    for (ErrorCode c : ErrorCode.values()) {
      names.add(c.wireName());
      assertSame(c, ErrorCode.fromWire(c.wireName()));
      assertTrue(c.is(c.wireName()));
      assertEquals(c.wireName(), c.toString());
    }
    assertEquals(Arrays.asList("bad_request", "invalid_id", "invalid_type", "invalid_op",
        "invalid_hlc", "invalid_data", "unknown_type", "record_too_large", "clock_skew",
        "bad_cursor", "unauthorized", "forbidden", "not_found", "method_not_allowed",
        "payload_too_large", "batch_too_large", "unsupported_encoding", "request_timeout",
        "overloaded", "unavailable", "internal_error"), names);
  }

  @Test
  void unknownCodes_readAsNull_soANewerServerCanAddSome() {
    assertNull(ErrorCode.fromWire("quota_exceeded"));
    assertNull(ErrorCode.fromWire(null));
    assertNull(ErrorCode.fromWire("INVALID_ID"));
    assertFalse(ErrorCode.INVALID_ID.is(null));
  }

  @Test
  void permanentCodes_areThoseAnUnchangedResendCanNeverFix() {
    Set<ErrorCode> retryable = new LinkedHashSet<>();
    for (ErrorCode c : ErrorCode.values()) {
      assertNotEquals(c.isPermanent(), c.isRetryable(), c.wireName());
      if (c.isRetryable()) {
        retryable.add(c);
      }
    }
    assertEquals(new LinkedHashSet<>(Arrays.asList(ErrorCode.CLOCK_SKEW,
        ErrorCode.REQUEST_TIMEOUT, ErrorCode.OVERLOADED, ErrorCode.UNAVAILABLE,
        ErrorCode.INTERNAL_ERROR)), retryable);
    // The entry errors the engine parks as failed at once.
    for (String code : Arrays.asList("invalid_id", "invalid_type", "invalid_op", "invalid_hlc",
        "invalid_data", "record_too_large", "unknown_type")) {
      assertTrue(ErrorCode.fromWire(code).isPermanent(), code);
    }
  }

  @Test
  void opsResolutionsAndFrameTypes_haveTheirWireNames() {
    assertEquals("upsert", Op.UPSERT.wireName());
    assertEquals("delete", Op.DELETE.wireName());
    assertSame(Op.DELETE, Op.of(true));
    assertSame(Op.UPSERT, Op.of(false));
    assertSame(Op.UPSERT, Op.fromWire("upsert"));
    assertNull(Op.fromWire("create"));
    assertEquals(Change.UPSERT, Op.UPSERT.wireName());
    assertEquals(Change.DELETE, Op.DELETE.wireName());

    assertEquals("local_wins", Resolution.LOCAL_WINS.wireName());
    assertEquals("remote_wins", Resolution.REMOTE_WINS.wireName());
    assertSame(Resolution.REMOTE_WINS, Resolution.fromWire("remote_wins"));
    assertNull(Resolution.fromWire("merged"));

    List<String> frames = new ArrayList<>();
    for (FrameType t : FrameType.values()) {
      frames.add(t.wireName());
      assertSame(t, FrameType.fromWire(t.wireName()));
    }
    assertEquals(Arrays.asList("changes", "hello", "ping", "pong", "presence", "command",
        "command_ack", "command_update"), frames);
    assertNull(FrameType.fromWire("shout"));
  }

  @Test
  void typedAccessors_readTheCodesOfEntriesAndConflicts() {
    Change bad = new Change("message", "m-1", "upsert", "nonsense", null, "{}", 0, null);
    assertSame(ErrorCode.INVALID_HLC, bad.validate(100).errorCode());
    assertNull(new Change("message", "m-1", "merge", "x", null, null, 0, null).opType());
    PushResponse.EntryError e = new PushResponse.EntryError("message", "m", "clock_skew", "later");
    assertSame(ErrorCode.CLOCK_SKEW, e.errorCode());
    assertNull(new PushResponse.EntryError("message", "m", "new_code", "?").errorCode());
    PushResponse.Conflict c = new PushResponse.Conflict("message", "m", "remote_wins", "h");
    assertSame(Resolution.REMOTE_WINS, c.resolutionType());
    assertEquals("bad_request", new ProtocolException(ErrorCode.BAD_REQUEST, "x").code());
  }

  @Test
  void frames_areWrittenAsTheProtocolShowsThem() {
    assertEquals("{\"type\":\"changes\",\"cursor\":\"42\"}",
        ProtocolCodec.writeFrame(FrameType.CHANGES, "42"));
    assertEquals("{\"type\":\"hello\",\"cursor\":\"\"}",
        ProtocolCodec.writeFrame(FrameType.HELLO, ""));
    assertEquals("{\"type\":\"ping\"}", ProtocolCodec.writeFrame(FrameType.PING, null));
  }

  @Test
  void health_roundTrips_andToleratesMissingOrMistypedFields() {
    Health ok = Health.ok("1.2.3");
    assertEquals("{\"status\":\"ok\",\"version\":\"1.2.3\",\"protocol\":1}",
        new String(ProtocolCodec.writeHealth(ok), StandardCharsets.UTF_8));
    assertEquals(ok, ProtocolCodec.readHealth(ProtocolCodec.writeHealth(ok)));
    assertTrue(ok.isOk());
    assertEquals(Protocol.VERSION, ok.protocol());

    Health odd = ProtocolCodec.readHealth(
        "{\"status\":\"degraded\",\"protocol\":\"1\",\"x\":[1]}".getBytes(StandardCharsets.UTF_8));
    assertEquals(new Health("degraded", null, 0), odd);
    assertFalse(odd.isOk());
    assertThrows(ProtocolException.class,
        () -> ProtocolCodec.readHealth("[]".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void recordKey_separatesTypeFromId_soNoTwoRecordsShareOne() {
    assertNotEquals(Protocol.recordKey("a", "b_c"), Protocol.recordKey("a_b", "c"));
    assertEquals(Protocol.recordKey("message", "m-1"), Protocol.recordKey("message", "m-1"));
    assertEquals("message\0m-1", Protocol.recordKey("message", "m-1"));
  }
}
