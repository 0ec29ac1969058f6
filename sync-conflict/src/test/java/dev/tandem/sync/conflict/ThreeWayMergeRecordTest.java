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

import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.ConflictResolver.Resolution;
import dev.tandem.sync.spi.ConflictResolver.Resolution.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThreeWayMergeRecordTest {
  private final ThreeWayMerge merge = ThreeWayMerge.create();

  private static String j(String s) {
    return s.replace('\'', '"');
  }

  @Test
  void differentFieldsChanged_mergeBoth_inBaseKeyOrder() {
    Record base = rec(BASE, "{'title':'t','n':1,'done':false}");
    Record local = rec(EARLY, "{'title':'T','n':1,'done':false}");
    Record remote = rec(LATE, "{'done':true,'title':'t','n':1}");
    Resolution r = merge.resolve(base, local, remote);
    assertEquals(Outcome.MERGED, r.outcome());
    assertEquals(j("{'title':'T','n':1,'done':true}"), r.json());
    assertTrue(r.conflicts().isEmpty());
  }

  @Test
  void keysAddedBySides_followBaseKeys_sortedByName() {
    Record base = rec(BASE, "{'z':1}");
    Record local = rec(EARLY, "{'z':1,'m':2}");
    Record remote = rec(LATE, "{'b':3,'z':1}");
    assertEquals(j("{'z':1,'b':3,'m':2}"), merge.resolve(base, local, remote).json());
  }

  @Test
  void sameChangeOnBothSides_isClean() {
    Record base = rec(BASE, "{'a':1,'b':1}");
    Resolution r = merge.resolve(base, rec(EARLY, "{'a':2,'b':1}"), rec(LATE, "{'a':2,'b':3}"));
    assertEquals(Outcome.REMOTE, r.outcome(), "merged value equals the remote data");
    assertTrue(r.conflicts().isEmpty());
  }

  @Test
  void mergedEqualToLocal_isLocal() {
    Record base = rec(BASE, "{'a':1,'b':1}");
    Resolution r = merge.resolve(base, rec(EARLY, "{'a':2,'b':3}"), rec(LATE, "{'a':2,'b':1}"));
    assertEquals(Outcome.LOCAL, r.outcome());
  }

  @Test
  void fieldChangedDifferently_fallsBackToLww_andIsRecordedWithItsPath() {
    Record base = rec(BASE, "{'a':{'b':1,'c':1},'d':1}");
    Record local = rec(EARLY, "{'a':{'b':2,'c':1},'d':2}");
    Record remote = rec(LATE, "{'a':{'b':3,'c':5},'d':1}");
    Resolution r = merge.resolve(base, local, remote);
    assertEquals(Outcome.MERGED, r.outcome());
    assertEquals(j("{'a':{'b':3,'c':5},'d':2}"), r.json());
    assertEquals(1, r.conflicts().size());
    Conflict c = r.conflicts().get(0);
    assertEquals("/a/b", c.path());
    assertEquals("2", c.localValue());
    assertEquals("3", c.remoteValue());
    assertEquals(Conflict.REMOTE_WINS, c.resolution());
    assertEquals(EARLY, c.localHlc());
    assertEquals(LATE, c.remoteHlc());
  }

  @Test
  void removedOnOneSide_changedOnOther_isAConflict() {
    Record base = rec(BASE, "{'a':1,'b':1}");
    Resolution r = merge.resolve(base, rec(LATE, "{'b':1}"), rec(EARLY, "{'a':2,'b':1}"));
    assertEquals(Outcome.LOCAL, r.outcome());
    assertEquals("/a", r.conflicts().get(0).path());
    assertNull(r.conflicts().get(0).localValue());
  }

  @Test
  void removedOnOneSide_unchangedOnOther_isRemoved() {
    Record base = rec(BASE, "{'a':1,'b':1}");
    Resolution r = merge.resolve(base, rec(EARLY, "{'b':1}"), rec(LATE, "{'a':1,'b':2}"));
    assertEquals(j("{'b':2}"), r.json());
  }

  @Test
  void proseFields_mergeAsText() {
    Record base = rec(BASE, "{'body':'line one\\nline two\\nline three\\n'}");
    Record local = rec(EARLY, "{'body':'line ONE\\nline two\\nline three\\n'}");
    Record remote = rec(LATE, "{'body':'line one\\nline two\\nline THREE\\n'}");
    Resolution r = merge.resolve(base, local, remote);
    assertEquals(j("{'body':'line ONE\\nline two\\nline THREE\\n'}"), r.json());
    assertTrue(r.conflicts().isEmpty());
  }

  @Test
  void identifierLikeStrings_areAtomicByDefault_butMergeWithTextFieldsAll() {
    Record base = rec(BASE, "{'code':'abc-123'}");
    Record local = rec(EARLY, "{'code':'abd-123'}");
    Record remote = rec(LATE, "{'code':'abc-124'}");
    Resolution r = merge.resolve(base, local, remote);
    assertEquals(Outcome.REMOTE, r.outcome());
    assertEquals("/code", r.conflicts().get(0).path());
    Resolution all = ThreeWayMerge.builder().textFields(ThreeWayMerge.TextFields.ALL).build()
        .resolve(base, local, remote);
    assertEquals(j("{'code':'abd-124'}"), all.json());
    Resolution none = ThreeWayMerge.builder().textFields(ThreeWayMerge.TextFields.NONE).build()
        .resolve(base, rec(EARLY, "{'code':'x b'}"), rec(LATE, "{'code':'a y'}"));
    assertEquals(1, none.conflicts().size());
  }

  @Test
  void textFieldsNone_proseThatWouldMergeCleanly_isStillAConflictDecidedByTheFallback() {
    // The same prose edits that proseFields_mergeAsText merges: with NONE the string is one
    // atomic value, so the later clock's whole string wins and the field is a recorded conflict.
    Record base = rec(BASE, "{'body':'line one\\nline two\\nline three\\n','n':1}");
    Record local = rec(EARLY, "{'body':'line ONE\\nline two\\nline three\\n','n':2}");
    Record remote = rec(LATE, "{'body':'line one\\nline two\\nline THREE\\n','n':1}");
    Resolution r = ThreeWayMerge.builder().textFields(ThreeWayMerge.TextFields.NONE).build()
        .resolve(base, local, remote);
    assertEquals(Outcome.MERGED, r.outcome());
    assertEquals(j("{'body':'line one\\nline two\\nline THREE\\n','n':2}"), r.json());
    assertEquals(1, r.conflicts().size());
    assertEquals("/body", r.conflicts().get(0).path());
    assertEquals(Conflict.REMOTE_WINS, r.conflicts().get(0).resolution());
  }

  @Test
  void textFieldsProse_needsWhiteSpaceInSomeVersion_andAllDoesNot() {
    // No white space in any of the three: PROSE keeps it atomic, ALL merges it.
    Record base = rec(BASE, "{'s':'a-b-c'}");
    Record local = rec(EARLY, "{'s':'A-b-c'}");
    Record remote = rec(LATE, "{'s':'a-b-C'}");
    assertEquals(Outcome.REMOTE, merge.resolve(base, local, remote).outcome());
    // White space in the base alone is enough for PROSE.
    Record spaced = rec(BASE, "{'s':'a b-c'}");
    Resolution r = merge.resolve(spaced, rec(EARLY, "{'s':'A b-c'}"), rec(LATE, "{'s':'a b-C'}"));
    assertEquals(j("{'s':'A b-C'}"), r.json());
    assertTrue(r.conflicts().isEmpty());
    // A tab or a line break counts as white space, in the remote only.
    Resolution t = merge.resolve(base, local, rec(LATE, "{'s':'a-b-c\\tx'}"));
    assertEquals(j("{'s':'A-b-c\\tx'}"), t.json());
  }

  @Test
  void conflictingText_goesToFallback() {
    Record base = rec(BASE, "{'body':'the cat'}");
    Resolution r = merge.resolve(base, rec(LATE, "{'body':'the dog'}"),
        rec(EARLY, "{'body':'the cow'}"));
    assertEquals(Outcome.LOCAL, r.outcome());
    assertEquals(j("'the dog'"), r.conflicts().get(0).localValue());
  }

  @Test
  void arrays_areAtomic() {
    Record base = rec(BASE, "{'tags':['a']}");
    Resolution r = merge.resolve(base, rec(EARLY, "{'tags':['a','b']}"),
        rec(LATE, "{'tags':['a','c']}"));
    assertEquals(Outcome.REMOTE, r.outcome());
    assertEquals("/tags", r.conflicts().get(0).path());
  }

  @Test
  void decimals_keepTheirExactForm() {
    Record base = rec(BASE, "{'price':1.50,'qty':1}");
    Resolution r = merge.resolve(base, rec(EARLY, "{'price':1.50,'qty':2}"),
        rec(LATE, "{'price':2.10,'qty':1}"));
    assertEquals(j("{'price':2.10,'qty':2}"), r.json());
  }

  @Test
  void decimalRewrittenWithAnotherScale_isAChange_andBothDevicesAgree() {
    // Jackson's JsonNode.equals calls 1.50 and 1.5 equal; they serialize differently, so the merge
    // must treat the rewrite as a change or the two devices end with different bytes.
    Record base = rec(BASE, "{'a':1.50,'b':0}");
    Record a = rec(EARLY, "{'a':1.5,'b':1}");
    Record b = rec(LATE, "{'a':1.50,'b':0,'c':2}");
    Resolution onA = merge.resolve(base, a, b);
    Resolution onB = merge.resolve(base, b, a);
    assertEquals(j("{'a':1.5,'b':1,'c':2}"), onA.json());
    assertEquals(Records.outcome(onA, a, b), Records.outcome(onB, b, a));
  }

  @Test
  void nullBase_bothCreated_disjointFieldsMerge_sameFieldsConflict() {
    Resolution r = merge.resolve(null, rec(EARLY, "{'a':1,'c':1}"),
        rec(LATE, "{'b':2,'c':2}"));
    assertEquals(j("{'a':1,'b':2,'c':2}"), r.json());
    assertEquals("/c", r.conflicts().get(0).path());
  }

  @Test
  void tombstoneBase_isTreatedAsNoBase() {
    Resolution r = merge.resolve(tomb(BASE), rec(EARLY, "{'a':1}"), rec(LATE, "{'b':2}"));
    assertEquals(j("{'a':1,'b':2}"), r.json());
  }

  @Test
  void unreadableBase_isTreatedAsNoBase() {
    Resolution r = merge.resolve(rec(BASE, "{not json"), rec(EARLY, "{'a':1}"),
        rec(LATE, "{'b':2}"));
    assertEquals(j("{'a':1,'b':2}"), r.json());
  }

  @Test
  void unreadableSide_fallsBackForTheWholeRecord_keepingBothTexts() {
    Record local = rec(EARLY, "{broken");
    Record remote = rec(LATE, "{'a':1}");
    Resolution r = merge.resolve(rec(BASE, "{}"), local, remote);
    assertEquals(Outcome.REMOTE, r.outcome());
    Conflict c = r.conflicts().get(0);
    assertEquals("", c.path());
    assertEquals("{broken", c.localValue());
    assertEquals(remote.json(), c.remoteValue());
  }

  @Test
  void deleteAgainstUpdate_defaultUpdateWins_andIsRecorded() {
    Record base = rec(BASE, "{'a':1}");
    Record update = rec(EARLY, "{'a':2}");
    Resolution r = merge.resolve(base, tomb(LATE), update);
    assertEquals(Outcome.REMOTE, r.outcome());
    assertEquals("", r.conflicts().get(0).path());
    assertEquals(Conflict.REMOTE_WINS, r.conflicts().get(0).resolution());
    Resolution swapped = merge.resolve(base, update, tomb(LATE));
    assertEquals(Outcome.LOCAL, swapped.outcome());
    assertEquals(1, swapped.conflicts().size());
  }

  @Test
  void deleteAgainstUpdate_deleteWins_whenConfigured() {
    ThreeWayMerge m = ThreeWayMerge.builder().deletePolicy(ThreeWayMerge.DeletePolicy.DELETE_WINS)
        .build();
    Resolution r = m.resolve(rec(BASE, "{'a':1}"), tomb(EARLY), rec(LATE, "{'a':2}"));
    assertEquals(Outcome.LOCAL, r.outcome());
    assertEquals(Conflict.LOCAL_WINS, r.conflicts().get(0).resolution());
  }

  @Test
  void deleteAgainstUpdate_fallbackDecides_whenConfigured() {
    ThreeWayMerge m = ThreeWayMerge.builder().deletePolicy(ThreeWayMerge.DeletePolicy.FALLBACK)
        .build();
    Resolution r = m.resolve(rec(BASE, "{'a':1}"), tomb(LATE), rec(EARLY, "{'a':2}"));
    assertEquals(Outcome.LOCAL, r.outcome(), "the later deletion wins by HLC");
    assertEquals(1, r.conflicts().size());
  }

  @Test
  void deleteAgainstUnchanged_deletionWinsCleanly() {
    Record base = rec(BASE, "{'a':1}");
    Resolution r = merge.resolve(base, rec(LATE, "{ \"a\" : 1 }"), tomb(EARLY));
    assertEquals(Outcome.REMOTE, r.outcome());
    assertTrue(r.conflicts().isEmpty());
  }

  @Test
  void bothDeleted_isClean() {
    Resolution r = merge.resolve(rec(BASE, "{'a':1}"), tomb(EARLY), tomb(LATE));
    assertEquals(Outcome.REMOTE, r.outcome());
    assertTrue(r.conflicts().isEmpty());
  }

  @Test
  void fieldResolver_decidesFirst_nullDefers_missingRemoves() {
    List<String> asked = new ArrayList<>();
    ThreeWayMerge m = ThreeWayMerge.builder().fieldResolver((path, b, l, r) -> {
      asked.add(path);
      if (path.equals("/sum")) {
        return com.fasterxml.jackson.databind.node.IntNode.valueOf(l.intValue() + r.intValue());
      }
      if (path.equals("/gone")) {
        return MissingNode.getInstance();
      }
      return null;
    }).build();
    Record base = rec(BASE, "{'sum':0,'gone':0,'other':0}");
    Resolution r = m.resolve(base, rec(EARLY, "{'sum':1,'gone':1,'other':1}"),
        rec(LATE, "{'sum':2,'gone':2,'other':2}"));
    assertEquals(j("{'sum':3,'other':2}"), r.json());
    assertEquals(java.util.Arrays.asList("/sum", "/gone", "/other"), asked);
    assertEquals(Conflict.MERGED, r.conflicts().get(0).resolution());
    assertEquals(Conflict.REMOTE_WINS, r.conflicts().get(2).resolution());
  }

  @Test
  void fallback_byServerArrival_keepsLocalField() {
    ThreeWayMerge m = ThreeWayMerge.withFallback(LastWriteWins.byServerArrival());
    Resolution r = m.resolve(rec(BASE, "{'a':0,'b':0}"), rec(EARLY, "{'a':1,'b':0}"),
        rec(LATE, "{'a':2,'b':2}"));
    assertEquals(j("{'a':1,'b':2}"), r.json());
    assertEquals(Conflict.LOCAL_WINS, r.conflicts().get(0).resolution());
  }

  @Test
  void mergingFallback_fieldTakesTheFallbacksValue() {
    ThreeWayMerge m = ThreeWayMerge.withFallback(
        (b, l, r) -> Resolution.merged(j("{'a':42}"), new ArrayList<Conflict>()));
    Resolution r = m.resolve(rec(BASE, "{'a':0,'b':0}"), rec(EARLY, "{'a':1,'b':0}"),
        rec(LATE, "{'a':2,'b':0}"));
    assertEquals(j("{'a':42,'b':0}"), r.json());
    assertEquals(Conflict.MERGED, r.conflicts().get(0).resolution());
  }

  @Test
  void sameDataWrittenDifferently_picksTheLaterClocksText_onBothDevices() {
    Record a = rec(EARLY, "{'x':1,'y':2}");
    Record b = rec(LATE, "{'y':2,'x':1}");
    Record base = rec(BASE, "{'x':0,'y':0}");
    Resolution onA = merge.resolve(base, a, b);
    Resolution onB = merge.resolve(base, b, a);
    assertEquals(Records.outcome(onA, a, b), Records.outcome(onB, b, a));
    assertEquals(b.json(), Records.outcome(onA, a, b));
  }

  @Test
  void builder_rejectsSettingAPlugPointTwice() {
    ThreeWayMerge.Builder b = ThreeWayMerge.builder().fallback(LastWriteWins.byHlc());
    assertThrows(IllegalStateException.class, () -> b.fallback(LastWriteWins.byHlc()));
    ThreeWayMerge.Builder f = ThreeWayMerge.builder().fieldResolver((p, x, y, z) -> null);
    assertThrows(IllegalStateException.class, () -> f.fieldResolver((p, x, y, z) -> null));
    assertThrows(NullPointerException.class, () -> ThreeWayMerge.withFallback(null));
  }

  @Test
  void newBuilder_keepsOptions() {
    ThreeWayMerge m = ThreeWayMerge.builder().deletePolicy(ThreeWayMerge.DeletePolicy.DELETE_WINS)
        .textFields(ThreeWayMerge.TextFields.ALL).build();
    ThreeWayMerge copy = m.newBuilder().build();
    assertEquals(ThreeWayMerge.DeletePolicy.DELETE_WINS, copy.deletePolicy());
    assertEquals(ThreeWayMerge.TextFields.ALL, copy.textFields());
    assertEquals(LastWriteWins.byHlc(), copy.fallback());
    assertTrue(copy.toString().contains("DELETE_WINS"));
  }

  @Test
  void jsonPointer_escapesSlashAndTilde() {
    Record base = rec(BASE, "{'a/b~c':0}");
    Resolution r = merge.resolve(base, rec(EARLY, "{'a/b~c':1}"), rec(LATE, "{'a/b~c':2}"));
    assertEquals("/a~1b~0c", r.conflicts().get(0).path());
  }

  @Test
  void textNodeValues_fromFieldResolver_areUsed() {
    ThreeWayMerge m = ThreeWayMerge.builder()
        .fieldResolver((p, b, l, r) -> TextNode.valueOf("both")).build();
    Resolution r = m.resolve(rec(BASE, "{'s':'x'}"), rec(EARLY, "{'s':'y'}"),
        rec(LATE, "{'s':'z'}"));
    assertEquals(j("{'s':'both'}"), r.json());
  }
}
