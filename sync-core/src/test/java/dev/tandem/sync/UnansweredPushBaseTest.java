package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.ConflictResolver.Resolution;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.ProbeTransport;
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
  private final ConflictResolver fieldMerge = new FieldMerge();
  private boolean conditional = true;

  private final class FieldMerge implements ConflictResolver {
    @Override
    public boolean mergesFromBase() {
      return conditional;
    }

    @Override
    public Resolution resolve(Record base, Record local, Record remote) {
      return merge(base, local, remote);
    }
  }

  private Resolution merge(Record base, Record local, Record remote) {
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
  }

  private Tandem open(String deviceId) {
    return open(deviceId, server.transport(deviceId));
  }

  private Tandem open(String deviceId, dev.tandem.sync.spi.Transport transport) {
    Tandem t = Tandem.builder().store(new InMemoryStore(clock)).deviceId(deviceId)
        .transport(transport).clock(clock).autoSync(false)
        .registerType("note").conflictResolver(fieldMerge).build();
    opened.add(t);
    return t;
  }

  /**
   * a and b agree on note n; then b changes {@code fb} and a changes {@code fa}, and b pushes its
   * change between a's pull and a's push.
   */
  private void editOnBothSides_bPushingJustBeforeA(ProbeTransport probe, Tandem a, Tandem b) {
    a.records("note").put("n", "{\"fa\":\"0\",\"fb\":\"0\"}");
    assertTrue(a.syncNow().ok());
    assertTrue(b.syncNow().ok());
    clock.advance(10);
    b.records("note").put("n", "{\"fa\":\"0\",\"fb\":\"b\"}");
    clock.advance(10);
    a.records("note").put("n", "{\"fa\":\"a\",\"fb\":\"0\"}");
    probe.beforeNextPush(() -> assertTrue(b.syncNow().ok()));
  }

  @AfterEach
  void close() {
    opened.forEach(Tandem::close);
  }

  /**
   * b pushes between a's pull and a's push. Conditional pushes: the server refuses a's version,
   * made without b's, and answers with b's; a merges and pushes again in the same cycle.
   */
  @Test
  void aPushMadeWithoutTheStoredVersion_isRefused_mergedWithIt_andPushedAgain() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    Tandem b = open("b");
    editOnBothSides_bPushingJustBeforeA(probe, a, b);
    int before = probe.pushes().size();
    List<Record> heard = new ArrayList<>();
    a.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        heard.add(record);
      }
    }, Runnable::run);

    SyncResult r = a.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals(1, r.pulled(), "the merge of the version sent with the refusal: " + r);
    assertEquals(1, heard.size(), "the merge is heard as a remote change");
    assertEquals("{\"fa\":\"a\",\"fb\":\"b\"}", heard.get(0).json());
    List<dev.tandem.sync.protocol.PushRequest> pushes =
        probe.pushes().subList(before, probe.pushes().size());
    assertEquals(2, pushes.size(), "refused once, then the merge went out");
    assertTrue(pushes.get(0).changes().get(0).ifBase());
    String onServer = server.contents().get("note/n").data();
    assertEquals("{\"fa\":\"a\",\"fb\":\"b\"}", onServer);
    assertTrue(b.syncNow().ok());
    assertEquals(Json.parseObject(onServer), b.records("note").get("n").data(),
        "b's edit was never replaced by a version made without it");
    assertEquals(0, a.status().pending());
  }

  /** Without conditional pushes (a resolver that picks a side): the later clock simply wins. */
  @Test
  void withoutConditionalPushes_theLaterClockReplacesTheStoredVersion() {
    conditional = false;
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    Tandem b = open("b");
    editOnBothSides_bPushingJustBeforeA(probe, a, b);

    assertTrue(a.syncNow().ok());

    assertFalse(probe.pushes().get(0).changes().get(0).ifBase());
    assertEquals("{\"fa\":\"a\",\"fb\":\"0\"}", server.contents().get("note/n").data());
  }

  @Test
  void anotherDevicesVersionBuiltOnAnUnansweredPush_isMergedAgainstThatPush() {
    anotherDevicesVersionBuiltOnAnUnansweredPush_isMergedAgainstIt();
  }

  /** The same, when the push cannot be asked about again: the pull finds the true base. */
  @Test
  void anotherDevicesVersionBuiltOnAnUnansweredUnconditionalPush_isMergedAgainstThatPush() {
    // Not asked about again (an unconditional push could overwrite), so the pull finds the base.
    conditional = false;
    anotherDevicesVersionBuiltOnAnUnansweredPush_isMergedAgainstIt();
  }

  private void anotherDevicesVersionBuiltOnAnUnansweredPush_isMergedAgainstIt() {
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

  private static long countBatch(ProbeTransport probe, String batchId) {
    return probe.pushes().stream().filter(p -> p.batchId().equals(batchId)).count();
  }

  /**
   * The next cycle asks the server about a push that got no answer by sending it again as it
   * was (the same batch id); the answer makes its version the base of the next push, and the
   * request is not asked about again. While the server stays unreachable, it is asked each cycle.
   */
  @Test
  void unansweredPush_isAskedAgainUntilAnswered_thenItsVersionIsTheBaseOfTheNextPush() {
    ProbeTransport probe = new ProbeTransport(server.transport("a"), clock);
    Tandem a = open("a", probe);
    a.records("note").put("n", "{\"fa\":\"0\"}");
    assertTrue(a.syncNow().ok());
    clock.advance(10);
    Record first = a.records("note").put("n", "{\"fa\":\"1\"}");
    server.loseNextResponse("a");
    assertFalse(a.syncNow().ok());
    String lost = probe.pushes().get(probe.pushes().size() - 1).batchId();
    clock.advance(10);
    a.records("note").put("n", "{\"fa\":\"2\"}");

    server.setOffline("a", true);
    assertFalse(a.syncNow().ok());
    assertEquals(2, countBatch(probe, lost), "asked again, but no answer yet");
    server.setOffline("a", false);
    int before = probe.pushes().size();

    assertTrue(a.syncNow().ok());

    assertEquals(3, countBatch(probe, lost), "asked once more, and answered");
    List<dev.tandem.sync.protocol.PushRequest> pushes =
        probe.pushes().subList(before, probe.pushes().size());
    assertEquals(lost, pushes.get(0).batchId(), "asked before anything else is pushed");
    dev.tandem.sync.protocol.Change next = pushes.get(1).changes().get(0);
    assertEquals(first.hlc().toString(), next.baseHlc(),
        "the answered version is the base of the edit made after it");
    assertEquals("{\"fa\":\"2\"}", server.contents().get("note/n").data());

    clock.advance(10);
    a.records("note").put("n", "{\"fa\":\"3\"}");
    assertTrue(a.syncNow().ok());
    assertEquals(3, countBatch(probe, lost), "an answered push is not asked about again");
  }
}
