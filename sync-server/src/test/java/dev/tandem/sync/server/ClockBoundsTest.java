package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.server.ServerTestSupport.Device;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL "Clock bounds" on the server: {@code clock_skew} and {@code invalid_hlc} per entry. */
class ClockBoundsTest {
  private static final long NOW = 1_750_000_000_000L;
  private static final long FIVE_MINUTES = 5 * 60_000L;

  @TempDir Path dir;
  final AtomicLong serverClock = new AtomicLong(NOW);
  TandemServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private TandemServer start(TandemServer.Builder b) {
    server = b.port(0).dataDir(dir).clock(serverClock::get).build().start();
    return server;
  }

  private static PushResponse ok(HttpResponse<byte[]> r) {
    assertEquals(200, r.statusCode(), () -> text(r));
    return ProtocolCodec.readPushResponse(r.body());
  }

  private static Map<String, String> codesById(PushResponse r) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (PushResponse.EntryError e : r.errors()) {
      out.put(e.id(), e.code());
    }
    return out;
  }

  @Test
  void farFutureClock_isRefusedPerEntry_andTheRestApplies() {
    start(TandemServer.builder());
    Device laptop = Device.create(server, "team-1", "laptop-1");
    PushResponse r = ok(laptop.push(batch("b1", "laptop-1",
        upsert("note", "forged", "ffffffffffff-ffff-laptop-1", null, "{\"v\":\"forged\"}"),
        upsert("note", "just-over", hlc(NOW + FIVE_MINUTES + 1, 0, "laptop-1"), null, "{}"),
        upsert("note", "at-bound", hlc(NOW + FIVE_MINUTES, 0, "laptop-1"), null, "{}"),
        upsert("note", "past", hlc(NOW - 3_600_000, 0, "laptop-1"), null, "{}"))));
    assertEquals(Map.of("forged", "clock_skew", "just-over", "clock_skew"), codesById(r));
    assertTrue(r.errors().get(0).message().contains("ahead of the server"),
        r.errors().get(0).message());
    assertEquals(Map.of("note", 2), r.synced());
    List<String> stored = server.store().changesSince("team-1", 0, 10).stream()
        .map(Change::id).toList();
    assertEquals(List.of("at-bound", "past"), stored);
  }

  @Test
  void forgedClock_cannotWinALaterRealEdit() {
    start(TandemServer.builder());
    Device laptop = Device.create(server, "team-1", "laptop-1");
    Device desk = Device.create(server, "team-1", "desk-2");
    String v1 = hlc(NOW, 0, "desk-2");
    ok(desk.push(batch("b1", "desk-2", upsert("note", "n-1", v1, null, "{\"v\":1}"))));
    PushResponse forged = ok(laptop.push(batch("b1", "laptop-1",
        upsert("note", "n-1", "ffffffffffff-ffff-laptop-1", v1, "{\"v\":\"forged\"}"))));
    assertEquals(Map.of("n-1", "clock_skew"), codesById(forged));
    serverClock.addAndGet(1000);
    PushResponse later = ok(desk.push(batch("b2", "desk-2",
        upsert("note", "n-1", hlc(NOW + 1000, 0, "desk-2"), v1, "{\"v\":2}"))));
    assertEquals(List.of(), later.conflicts());
    assertEquals("{\"v\":2}", server.store().changesSince("team-1", 0, 10).get(0).data());
  }

  @Test
  void hlcNamingAnotherDevice_isInvalidHlc_butABaseFromAnotherDeviceIsFine() {
    start(TandemServer.builder());
    Device laptop = Device.create(server, "team-1", "laptop-1");
    Device desk = Device.create(server, "team-1", "desk-2");
    String deskVersion = hlc(NOW - 10, 0, "desk-2");
    ok(desk.push(batch("b1", "desk-2", upsert("note", "n-1", deskVersion, null, "{\"v\":1}"))));
    PushResponse r = ok(laptop.push(batch("b1", "laptop-1",
        upsert("note", "n-1", hlc(NOW, 0, "desk-2"), deskVersion, "{\"v\":\"as desk\"}"),
        upsert("note", "n-2", hlc(NOW, 0, "laptop-1"), deskVersion, "{\"v\":\"mine\"}"))));
    assertEquals(Map.of("n-1", "invalid_hlc"), codesById(r));
    assertTrue(r.errors().get(0).message().contains("desk-2"), r.errors().get(0).message());
    assertEquals(Map.of("note", 1), r.synced());
    Change n1 = server.store().inTeamTransaction("team-1", tx -> tx.current("note", "n-1"));
    assertEquals(deskVersion, n1.hlc());
  }

  @Test
  void futureBaseHlc_isOnlyCheckedForFormat() {
    start(TandemServer.builder());
    Device laptop = Device.create(server, "team-1", "laptop-1");
    PushResponse r = ok(laptop.push(batch("b1", "laptop-1",
        upsert("note", "n-1", hlc(NOW, 0, "laptop-1"), "ffffffffffff-ffff-desk-2", "{}"))));
    assertEquals(Map.of(), codesById(r));
  }

  @Test
  void skewBound_isConfigurable_andFollowsTheServerClock() {
    start(TandemServer.builder().maxClockSkew(Duration.ofSeconds(10)));
    Device laptop = Device.create(server, "team-1", "laptop-1");
    String h = hlc(NOW + 20_000, 0, "laptop-1");
    PushResponse early = ok(laptop.push(batch("b1", "laptop-1", upsert("note", "n", h, null,
        "{}"))));
    assertEquals(Map.of("n", "clock_skew"), codesById(early));
    serverClock.addAndGet(10_000);
    PushResponse later = ok(laptop.push(batch("b2", "laptop-1", upsert("note", "n", h, null,
        "{}"))));
    assertEquals(Map.of(), codesById(later));
    assertThrows(IllegalArgumentException.class,
        () -> TandemServer.builder().maxClockSkew(Duration.ZERO));
  }

  @Test
  void pull_reportsTheServerClock() {
    start(TandemServer.builder());
    Device desk = Device.create(server, "team-1", "desk-2");
    HttpResponse<byte[]> r = desk.pull(null);
    assertEquals(200, r.statusCode(), () -> text(r));
    PullResponse p = ProtocolCodec.readPullResponse(r.body());
    assertEquals(NOW, p.serverTimestamp());
  }
}
