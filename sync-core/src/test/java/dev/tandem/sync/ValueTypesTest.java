package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ChangeError;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.StoreConfig;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The value types compare by every field that defines them, so that convergence checks, outbox
 * bookkeeping and conflict lists cannot call two different versions equal.
 */
class ValueTypesTest {
  private static final Hlc H1 = Hlc.of(1000, 1, "a");
  private static final Hlc H2 = Hlc.of(1000, 2, "a");

  /** {@code same} equals {@code value}; every variant differs from it; none equals a stranger. */
  private static void assertEqualityByEveryField(Object value, Object same, Object... variants) {
    assertEquals(value, same);
    assertEquals(same, value);
    assertEquals(value.hashCode(), same.hashCode());
    assertEquals(value, value);
    assertNotEquals(value, null);
    assertFalse(value.equals("not a " + value.getClass().getSimpleName()));
    Set<Integer> hashes = new HashSet<>();
    hashes.add(value.hashCode());
    for (Object v : variants) {
      assertNotEquals(value, v, "should differ: " + v);
      assertNotEquals(v, value, "should differ: " + v);
      hashes.add(v.hashCode());
    }
    assertTrue(hashes.size() > 1, "hash codes do not depend on the content");
  }

  @Test
  void record_equalsByTypeIdClockDeletionAndData() {
    Record r = Record.of("message", "m", H1, "{\"a\":1}");
    assertEqualityByEveryField(r, Record.of("message", "m", H1, "{\"a\":1}"),
        Record.of("note", "m", H1, "{\"a\":1}"),
        Record.of("message", "n", H1, "{\"a\":1}"),
        Record.of("message", "m", H2, "{\"a\":1}"),
        Record.of("message", "m", H1, "{\"a\":2}"),
        Record.tombstone("message", "m", H1));
    assertEquals(Record.tombstone("message", "m", H1), Record.tombstone("message", "m", H1));
  }

  @Test
  void record_dataIsParsedFreshly_andTombstonesHaveNone() {
    Record r = Record.of("message", "m", H1, "{\"a\":1}");
    r.data().put("a", 2);
    assertEquals(1, r.data().get("a").asInt());
    Record t = Record.tombstone("message", "m", H1);
    assertTrue(t.deleted());
    assertNull(t.json());
    assertNull(t.data());
    assertFalse(r.deleted());
    assertEquals(H2, r.withHlc(H2).hlc());
    assertEquals(r.json(), r.withHlc(H2).json());
    assertTrue(t.withHlc(H2).deleted());
  }

  @Test
  void record_toString_namesTheRecord_andShortensLongData() {
    Record r = Record.of("message", "m-1", H1, "{\"a\":1}");
    assertTrue(r.toString().contains("message/m-1"), r.toString());
    assertTrue(r.toString().contains("{\"a\":1}"), r.toString());
    assertTrue(Record.tombstone("message", "m-1", H1).toString().contains("deleted"));
    StringBuilder big = new StringBuilder("{\"x\":\"");
    for (int i = 0; i < 200; i++) {
      big.append('y');
    }
    String longJson = big.append("\"}").toString();
    String s = Record.of("message", "m-1", H1, longJson).toString();
    assertTrue(s.contains("…") && !s.contains(longJson), s);
    String exactly80 = longJson.substring(0, 78) + "\"}";
    assertEquals(80, exactly80.length());
    String shown = Record.of("message", "m-1", H1, exactly80).toString();
    assertTrue(shown.contains(exactly80) && !shown.contains("…"), shown);
  }

  @Test
  void record_refusesInvalidTypeIdOrMissingParts() {
    assertThrows(IllegalArgumentException.class, () -> Record.of("Bad", "m", H1, "{}"));
    assertThrows(IllegalArgumentException.class, () -> Record.of("message", "bad id", H1, "{}"));
    assertThrows(NullPointerException.class, () -> Record.of("message", "m", null, "{}"));
    assertThrows(NullPointerException.class, () -> Record.of("message", "m", H1, null));
  }

  @Test
  void change_equalsByEveryWireField() {
    Change c = new Change("message", "m", "upsert", "h", "b", "{}", 3, "d");
    assertEqualityByEveryField(c, new Change("message", "m", "upsert", "h", "b", "{}", 3, "d"),
        new Change("note", "m", "upsert", "h", "b", "{}", 3, "d"),
        new Change("message", "n", "upsert", "h", "b", "{}", 3, "d"),
        new Change("message", "m", "delete", "h", "b", "{}", 3, "d"),
        new Change("message", "m", "upsert", "h2", "b", "{}", 3, "d"),
        new Change("message", "m", "upsert", "h", "b2", "{}", 3, "d"),
        new Change("message", "m", "upsert", "h", "b", "{\"x\":1}", 3, "d"),
        new Change("message", "m", "upsert", "h", "b", "{}", 4, "d"),
        new Change("message", "m", "upsert", "h", "b", "{}", 3, "e"));
  }

  @Test
  void change_toRecord_carriesTheRecord() {
    Record live = Record.of("message", "m", H2, "{\"a\":1}");
    Change c = new Change("message", "m", Change.UPSERT, H2.toString(), H1.toString(),
        "{\"a\":1}", 0, null);
    assertEquals(live, c.toRecord());
    Change d = new Change("message", "m", Change.DELETE, H2.toString(), null, null, 0, null);
    assertEquals(Change.DELETE, d.op());
    assertTrue(d.isDelete());
    assertNull(d.baseHlc());
    assertNull(d.data());
    assertTrue(d.toRecord().deleted());
    assertFalse(c.isDelete());
  }

  @Test
  void change_withSeq_keepsTheChange_andAddsOrigin() {
    Change c = new Change("message", "m", "upsert", H1.toString(), null, "{}", 0, null);
    Change served = c.withSeq(7, "dev-b");
    assertEquals(7, served.seq());
    assertEquals("dev-b", served.deviceId());
    assertEquals(c.hlc(), served.hlc());
    assertEquals(c.data(), served.data());
    assertTrue(served.toString().contains("seq=7"), served.toString());
    assertFalse(c.toString().contains("seq="), c.toString());
    assertTrue(c.toString().contains("message/m"), c.toString());
  }

  @Test
  void conflict_equalsByEveryField_andStampsDecisionTime() {
    Conflict c = new Conflict("message", "m", "content", "1", "2", Conflict.MERGED, H1, H2, 5);
    assertEqualityByEveryField(c,
        new Conflict("message", "m", "content", "1", "2", Conflict.MERGED, H1, H2, 5),
        new Conflict("note", "m", "content", "1", "2", Conflict.MERGED, H1, H2, 5),
        new Conflict("message", "n", "content", "1", "2", Conflict.MERGED, H1, H2, 5),
        new Conflict("message", "m", "title", "1", "2", Conflict.MERGED, H1, H2, 5),
        new Conflict("message", "m", "content", "9", "2", Conflict.MERGED, H1, H2, 5),
        new Conflict("message", "m", "content", "1", "9", Conflict.MERGED, H1, H2, 5),
        new Conflict("message", "m", "content", "1", "2", Conflict.LOCAL_WINS, H1, H2, 5),
        new Conflict("message", "m", "content", "1", "2", Conflict.MERGED, H2, H2, 5),
        new Conflict("message", "m", "content", "1", "2", Conflict.MERGED, H1, H1, 5),
        new Conflict("message", "m", "content", "1", "2", Conflict.MERGED, H1, H2, 6));
    Conflict stamped = c.withDecidedAt(99);
    assertEquals(99, stamped.decidedAt());
    assertEquals(Arrays.asList("message", "m", "content", "1", "2", Conflict.MERGED),
        Arrays.asList(stamped.type(), stamped.id(), stamped.path(), stamped.localValue(),
            stamped.remoteValue(), stamped.resolution()));
    assertEquals(H1, stamped.localHlc());
    assertEquals(H2, stamped.remoteHlc());
    assertTrue(c.toString().contains("message/m content merged"), c.toString());
    assertEquals("Conflict{message/m local_wins}", new Conflict("message", "m", "", null, null,
        Conflict.LOCAL_WINS, null, null, 0).toString());
    assertThrows(NullPointerException.class,
        () -> new Conflict("message", "m", null, null, null, Conflict.MERGED, null, null, 0));
  }

  @Test
  void hlc_equalsByWallCounterAndDevice() {
    assertEqualityByEveryField(H1, Hlc.of(1000, 1, "a"), Hlc.of(1001, 1, "a"),
        Hlc.of(1000, 2, "a"), Hlc.of(1000, 1, "b"));
    assertEquals("a", H1.deviceId());
    assertFalse(H1.isAfter(Hlc.parse(H1.toString())), "a clock is not after itself");
    assertTrue(H2.isAfter(H1));
    assertEquals("0000000003e8-0001-device-with-a-long-name",
        Hlc.of(1000, 1, "device-with-a-long-name").toString());
  }

  @Test
  void localRecord_equalsByCurrentAndBase() {
    Record cur = Record.of("message", "m", H2, "{}");
    Record base = Record.of("message", "m", H1, "{}");
    LocalRecord lr = new LocalRecord(cur, base);
    assertEqualityByEveryField(lr, new LocalRecord(cur, base), new LocalRecord(base, base),
        new LocalRecord(cur, null), new LocalRecord(cur, cur));
    assertEquals(new LocalRecord(cur, null), new LocalRecord(cur, null));
    assertTrue(lr.toString().contains("base="), lr.toString());
    assertThrows(NullPointerException.class, () -> new LocalRecord(null, base));
  }

  @Test
  void outboxEntry_equalsByEveryColumn() {
    OutboxEntry e = entry(1, "message", "m", "upsert", H1, OutboxEntry.Status.PENDING, 0, null,
        10, 20, 30);
    assertEqualityByEveryField(e,
        entry(1, "message", "m", "upsert", H1, OutboxEntry.Status.PENDING, 0, null, 10, 20, 30),
        entry(2, "message", "m", "upsert", H1, OutboxEntry.Status.PENDING, 0, null, 10, 20, 30),
        entry(1, "note", "m", "upsert", H1, OutboxEntry.Status.PENDING, 0, null, 10, 20, 30),
        entry(1, "message", "n", "upsert", H1, OutboxEntry.Status.PENDING, 0, null, 10, 20, 30),
        entry(1, "message", "m", "delete", H1, OutboxEntry.Status.PENDING, 0, null, 10, 20, 30),
        entry(1, "message", "m", "upsert", H2, OutboxEntry.Status.PENDING, 0, null, 10, 20, 30),
        entry(1, "message", "m", "upsert", H1, OutboxEntry.Status.FAILED, 0, null, 10, 20, 30),
        entry(1, "message", "m", "upsert", H1, OutboxEntry.Status.PENDING, 1, null, 10, 20, 30),
        entry(1, "message", "m", "upsert", H1, OutboxEntry.Status.PENDING, 0, "x", 10, 20, 30),
        entry(1, "message", "m", "upsert", H1, OutboxEntry.Status.PENDING, 0, null, 11, 20, 30),
        entry(1, "message", "m", "upsert", H1, OutboxEntry.Status.PENDING, 0, null, 10, 21, 30),
        entry(1, "message", "m", "upsert", H1, OutboxEntry.Status.PENDING, 0, null, 10, 20, 31));
    OutboxEntry f = entry(7, "message", "m", "delete", H2, OutboxEntry.Status.FAILED, 3, "boom",
        10, 20, 30);
    assertEquals(Arrays.<Object>asList(7L, "message", "m", "delete", H2,
        OutboxEntry.Status.FAILED, 3, "boom", 10L, 20L, 30L), Arrays.<Object>asList(f.id(),
        f.type(), f.entityId(), f.action(), f.hlc(), f.status(), f.retryCount(),
        f.errorMessage(), f.createdAt(), f.updatedAt(), f.nextAttemptAt()));
    assertEquals("OutboxEntry{#7 message/m delete FAILED tries=3}", f.toString());
    assertEquals("pending", OutboxEntry.Status.PENDING.wireName());
    assertEquals("synced", OutboxEntry.Status.SYNCED.wireName());
  }

  private static OutboxEntry entry(long id, String type, String entityId, String action, Hlc hlc,
      OutboxEntry.Status status, int tries, String error, long created, long updated, long next) {
    return new OutboxEntry(id, type, entityId, action, hlc, status, tries, error, created, updated,
        next);
  }

  @Test
  void pushResponseParts_equalByEveryField() {
    PushResponse.Conflict c = new PushResponse.Conflict("message", "m", "remote_wins", "h");
    assertEqualityByEveryField(c, new PushResponse.Conflict("message", "m", "remote_wins", "h"),
        new PushResponse.Conflict("note", "m", "remote_wins", "h"),
        new PushResponse.Conflict("message", "n", "remote_wins", "h"),
        new PushResponse.Conflict("message", "m", "local_wins", "h"),
        new PushResponse.Conflict("message", "m", "remote_wins", "g"));
    PushResponse.EntryError e = new PushResponse.EntryError("message", "m", "invalid_id", "x");
    assertEqualityByEveryField(e, new PushResponse.EntryError("message", "m", "invalid_id", "x"),
        new PushResponse.EntryError("note", "m", "invalid_id", "x"),
        new PushResponse.EntryError("message", "n", "invalid_id", "x"),
        new PushResponse.EntryError("message", "m", "invalid_op", "x"),
        new PushResponse.EntryError("message", "m", "invalid_id", "y"));
  }

  @Test
  void pushResponse_keepsWhatTheServerSaid() {
    PushResponse r = new PushResponse(false, Collections.singletonMap("message", 2),
        Collections.singletonList(new PushResponse.Conflict("message", "m", "local_wins", "h")),
        Collections.<PushResponse.EntryError>emptyList(), "9");
    assertFalse(r.success());
    assertEquals(Map.of("message", 2), r.synced());
    assertEquals(1, r.conflicts().size());
    assertTrue(r.errors().isEmpty());
    assertEquals("9", r.cursor());
    assertThrows(UnsupportedOperationException.class, () -> r.conflicts().clear());
  }

  @Test
  void pullResponseAndPushRequest_keepWhatTheySaid() {
    PullResponse p = new PullResponse(Collections.<Change>emptyList(), "4", false, 77);
    assertFalse(p.hasMore());
    assertEquals("4", p.cursor());
    assertEquals(77, p.serverTimestamp());
    PushRequest q = new PushRequest("b", "dev-a", Collections.<Change>emptyList());
    assertEquals("dev-a", q.deviceId());
    assertEquals("b", q.batchId());
    assertThrows(NullPointerException.class, () -> new PushRequest("b", "d", null));
  }

  @Test
  void changeError_equalsByCodeAndMessage() {
    ChangeError e = new ChangeError("invalid_id", "bad");
    assertEqualityByEveryField(e, new ChangeError("invalid_id", "bad"),
        new ChangeError("invalid_op", "bad"), new ChangeError("invalid_id", "worse"));
    assertEquals("bad", e.message());
    assertEquals("invalid_id: bad", e.toString());
    assertThrows(NullPointerException.class, () -> new ChangeError((String) null, "m"));
    assertThrows(NullPointerException.class, () -> new ChangeError("c", null));
  }

  @Test
  void searchHit_equalsByMessageTimeSnippetAndRank() {
    SearchHit h = new SearchHit("c", "m", "Title", 5, "a [b] c", 1.5);
    assertEqualityByEveryField(h, new SearchHit("c", "m", "Title", 5, "a [b] c", 1.5),
        new SearchHit("d", "m", "Title", 5, "a [b] c", 1.5),
        new SearchHit("c", "n", "Title", 5, "a [b] c", 1.5),
        new SearchHit("c", "m", "Title", 6, "a [b] c", 1.5),
        new SearchHit("c", "m", "Title", 5, "other", 1.5),
        new SearchHit("c", "m", "Title", 5, "a [b] c", 2.5));
    assertEquals(Arrays.<Object>asList("c", "m", "Title", 5L, "a [b] c", 1.5),
        Arrays.<Object>asList(h.conversationId(), h.messageId(), h.conversationTitle(), h.ts(),
            h.snippet(), h.rank()));
    assertEquals("SearchHit{c/m a [b] c}", h.toString());
  }

  @Test
  void syncStatus_onlineOnlyWhenConnected_andDescribesItself() {
    SyncStatus polling = new SyncStatus(2, 1, 500, "oops", SyncStatus.Mode.POLLING, "7");
    assertTrue(polling.online());
    assertTrue(new SyncStatus(0, 0, 0, null, SyncStatus.Mode.LIVE, null).online());
    assertFalse(new SyncStatus(0, 0, 0, null, SyncStatus.Mode.OFFLINE, null).online());
    assertFalse(new SyncStatus(0, 0, 0, null, SyncStatus.Mode.LOCAL_ONLY, null).online());
    assertEquals(Arrays.<Object>asList(2, 1, 500L, "oops", "7"), Arrays.<Object>asList(
        polling.pending(), polling.failed(), polling.lastSyncAt(), polling.lastError(),
        polling.cursor()));
    assertEquals("SyncStatus{POLLING pending=2 failed=1 lastSyncAt=500 lastError=oops}",
        polling.toString());
    assertEquals("SyncStatus{LIVE pending=0 failed=0 lastSyncAt=0}",
        new SyncStatus(0, 0, 0, null, SyncStatus.Mode.LIVE, null).toString());
  }

  @Test
  void syncResult_okOnlyWithoutError_andDescribesItself() {
    Conflict c = new Conflict("message", "m", "", null, null, Conflict.LOCAL_WINS, null, null, 0);
    SyncResult ok = new SyncResult(1, 2, 3, Collections.singletonList(c), null);
    assertTrue(ok.ok());
    assertEquals(Arrays.asList(c), ok.conflicts());
    assertNull(ok.error());
    assertEquals("SyncResult{pushed=1 pulled=2 failed=3 conflicts=1}", ok.toString());
    SyncResult failed = new SyncResult(0, 0, 0, Collections.<Conflict>emptyList(), "offline");
    assertFalse(failed.ok());
    assertEquals("offline", failed.error());
    assertEquals("SyncResult{pushed=0 pulled=0 failed=0 conflicts=0 error=offline}",
        failed.toString());
  }

  @Test
  void reasons_sayWhetherTryingAgainCanHelp() {
    Set<SyncException.Reason> retryable = new HashSet<>();
    for (SyncException.Reason r : SyncException.Reason.values()) {
      if (r.isRetryable()) {
        retryable.add(r);
      }
    }
    assertEquals(new HashSet<>(Arrays.asList(SyncException.Reason.NETWORK,
        SyncException.Reason.SERVER_ERROR, SyncException.Reason.RATE_LIMITED)), retryable);
    TransportException refused = new TransportException(SyncException.Reason.BAD_REQUEST, 400,
        "bad_request", "no");
    assertFalse(refused.isRetryable());
    assertEquals(400, refused.httpStatus());
    assertEquals(-1, refused.retryAfterMillis());
    assertTrue(new TransportException(SyncException.Reason.NETWORK, 0, null, "down",
        new java.io.IOException("x")).isRetryable());
    StoreException full = new StoreException(SyncException.Reason.STORE_FAILURE, "disk full");
    assertFalse(full.isRetryable());
    assertEquals(SyncException.Reason.STORE_FAILURE, full.reason());
  }

  @Test
  void storeConfig_keepsWhatItWasGiven() {
    Clock clock = () -> 42;
    Set<String> types = new LinkedHashSet<>(Arrays.asList("note", "task"));
    StoreConfig c = new StoreConfig(Paths.get("x.db"), 1234, true, clock, types);
    types.add("later");
    assertEquals(Paths.get("x.db"), c.path());
    assertEquals(1234, c.maxRecordBytes());
    assertTrue(c.synchronousFull());
    assertFalse(new StoreConfig(Paths.get("x.db"), 1, false, clock, types).synchronousFull());
    assertEquals(42, c.clock().millis());
    assertEquals(new LinkedHashSet<>(Arrays.asList("note", "task")), c.customTypes());
  }

  @Test
  void resolutions_carryTheirOutcome() {
    List<Conflict> none = Collections.emptyList();
    ConflictResolver.Resolution merged = ConflictResolver.Resolution.merged("{\"a\":1}", none);
    assertEquals(ConflictResolver.Resolution.Outcome.MERGED, merged.outcome());
    assertFalse(merged.deleted());
    assertEquals("{\"a\":1}", merged.json());
    ConflictResolver.Resolution gone = ConflictResolver.Resolution.mergedDeletion(none);
    assertEquals(ConflictResolver.Resolution.Outcome.MERGED, gone.outcome());
    assertTrue(gone.deleted());
    assertNull(gone.json());
    assertEquals(ConflictResolver.Resolution.Outcome.LOCAL,
        ConflictResolver.Resolution.local(none).outcome());
    assertEquals(ConflictResolver.Resolution.Outcome.REMOTE,
        ConflictResolver.Resolution.remote(none).outcome());
    assertThrows(NullPointerException.class,
        () -> ConflictResolver.Resolution.merged(null, none));
  }

  @Test
  void invalidIds_areNamedInTheError_andVeryLongOnesShortened() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Ids.requireId(null))
        .getMessage().startsWith("invalid id null:"));
    String id140 = repeat('!', 140);
    String message = assertThrows(IllegalArgumentException.class, () -> Ids.requireId(id140))
        .getMessage();
    assertTrue(message.contains("\"" + id140 + "\""), message);
    String id141 = repeat('!', 141);
    message = assertThrows(IllegalArgumentException.class, () -> Ids.requireId(id141))
        .getMessage();
    assertTrue(message.contains("\"" + id140 + "…\""), message);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Ids.requireType("X"))
        .getMessage().contains("\"X\""));
  }

  private static String repeat(char c, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(c);
    }
    return sb.toString();
  }
}
