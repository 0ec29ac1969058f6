package dev.tandem.sync.conflict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TextMergeTest {
  private static final ThreeWayMerge.TextOptions MARKERS =
      ThreeWayMerge.TextOptions.builder().conflictMarkers(true).build();

  @Test
  void editsToDifferentLines_mergeClean() {
    MergeResult m = ThreeWayMerge.mergeText("a\nb\nc\nd\n", "A\nb\nc\nd\n", "a\nb\nc\nD\n");
    assertTrue(m.clean());
    assertEquals("A\nb\nc\nD\n", m.text());
    assertTrue(m.conflicts().isEmpty());
  }

  @Test
  void sameEditOnBothSides_isClean() {
    MergeResult m = ThreeWayMerge.mergeText("a\nb\n", "a\nX\n", "a\nX\n");
    assertTrue(m.clean());
    assertEquals("a\nX\n", m.text());
  }

  @Test
  void sameWordChangedDifferently_isConflict_withPositionsAndBothSides() {
    MergeResult m = ThreeWayMerge.mergeText("one\ntwo cat\nthree\n", "one\ntwo dog\nthree\n",
        "one\ntwo cow\nthree\n");
    assertFalse(m.clean());
    assertEquals(1, m.conflicts().size());
    TextConflict c = m.conflicts().get(0);
    assertEquals(2, c.line());
    assertEquals(2, c.baseLine());
    assertEquals("two cat\n", c.base());
    assertEquals("two dog\n", c.local());
    assertEquals("two cow\n", c.remote());
    // Without markers the local side stands in for the region.
    assertEquals("one\ntwo dog\nthree\n", m.text());
  }

  @Test
  void conflictMarkers_whenAsked_wrapBothSides() {
    MergeResult m = ThreeWayMerge.mergeText("one\ncat\nthree\n", "one\ndog\nthree\n",
        "one\ncow\nthree\n", MARKERS);
    assertFalse(m.clean());
    assertEquals("one\n<<<<<<< local\ndog\n=======\ncow\n>>>>>>> remote\nthree\n", m.text());
    assertEquals(2, m.conflicts().get(0).line());
  }

  @Test
  void conflictMarkers_customLabels_andMissingFinalNewlineGetsOne() {
    MergeResult m = ThreeWayMerge.mergeText("x", "y", "z",
        ThreeWayMerge.TextOptions.builder().conflictMarkers(true).markerLabels("mine", "theirs")
            .build());
    assertEquals("<<<<<<< mine\ny\n=======\nz\n>>>>>>> theirs\n", m.text());
  }

  @Test
  void markerLabel_withLineBreak_isRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> ThreeWayMerge.TextOptions.builder().markerLabels("a\nb", "c"));
  }

  @Test
  void twoEditsToDifferentWordsOfOneLine_mergeClean() {
    MergeResult m = ThreeWayMerge.mergeText("Meet at 10:00 in room 4.\n",
        "Meet at 11:00 in room 4.\n", "Meet at 10:00 in room 7.\n");
    assertTrue(m.clean());
    assertEquals("Meet at 11:00 in room 7.\n", m.text());
  }

  @Test
  void wordLevelOff_keepsGitsLineConflict() {
    MergeResult m = ThreeWayMerge.mergeText("a b\n", "A b\n", "a B\n",
        ThreeWayMerge.TextOptions.builder().wordLevel(false).build());
    assertFalse(m.clean());
  }

  @Test
  void insertionsAtTheSamePlace_conflict_evenWordByWord() {
    MergeResult m = ThreeWayMerge.mergeText("a\nz\n", "a\nb\nz\n", "a\nc\nz\n");
    assertFalse(m.clean());
    assertEquals("", m.conflicts().get(0).base());
  }

  @Test
  void nullBase_identicalTexts_areClean() {
    MergeResult m = ThreeWayMerge.mergeText(null, "same\n", "same\n");
    assertTrue(m.clean());
    assertEquals("same\n", m.text());
  }

  @Test
  void nullBase_differentTexts_conflict() {
    MergeResult m = ThreeWayMerge.mergeText(null, "mine\n", "theirs\n");
    assertFalse(m.clean());
    assertEquals("", m.conflicts().get(0).base());
  }

  @Test
  void nullBase_oneSideEmpty_takesTheOther() {
    MergeResult m = ThreeWayMerge.mergeText(null, "", "theirs\n");
    assertTrue(m.clean());
    assertEquals("theirs\n", m.text());
  }

  @Test
  void nullLocalOrRemote_isRejected() {
    assertThrows(NullPointerException.class, () -> ThreeWayMerge.mergeText("a", null, "b"));
    assertThrows(NullPointerException.class, () -> ThreeWayMerge.mergeText("a", "b", null));
    assertThrows(NullPointerException.class,
        () -> ThreeWayMerge.mergeText("a", "b", "c", null));
  }

  @Test
  void crlfTexts_mergeByContent_andKeepCrlf() {
    MergeResult m = ThreeWayMerge.mergeText("a\r\nb\r\nc\r\n", "A\r\nb\r\nc\r\n",
        "a\r\nb\r\nC\r\n");
    assertTrue(m.clean());
    assertEquals("A\r\nb\r\nC\r\n", m.text());
  }

  @Test
  void oneSideConvertedCrlfToLf_otherEdited_mergesCleanInLf() {
    MergeResult m = ThreeWayMerge.mergeText("a\r\nb\r\nc\r\n", "a\nb\nc\n", "a\r\nb\r\nC\r\n");
    assertTrue(m.clean(), "a line-ending conversion alone is not a conflict");
    assertEquals("a\nb\nC\n", m.text());
    // And the same the other way round.
    assertEquals(m, ThreeWayMerge.mergeText("a\r\nb\r\nc\r\n", "a\r\nb\r\nC\r\n", "a\nb\nc\n"));
  }

  @Test
  void crlfConflict_markersUseCrlf() {
    MergeResult m = ThreeWayMerge.mergeText("x\r\n", "y\r\n", "z\r\n", MARKERS);
    assertEquals("<<<<<<< local\r\ny\r\n=======\r\nz\r\n>>>>>>> remote\r\n", m.text());
    assertEquals("y\r\n", m.conflicts().get(0).local());
  }

  @Test
  void mixedLineEndings_areMergedByteForByte() {
    MergeResult m = ThreeWayMerge.mergeText("a\r\nb\nc\n", "A\r\nb\nc\n", "a\r\nb\nC\n");
    assertTrue(m.clean());
    assertEquals("A\r\nb\nC\n", m.text());
  }

  @Test
  void missingFinalNewline_appendAndEdit_mergeClean() {
    MergeResult m = ThreeWayMerge.mergeText("a\nb", "a\nb\nc", "A\nb");
    assertTrue(m.clean());
    assertEquals("A\nb\nc", m.text());
  }

  @Test
  void missingFinalNewline_isAChangeLikeInGit() {
    // One side only added the final newline: that side wins, the other side's edit is kept.
    MergeResult m = ThreeWayMerge.mergeText("a\nb\nc", "a\nb\nc\n", "A\nb\nc");
    assertTrue(m.clean());
    assertEquals("A\nb\nc\n", m.text());
  }

  @Test
  void binaryText_oneSideUnchanged_takesTheOther() {
    String base = "PK\0\1\2data";
    String changed = "PK\0\1\3data";
    MergeResult m = ThreeWayMerge.mergeText(base, base, changed);
    assertTrue(m.clean());
    assertEquals(changed, m.text());
    assertEquals(changed, ThreeWayMerge.mergeText(base, changed, base).text());
  }

  @Test
  void binaryText_bothChanged_isOneOpaqueConflict_withoutMarkers() {
    String base = "\0\1\2\n\3\n";
    String local = "\0\1\2\nL\n";
    String remote = "R\0\1\2\n\3\n";
    MergeResult m = ThreeWayMerge.mergeText(base, local, remote, MARKERS);
    assertFalse(m.clean(), "binary data is never spliced, not even where lines differ apart");
    assertEquals(local, m.text());
    assertEquals(1, m.conflicts().size());
    assertEquals(remote, m.conflicts().get(0).remote());
  }

  @Test
  void veryLongLine_editsToDistantWords_mergeClean() {
    StringBuilder sb = new StringBuilder();
    Random rnd = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      sb.append("w").append(rnd.nextInt(1000)).append(' ');
    }
    String base = sb.toString();
    String local = "FIRST " + base.substring(base.indexOf(' ') + 1);
    String remote = base + "LAST";
    MergeResult m = ThreeWayMerge.mergeText(base, local, remote);
    assertTrue(m.clean());
    assertEquals(local + "LAST", m.text());
  }

  @Test
  void hugeConflictingLine_beyondWordLimit_isReportedAsConflict() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < TextMerger.MAX_REFINE_TOKENS; i++) {
      sb.append("x ");
    }
    String base = sb.toString();
    MergeResult m = ThreeWayMerge.mergeText(base, "a" + base, base + "b");
    assertFalse(m.clean());
    assertEquals("a" + base, m.text());
  }

  @Test
  void largeTexts_withScatteredEdits_mergeClean() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 50_000; i++) {
      sb.append("line ").append(i).append('\n');
    }
    String base = sb.toString();
    String local = base.replace("line 100\n", "changed 100\n").replace("line 30000\n", "");
    String remote = base.replace("line 20000\n", "line 20000 edited\n") + "tail\n";
    MergeResult m = ThreeWayMerge.mergeText(base, local, remote);
    assertTrue(m.clean());
    assertEquals(local.replace("line 20000\n", "line 20000 edited\n") + "tail\n", m.text());
  }

  @Test
  void words_splitOnSpacesPunctuationAndLineBreaks() {
    assertEquals(java.util.Arrays.asList("a_1", "  ", "b", ",", "\n", "c", "\t", "d"),
        TextMerger.words("a_1  b,\nc\td"));
  }

  @Test
  void mergeResult_valueSemantics() {
    MergeResult a = ThreeWayMerge.mergeText("a\n", "b\n", "c\n");
    MergeResult b = ThreeWayMerge.mergeText("a\n", "b\n", "c\n");
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(a.conflicts().get(0), b.conflicts().get(0));
    assertTrue(a.toString().contains("1 conflict"));
    assertFalse(a.equals(ThreeWayMerge.mergeText("a\n", "b\n", "b\n")));
  }
}
