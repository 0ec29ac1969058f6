package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.testing.FakeSyncServer;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each outcome a resolver can choose, applied by the engine when a remote version meets a pending
 * local edit: every device and the server end with the same version.
 */
class EngineResolutionTest {
  private final FakeSyncServer server = new FakeSyncServer();
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final List<Tandem> opened = new ArrayList<>();

  private static final ConflictResolver KEEP_LOCAL = (base, local, remote) ->
      ConflictResolver.Resolution.local(Collections.<Conflict>emptyList());

  private Tandem device(String id, ConflictResolver resolver) {
    Tandem.Builder b = Tandem.builder().store(new InMemoryStore(clock)).deviceId(id)
        .transport(server.transport(id)).clock(clock).autoSync(false).registerType("note");
    if (resolver != null) {
      b.conflictResolver(resolver);
    }
    Tandem t = b.build();
    opened.add(t);
    return t;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(Tandem::close);
  }

  private static String json(Tandem t, String type, String id) {
    Record r = t.records(type).get(id);
    return r == null ? null : r.json();
  }

  @Test
  void keptOlderLocalVersion_isRestampedNewer_soTheServerAndOthersTakeIt() {
    Tandem a = device("a", KEEP_LOCAL);
    Tandem b = device("b", null);
    Record older = a.records("note").put("n", "{\"by\":\"a\"}");
    clock.advance(10);
    b.records("note").put("n", "{\"by\":\"b\"}");
    b.syncNow();

    SyncResult r = a.syncNow();
    b.syncNow();

    assertTrue(r.ok(), r.toString());
    assertEquals("{\"by\":\"a\"}", server.contents().get("note/n").data());
    assertEquals("{\"by\":\"a\"}", json(b, "note", "n"));
    Record kept = a.records("note").get("n");
    assertTrue(kept.hlc().isAfter(older.hlc()), "re-stamped");
    assertEquals(kept.hlc().toString(), server.contents().get("note/n").hlc());
    assertEquals(0, a.status().pending());
  }

  @Test
  void keptNewerLocalVersion_keepsItsClock() {
    Tandem a = device("a", KEEP_LOCAL);
    Tandem b = device("b", null);
    b.records("note").put("n", "{\"by\":\"b\"}");
    clock.advance(10);
    Record newer = a.records("note").put("n", "{\"by\":\"a\"}");
    b.syncNow();

    a.syncNow();

    assertEquals(newer.hlc(), a.records("note").get("n").hlc());
    assertEquals(newer.hlc().toString(), server.contents().get("note/n").hlc());
  }

  @Test
  void mergedVersion_isWrittenWithAFreshClock_sentAndHeardByListeners() {
    ConflictResolver concat = (base, local, remote) -> ConflictResolver.Resolution.merged(
        "{\"v\":\"" + local.data().get("v").asText() + "+" + remote.data().get("v").asText()
            + "\"}",
        Collections.singletonList(new Conflict(local.type(), local.id(), "v", null, null,
            Conflict.MERGED, local.hlc(), remote.hlc(), 0)));
    Tandem a = device("a", concat);
    Tandem b = device("b", null);
    List<Record> heard = new ArrayList<>();
    a.addListener(new SyncListener() {
      @Override
      public void onRemoteChange(Record record) {
        heard.add(record);
      }
    }, Runnable::run);
    a.records("note").put("n", "{\"v\":\"a\"}");
    clock.advance(10);
    Record remote = b.records("note").put("n", "{\"v\":\"b\"}");
    b.syncNow();
    clock.advance(10);

    SyncResult r = a.syncNow();
    b.syncNow();

    assertEquals("{\"v\":\"a+b\"}", json(a, "note", "n"));
    assertEquals("{\"v\":\"a+b\"}", json(b, "note", "n"));
    assertTrue(a.records("note").get("n").hlc().isAfter(remote.hlc()));
    assertEquals(1, heard.size());
    assertEquals("{\"v\":\"a+b\"}", heard.get(0).json());
    assertEquals(1, r.conflicts().size());
    assertEquals(clock.millis(), r.conflicts().get(0).decidedAt(), "stamped when decided");
    assertEquals(r.conflicts(), a.conflicts(10));
  }

  @Test
  void mergedDeletion_deletesOnEveryDevice() {
    ConflictResolver delete = (base, local, remote) ->
        ConflictResolver.Resolution.mergedDeletion(Collections.<Conflict>emptyList());
    Tandem a = device("a", delete);
    Tandem b = device("b", null);
    a.records("note").put("n", "{\"v\":1}");
    clock.advance(10);
    b.records("note").put("n", "{\"v\":2}");
    b.syncNow();

    a.syncNow();
    b.syncNow();

    assertNull(a.records("note").get("n"));
    assertNull(b.records("note").get("n"));
    assertTrue(server.contents().get("note/n").isDelete());
    assertTrue(a.conflicts(10).isEmpty(), "a clean merge reports nothing");
  }

  @Test
  void conflictAlreadyStampedByTheResolver_keepsItsTime() {
    ConflictResolver stamped = (base, local, remote) -> ConflictResolver.Resolution.remote(
        Collections.singletonList(new Conflict(local.type(), local.id(), "", null, null,
            Conflict.REMOTE_WINS, local.hlc(), remote.hlc(), 123)));
    Tandem a = device("a", stamped);
    Tandem b = device("b", null);
    a.records("note").put("n", "{\"v\":1}");
    b.records("note").put("n", "{\"v\":2}");
    b.syncNow();

    SyncResult r = a.syncNow();

    assertEquals(123, r.conflicts().get(0).decidedAt());
    assertEquals("{\"v\":2}", json(a, "note", "n"));
  }

  @Test
  void resolverForAType_isUsedForThatTypeOnly() {
    Tandem.Builder builder = Tandem.builder().store(new InMemoryStore(clock)).deviceId("a")
        .transport(server.transport("a")).clock(clock).autoSync(false).registerType("note")
        .conflictResolver("note", KEEP_LOCAL);
    Tandem a = builder.build();
    opened.add(a);
    Tandem b = device("b", null);
    a.records("note").put("n", "{\"by\":\"a\"}");
    a.records("conversation").put("c", "{\"by\":\"a\"}");
    clock.advance(10);
    b.records("note").put("n", "{\"by\":\"b\"}");
    b.records("conversation").put("c", "{\"by\":\"b\"}");
    b.syncNow();

    a.syncNow();
    b.syncNow();

    assertEquals("{\"by\":\"a\"}", json(b, "note", "n"), "the note resolver kept a's");
    assertEquals("{\"by\":\"b\"}", json(a, "conversation", "c"), "the default took the later");
  }

  @Test
  void sameContentFromBothSides_isNoConflict() {
    Tandem a = device("a", null);
    Tandem b = device("b", null);
    a.records("note").put("n", "{\"v\":1}");
    clock.advance(10);
    b.records("note").put("n", "{\"v\":1}");
    b.syncNow();

    SyncResult r = a.syncNow();

    assertTrue(r.conflicts().isEmpty(), r.toString());
    assertEquals(0, a.status().pending());
    assertEquals(((InMemoryStore) a.store()).snapshot(), ((InMemoryStore) b.store()).snapshot());
  }
}
