package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A push whose answer is lost may still have been stored, and the server never sends a device
 * its own changes back. When another device's version is built on that unanswered version (its
 * base names it), the engine merges against it, not against the older base it last heard of:
 * otherwise the device's own earlier edit looks like a conflicting one and a field-wise merge
 * can undo it.
 */
class UnansweredPushBaseTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();
  private final List<Record> basesSeen = new ArrayList<>();

  /** Top-level fields: each side's change since the base is kept; both changed → remote. */
  private final ConflictResolver fieldMerge = (base, local, remote) -> {
    basesSeen.add(base);
    ObjectNode b = base == null || base.deleted() ? Json.object() : base.data();
    ObjectNode out = remote.data().deepCopy();
    for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it =
        local.data().fields(); it.hasNext(); ) {
      Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> f = it.next();
      boolean localChanged = !f.getValue().equals(b.get(f.getKey()));
      boolean remoteChanged = !java.util.Objects.equals(remote.data().get(f.getKey()),
          b.get(f.getKey()));
      if (localChanged && !remoteChanged) {
        out.set(f.getKey(), f.getValue());
      }
    }
    return ConflictResolver.Resolution.merged(Json.write(out), Collections.<Conflict>emptyList());
  };

  private Tandem open(String deviceId) {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId(deviceId)
        .transport(server.transport(deviceId)).clock(clock).autoSync(false)
        .registerType("note").conflictResolver(fieldMerge).build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void close() {
    opened.forEach(Tandem::close);
  }

  @Test
  void anotherDevicesVersionBuiltOnAnUnansweredPush_isMergedAgainstThatPush() {
    Tandem a = open("a");
    Tandem b = open("b");
    a.records("note").put("n", "{\"fa\":\"0\",\"fb\":\"0\"}");
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());

    clock.advance(10);
    Record first = a.records("note").put("n", "{\"fa\":\"1\",\"fb\":\"0\"}");
    server.loseNextResponse("a");
    assertFalse(a.syncNow().ok(), "the server stored a's push, but a never heard back");
    clock.advance(10);
    a.records("note").put("n", "{\"fa\":\"2\",\"fb\":\"0\"}"); // coalesced with the unanswered one

    clock.advance(10);
    assertTrue(b.syncNow().ok());
    assertEquals("1", b.records("note").get("n").data().get("fa").asText());
    b.records("note").put("n", "{\"fa\":\"1\",\"fb\":\"b\"}");
    assertTrue(b.syncNow().ok());

    clock.advance(10);
    assertTrue(a.syncNow().ok());

    assertEquals(first, basesSeen.get(basesSeen.size() - 1),
        "b's version names a's unanswered push as its base");
    ObjectNode merged = a.records("note").get("n").data();
    assertEquals("2", merged.get("fa").asText(), "a's last edit survives: " + merged);
    assertEquals("b", merged.get("fb").asText(), "b's edit survives: " + merged);
    assertTrue(b.syncNow().ok());
    assertEquals(merged, b.records("note").get("n").data());
  }
}
