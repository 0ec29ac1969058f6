package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target for {@code POST /sync/batch}: whatever body a device sends, the server answers
 * 200 or a 4xx with a protocol error body, never 500, and keeps serving. A 200 accounts for every
 * entry (synced, refused in {@code errors}, or lost as {@code remote_wins}) the first time its batch id is seen. (403 answers a body
 * whose {@code deviceId} is not the token's device.)
 *
 * <p>Plain {@code mvn verify} replays the inputs in
 * {@code src/test/resources/dev/tandem/sync/server/BatchEndpointFuzzTestInputs/batch/}; run with
 * {@code JAZZER_FUZZ=1} to fuzz (TESTING.md).
 */
class BatchEndpointFuzzTest {
  private static final Set<Integer> REFUSALS = Set.of(400, 403, 413, 415, 429, 503);

  private static Path dir;
  private static TandemServer server;
  private static Device device;
  private static final Set<String> batchIds = new HashSet<>();

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("tandem-fuzz");
    server = TandemServer.builder().port(0).dataDir(dir).adminToken("admin-secret")
        .maxRecordBytes(4096).build().start();
    device = Device.create(server, "team-1", "laptop-1");
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  @FuzzTest(maxDuration = "120s")
  void batch(byte[] body) {
    HttpResponse<byte[]> r = device.push(body, null);
    int status = r.statusCode();
    if (status == 200) {
      PushResponse answer = ProtocolCodec.readPushResponse(r.body());
      int synced = answer.synced().values().stream().mapToInt(Integer::intValue).sum();
      PushRequest request = ProtocolCodec.readPushRequest(body);
      if (!batchIds.add(request.batchId())) {
        return; // a re-sent batch id gets the first answer again, by design
      }
      int entries = request.changes().size();
      // An entry that loses to the version the server holds is reported as remote_wins, not stored.
      long lost = answer.conflicts().stream().filter(c -> "remote_wins".equals(c.resolution())).count();
      assertEquals(entries, synced + answer.errors().size() + lost,
          "every entry is synced or refused: " + ServerTestSupport.text(r));
    } else {
      assertTrue(REFUSALS.contains(status), "status " + status + ": " + ServerTestSupport.text(r));
      assertTrue(ProtocolCodec.readError(r.body()) != null, "a refusal has an error body");
    }
    assertEquals(200, ServerTestSupport.send(server, "GET", "/health", null).statusCode());
  }
}
