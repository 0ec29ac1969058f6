package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull leaves out the pulling device's own changes and still moves its cursor past them, so a
 * device never downloads its own pushes again and never misses another device's change.
 */
class PullSkipsOwnChangesTest {
  @TempDir Path dir;
  TandemServer server;
  Device laptop;
  Device desk;
  long now = System.currentTimeMillis();

  @BeforeEach
  void start() {
    server = TandemServer.builder().port(0).dataDir(dir).build().start();
    laptop = Device.create(server, "team-1", "laptop-1");
    desk = Device.create(server, "team-1", "desk-2");
    // Sequence 1..7: laptop, laptop, desk, laptop, laptop, desk, laptop.
    push(laptop, "b1", "n-1", "n-2");
    push(desk, "b1", "d-1");
    push(laptop, "b2", "n-3", "n-4");
    push(desk, "b2", "d-2");
    push(laptop, "b3", "n-5");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void push(Device d, String batchId, String... ids) {
    String[] changes = new String[ids.length];
    for (int i = 0; i < ids.length; i++) {
      changes[i] = upsert("note", ids[i], hlc(now, i, d.device()), null, "{}");
    }
    HttpResponse<byte[]> r = d.push(batch(batchId, d.device(), changes));
    assertEquals(200, r.statusCode(), () -> text(r));
  }

  private static PullResponse pull(Device d, String query) {
    HttpResponse<byte[]> r = d.pull(query);
    assertEquals(200, r.statusCode(), () -> text(r));
    return ProtocolCodec.readPullResponse(r.body());
  }

  private static List<String> ids(PullResponse p) {
    return p.changes().stream().map(Change::id).toList();
  }

  @Test
  void pull_leavesOutOwnChanges_andEndsAtTheTeamsSequence() {
    PullResponse mine = pull(laptop, null);
    assertEquals(List.of("d-1", "d-2"), ids(mine));
    assertEquals("7", mine.cursor());
    assertFalse(mine.hasMore());
    PullResponse theirs = pull(desk, null);
    assertEquals(List.of("n-1", "n-2", "n-3", "n-4", "n-5"), ids(theirs));
    assertEquals("7", theirs.cursor());
  }

  @Test
  void pagedPull_skipsOwnChangesBetweenOthers_withoutLosingAny() {
    PullResponse p1 = pull(laptop, "limit=1");
    assertEquals(List.of("d-1"), ids(p1));
    assertEquals("3", p1.cursor());
    assertTrue(p1.hasMore());
    PullResponse p2 = pull(laptop, "since=" + p1.cursor() + "&limit=1");
    assertEquals(List.of("d-2"), ids(p2));
    assertEquals("7", p2.cursor(), "the trailing own change is passed too");
    assertFalse(p2.hasMore());
    PullResponse p3 = pull(laptop, "since=" + p2.cursor());
    assertEquals(List.of(), ids(p3));
    assertEquals("7", p3.cursor());
  }

  @Test
  void afterOnlyOwnPushes_theCursorMovesToTheEnd_andAheadOfItIsRefused() {
    PullResponse end = pull(laptop, "since=4");
    assertEquals(List.of("d-2"), ids(end));
    push(laptop, "b4", "n-6", "n-7");
    PullResponse own = pull(laptop, "since=7");
    assertEquals(List.of(), ids(own));
    assertEquals("9", own.cursor());
    assertError(laptop.pull("since=10"), 400, "bad_cursor");
  }

  @Test
  void aRecordLastWrittenByMe_isNotSentBack_evenIfAnotherDeviceWroteItBefore() {
    HttpResponse<byte[]> r = laptop.push(batch("b9", "laptop-1",
        upsert("note", "d-2", hlc(now + 1, 0, "laptop-1"), hlc(now, 0, "desk-2"), "{\"v\":9}")));
    assertEquals(200, r.statusCode(), () -> text(r));
    PullResponse p = pull(laptop, "since=5");
    assertEquals(List.of(), ids(p), "d-2's latest version is the laptop's own");
    assertEquals("8", p.cursor());
    PullResponse deskSees = pull(desk, "since=7");
    assertEquals(List.of("d-2"), ids(deskSees));
    assertEquals("{\"v\":9}", deskSees.changes().get(0).data());
  }
}
