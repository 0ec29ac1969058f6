package dev.tandem.sync.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.ProtocolException;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import java.io.IOException;
import java.util.function.Function;

/**
 * Fuzz targets for the wire codec: whatever bytes a peer sends, reading either succeeds or fails
 * with a {@link ProtocolException} caused by the JSON itself, never by a bug of ours hidden behind
 * "malformed JSON"; and what was read writes back to something that reads the same.
 *
 * <p>Under plain {@code mvn verify} each target replays its regression inputs from
 * {@code src/test/resources/dev/tandem/sync/fuzz/ProtocolCodecFuzzTestInputs/<target>/}. To fuzz,
 * run with {@code JAZZER_FUZZ=1} (see TESTING.md); new crashing inputs land in that folder.
 */
class ProtocolCodecFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void pushRequest(byte[] body) {
    PushRequest r = readOrNull(body, ProtocolCodec::readPushRequest);
    if (r != null && r.changes().stream().allMatch(ProtocolCodecFuzzTest::complete)) {
      PushRequest back = ProtocolCodec.readPushRequest(ProtocolCodec.writePushRequest(r));
      assertEquals(r.batchId(), back.batchId());
      assertEquals(r.deviceId(), back.deviceId());
      assertEquals(r.changes(), back.changes());
    }
  }

  @FuzzTest(maxDuration = "60s")
  void pushResponse(byte[] body) {
    PushResponse r = readOrNull(body, ProtocolCodec::readPushResponse);
    if (r != null) {
      PushResponse back = ProtocolCodec.readPushResponse(ProtocolCodec.writePushResponse(r));
      assertEquals(r.synced(), back.synced());
      assertEquals(r.cursor(), back.cursor());
      assertEquals(r.conflicts().size(), back.conflicts().size());
      assertEquals(r.errors().size(), back.errors().size());
    }
  }

  @FuzzTest(maxDuration = "60s")
  void pullResponse(byte[] body) {
    PullResponse r = readOrNull(body, ProtocolCodec::readPullResponse);
    if (r != null && r.changes().stream().allMatch(ProtocolCodecFuzzTest::complete)) {
      PullResponse back = ProtocolCodec.readPullResponse(ProtocolCodec.writePullResponse(r));
      assertEquals(r.changes(), back.changes());
      assertEquals(r.cursor(), back.cursor());
      assertEquals(r.hasMore(), back.hasMore());
    }
  }

  @FuzzTest(maxDuration = "30s")
  void errorBody(byte[] body) {
    // Never throws: an unreadable error body is simply "not an error body".
    ProtocolCodec.readError(body);
  }

  private static <T> T readOrNull(byte[] body, Function<byte[], T> reader) {
    try {
      return reader.apply(body);
    } catch (ProtocolException e) {
      Throwable cause = e.getCause();
      if (cause != null && !(cause instanceof IOException)) {
        fail("a bug was reported as bad input: " + cause, cause);
      }
      return null;
    }
  }

  /**
   * Entries with wrongly typed fields are kept half-empty (null fields, or {@code ""} for data
   * that is not an object) for the server to refuse one by one; they are never written back.
   */
  private static boolean complete(Change c) {
    return c.type() != null && c.id() != null && c.op() != null && c.hlc() != null
        && !"".equals(c.data());
  }
}
