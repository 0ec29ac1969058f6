package dev.tandem.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Hlc;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.testing.ManualClock;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The memory of pushes that got no answer, on its own: which records may be on the server, and
 * how the remembered requests are bounded (by count and by characters) and forgotten.
 */
class UnansweredPushesTest {
  private static final long MAX = UnansweredPushes.MAX_IN_DOUBT_CHARS;

  private final HlcClock hlc = new HlcClock(new ManualClock(1_700_000_000_000L), "a");
  private final UnansweredPushes pushes = new UnansweredPushes();
  private int batches;

  private Record note(String id) {
    return Record.of("note", id, hlc.now(), "{\"n\":1}");
  }

  private static Change changeOf(Record r, boolean ifBase) {
    return new Change(r.type(), r.id(), Change.UPSERT, r.hlc().toString(), null, r.json(), 0,
        null).withIfBase(ifBase);
  }

  /** Remembers a one-record request for {@code r}, weighing {@code chars}. */
  private UnansweredPushes.InDoubt remember(Record r, boolean ifBase, long chars) {
    PushRequest request = new PushRequest("batch-" + (batches++), "a",
        Collections.singletonList(changeOf(r, ifBase)));
    Map<String, Record> versions = new HashMap<>();
    versions.put(key(r), r);
    pushes.remember(request, versions, chars);
    List<UnansweredPushes.InDoubt> all = pushes.askable();
    return all.isEmpty() ? null : all.get(all.size() - 1);
  }

  private static String key(Record r) {
    return Protocol.recordKey(r.type(), r.id());
  }

  private boolean remembered(Record r) {
    return pushes.version(key(r), r.hlc().toString()) != null;
  }

  @Test
  void aRecordIsOnTheServerPerhaps_untilTheServerAnswersForIt() {
    Record r = note("n1");
    Record other = note("n2");
    assertFalse(pushes.mayBeOnServer(key(r)));

    pushes.unanswered(Arrays.asList(changeOf(r, false), changeOf(other, false)));
    assertTrue(pushes.mayBeOnServer(key(r)));
    assertTrue(pushes.mayBeOnServer(key(other)));

    pushes.answered(key(r));
    assertFalse(pushes.mayBeOnServer(key(r)));
    assertTrue(pushes.mayBeOnServer(key(other)), "only the answered record is cleared");
  }

  @Test
  void version_isFoundByRecordAndClock_only() {
    Record r = note("n1");
    remember(r, true, 10);

    assertSame(r, pushes.version(key(r), r.hlc().toString()));
    assertNull(pushes.version(key(r), hlc.now().toString()), "another clock of the same record");
    assertNull(pushes.version(Protocol.recordKey("note", "n2"), r.hlc().toString()));
  }

  @Test
  void askable_holdsOnlyRequestsWhoseEveryChangeIsConditional_oldestFirst() {
    Record first = note("n1");
    Record unconditional = note("n2");
    Record second = note("n3");
    remember(first, true, 1);
    remember(unconditional, false, 1);
    remember(second, true, 1);
    Record a = note("n4");
    Record b = note("n5");
    PushRequest mixed = new PushRequest("mixed", "a",
        Arrays.asList(changeOf(a, true), changeOf(b, false)));
    Map<String, Record> versions = new HashMap<>();
    versions.put(key(a), a);
    versions.put(key(b), b);
    pushes.remember(mixed, versions, 2);

    List<UnansweredPushes.InDoubt> ask = pushes.askable();

    assertEquals(2, ask.size(), "the unconditional and the mixed request are not asked again");
    assertEquals(key(first), Protocol.recordKey(ask.get(0).request.changes().get(0).type(),
        ask.get(0).request.changes().get(0).id()));
    assertEquals(key(second), Protocol.recordKey(ask.get(1).request.changes().get(0).type(),
        ask.get(1).request.changes().get(0).id()));
    assertTrue(remembered(unconditional), "kept for its versions all the same");
  }

  @Test
  void atMostSixteenRequestsAreKept_theOldestGoFirst() {
    Record[] r = new Record[17];
    for (int i = 0; i < 16; i++) {
      r[i] = note("n" + i);
      remember(r[i], true, 1);
    }
    assertTrue(remembered(r[0]), "sixteen fit");
    assertEquals(16, pushes.askable().size());

    r[16] = note("n16");
    remember(r[16], true, 1);

    assertFalse(remembered(r[0]), "the oldest is forgotten past sixteen");
    assertTrue(remembered(r[1]));
    assertTrue(remembered(r[16]));
    assertEquals(16, pushes.askable().size());
  }

  @Test
  void theRememberedCharactersAreBounded_theOldestGoFirst() {
    Record old = note("old");
    Record fits = note("fits");
    remember(old, true, MAX / 2);
    remember(fits, true, MAX - MAX / 2);
    assertTrue(remembered(old), "exactly the bound still fits");

    Record one = note("one");
    remember(one, true, 1);

    assertFalse(remembered(old), "one character past the bound drops the oldest");
    assertTrue(remembered(fits));
    assertTrue(remembered(one));
  }

  @Test
  void forgetting_freesItsCharacters() {
    Record big = note("big");
    UnansweredPushes.InDoubt d = remember(big, true, MAX - 10);
    pushes.forget(d);
    assertFalse(remembered(big));

    Record next = note("next");
    remember(next, true, MAX - 10);
    Record small = note("small");
    remember(small, true, 10);

    assertTrue(remembered(next), "the forgotten request's characters no longer count");
    assertTrue(remembered(small));
  }

  @Test
  void forgettingARequestNoLongerKept_freesNothing() {
    Record big = note("big");
    UnansweredPushes.InDoubt d = remember(big, true, MAX - 10);
    pushes.forget(d);
    Record kept = note("kept");
    remember(kept, true, MAX - 10);

    pushes.forget(d); // already gone: its characters were freed once

    remember(note("more"), true, 20);
    assertFalse(remembered(kept), "MAX - 10 + 20 is past the bound: the oldest must go");
  }

  @Test
  void forgetting_removesTheRequestFromWhatIsAskedAgain() {
    Record r = note("n1");
    Hlc clock = r.hlc();
    UnansweredPushes.InDoubt d = remember(r, true, 5);
    assertEquals(1, pushes.askable().size());

    pushes.forget(d);

    assertTrue(pushes.askable().isEmpty());
    assertNull(pushes.version(key(r), clock.toString()));
  }
}
