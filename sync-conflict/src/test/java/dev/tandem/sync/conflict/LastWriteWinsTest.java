package dev.tandem.sync.conflict;

import static dev.tandem.sync.conflict.Records.BASE;
import static dev.tandem.sync.conflict.Records.EARLY;
import static dev.tandem.sync.conflict.Records.LATE;
import static dev.tandem.sync.conflict.Records.rec;
import static dev.tandem.sync.conflict.Records.tomb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.ConflictResolver.Resolution;
import dev.tandem.sync.spi.ConflictResolver.Resolution.Outcome;
import org.junit.jupiter.api.Test;

class LastWriteWinsTest {
  private final Record base = rec(BASE, "{'t':'a'}");

  @Test
  void byHlc_laterRemoteWins_andConflictIsRecordedForTheWholeRecord() {
    Record local = rec(EARLY, "{'t':'local'}");
    Record remote = rec(LATE, "{'t':'remote'}");
    Resolution r = LastWriteWins.byHlc().resolve(base, local, remote);
    assertEquals(Outcome.REMOTE, r.outcome());
    assertEquals(1, r.conflicts().size());
    Conflict c = r.conflicts().get(0);
    assertEquals("", c.path());
    assertEquals(Conflict.REMOTE_WINS, c.resolution());
    assertEquals(local.json(), c.localValue());
    assertEquals(remote.json(), c.remoteValue());
    assertEquals(EARLY, c.localHlc());
    assertEquals(LATE, c.remoteHlc());
    assertEquals("note", c.type());
    assertEquals("n-1", c.id());
    assertEquals(0, c.decidedAt());
  }

  @Test
  void byHlc_laterLocalWins() {
    Resolution r = LastWriteWins.byHlc().resolve(base, rec(LATE, "{'t':'l'}"),
        rec(EARLY, "{'t':'r'}"));
    assertEquals(Outcome.LOCAL, r.outcome());
    assertEquals(Conflict.LOCAL_WINS, r.conflicts().get(0).resolution());
  }

  @Test
  void byHlc_isSymmetricAcrossDevices() {
    Record a = rec(EARLY, "{'t':'a'}");
    Record b = rec(LATE, "{'t':'b'}");
    Resolution onA = LastWriteWins.byHlc().resolve(base, a, b);
    Resolution onB = LastWriteWins.byHlc().resolve(base, b, a);
    assertEquals(Records.outcome(onA, a, b), Records.outcome(onB, b, a));
  }

  @Test
  void byHlc_tombstoneAgainstUpdate_laterWins() {
    Resolution r = LastWriteWins.byHlc().resolve(base, tomb(LATE), rec(EARLY, "{'t':'r'}"));
    assertEquals(Outcome.LOCAL, r.outcome());
    assertNull(r.conflicts().get(0).localValue());
  }

  @Test
  void identicalVersions_keepTheLaterClock_withoutConflict() {
    Resolution r = LastWriteWins.byHlc().resolve(base, rec(LATE, "{'t':'x'}"),
        rec(EARLY, "{'t':'x'}"));
    assertEquals(Outcome.LOCAL, r.outcome());
    assertTrue(r.conflicts().isEmpty());
    Resolution d = LastWriteWins.byHlc().resolve(base, tomb(LATE), tomb(EARLY));
    assertEquals(Outcome.LOCAL, d.outcome(), "the later deletion stays, to be pushed");
    assertTrue(d.conflicts().isEmpty());
    Resolution e = LastWriteWins.byHlc().resolve(base, tomb(EARLY), tomb(LATE));
    assertEquals(Outcome.REMOTE, e.outcome());
    assertTrue(e.conflicts().isEmpty());
    Resolution a = LastWriteWins.byServerArrival().resolve(base, tomb(LATE), tomb(EARLY));
    assertEquals(Outcome.REMOTE, a.outcome());
    assertTrue(a.conflicts().isEmpty());
  }

  @Test
  void oneSideUnchangedFromBase_otherSideWins_withoutConflict() {
    Resolution r = LastWriteWins.byHlc().resolve(base, rec(LATE, "{'t':'a'}"),
        rec(EARLY, "{'t':'new'}"));
    assertEquals(Outcome.REMOTE, r.outcome());
    assertTrue(r.conflicts().isEmpty());
    Resolution l = LastWriteWins.byHlc().resolve(base, rec(EARLY, "{'t':'new'}"),
        rec(LATE, "{'t':'a'}"));
    assertEquals(Outcome.LOCAL, l.outcome());
    assertTrue(l.conflicts().isEmpty());
  }

  @Test
  void byServerArrival_pendingLocalWins_whateverTheClocks() {
    Resolution r = LastWriteWins.byServerArrival().resolve(base, rec(EARLY, "{'t':'l'}"),
        rec(LATE, "{'t':'r'}"));
    assertEquals(Outcome.LOCAL, r.outcome());
    assertEquals(Conflict.LOCAL_WINS, r.conflicts().get(0).resolution());
    Resolution r2 = LastWriteWins.byServerArrival().resolve(null, rec(LATE, "{'t':'l'}"),
        rec(EARLY, "{'t':'r'}"));
    assertEquals(Outcome.LOCAL, r2.outcome());
  }

  @Test
  void nullSides_areRejected() {
    assertThrows(NullPointerException.class,
        () -> LastWriteWins.byHlc().resolve(base, null, base));
    assertThrows(NullPointerException.class,
        () -> LastWriteWins.byHlc().resolve(base, base, null));
  }

  @Test
  void toString_namesThePolicy() {
    assertEquals("LastWriteWins.byHlc()", LastWriteWins.byHlc().toString());
    assertEquals("LastWriteWins.byServerArrival()", LastWriteWins.byServerArrival().toString());
  }
}
