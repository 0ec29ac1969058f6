package dev.tandem.sync.conflict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MyersDiffTest {
  private static final long UNLIMITED = Long.MAX_VALUE / 2;

  @Test
  void randomPairs_diffIsValidAndShortest() {
    Random rnd = new Random(20260101L);
    for (int n = 0; n < 3000; n++) {
      int alphabet = 1 + rnd.nextInt(5);
      int[] a = random(rnd, rnd.nextInt(14), alphabet);
      int[] b = rnd.nextBoolean() ? random(rnd, rnd.nextInt(14), alphabet) : mutate(rnd, a, alphabet);
      List<MyersDiff.Hunk> hunks = MyersDiff.diff(a, b, alphabet, UNLIMITED);
      String where = "case " + n + ": " + str(a) + " -> " + str(b) + " = " + hunks;
      assertArrayEquals(b, apply(a, b, hunks), "the hunks must rebuild b: " + where);
      assertEquals(a.length + b.length - 2 * lcs(a, b), cost(hunks), "not shortest: " + where);
      for (int k = 1; k < hunks.size(); k++) {
        assertTrue(hunks.get(k - 1).end1() < hunks.get(k).i1
            || hunks.get(k - 1).i2 + hunks.get(k - 1).chg2 < hunks.get(k).i2,
            "hunks must be separated by an unchanged element: " + where);
      }
    }
  }

  @Test
  void randomPairs_pureDeletionsAndInsertions_sitAsFarDownAsEqualElementsAllow() {
    // The canonical placement among equally short diffs: a run that only deletes (or only
    // inserts) and could move one place down, because the element after it equals its first,
    // has been moved there.
    Random rnd = new Random(20261201L);
    int checked = 0;
    for (int n = 0; n < 3000; n++) {
      int alphabet = 1 + rnd.nextInt(3);
      int[] a = random(rnd, rnd.nextInt(16), alphabet);
      int[] b = mutate(rnd, a, alphabet);
      List<MyersDiff.Hunk> hunks = MyersDiff.diff(a, b, alphabet);
      for (MyersDiff.Hunk h : hunks) {
        String where = "case " + n + ": " + str(a) + " -> " + str(b) + " = " + hunks;
        if (h.chg2 == 0) {
          checked++;
          assertTrue(h.end1() == a.length || a[h.i1] != a[h.end1()], "deletion not down: " + where);
        }
        if (h.chg1 == 0) {
          checked++;
          int end2 = h.i2 + h.chg2;
          assertTrue(end2 == b.length || b[h.i2] != b[end2], "insertion not down: " + where);
        }
      }
    }
    assertTrue(checked > 1000, "the generator should make many pure deletions and insertions");
  }

  @Test
  void identicalSequences_noHunks() {
    int[] a = {1, 2, 3, 1, 2};
    assertEquals(0, MyersDiff.diff(a, a.clone(), 4).size());
    assertEquals(0, MyersDiff.diff(new int[0], new int[0], 1).size());
  }

  @Test
  void oneSideEmpty_oneHunkCoveringTheOther() {
    List<MyersDiff.Hunk> h = MyersDiff.diff(new int[0], new int[] {0, 1, 0}, 2);
    assertEquals("[Hunk{0+0 -> 0+3}]", h.toString());
    h = MyersDiff.diff(new int[] {0, 1, 0}, new int[0], 2);
    assertEquals("[Hunk{0+3 -> 0+0}]", h.toString());
  }

  @Test
  void insertedRunOfRepeatedLines_slidesAsFarDownAsItCan() {
    // a b | a b a b: the inserted "a b" could sit at 0, 1 or 2; the canonical place is the end.
    List<MyersDiff.Hunk> h = MyersDiff.diff(new int[] {0, 1}, new int[] {0, 1, 0, 1}, 2);
    assertEquals("[Hunk{2+0 -> 2+2}]", h.toString());
    h = MyersDiff.diff(new int[] {0, 1, 0, 1}, new int[] {0, 1}, 2);
    assertEquals("[Hunk{2+2 -> 2+0}]", h.toString());
  }

  @Test
  void deletionNextToAReplacement_staysOneHunkWithIt() {
    // x a a y -> x b a y: the deleted "a" could be either one; next to the inserted "b" it
    // forms one replacement rather than a deletion and a separate insertion.
    List<MyersDiff.Hunk> h = MyersDiff.diff(new int[] {0, 1, 1, 3}, new int[] {0, 2, 1, 3}, 4);
    assertEquals("[Hunk{1+1 -> 1+1}]", h.toString());
  }

  @Test
  void exhaustedBudget_stillAValidDiff() {
    // Two unrelated sequences over two symbols: the exact diff costs about 10^8 steps here, past
    // the default budget of 4 M + 10 per element; the result must still rebuild b. (The time
    // this takes is measured in benchmarks/, MergeTextBenchmark.mergeUnrelated.)
    Random rnd = new Random(7);
    int[] a = random(rnd, 20_000, 2);
    int[] b = random(rnd, 20_000, 2);
    assertArrayEquals(b, apply(a, b, MyersDiff.diff(a, b, 2)));
    int[] small = random(rnd, 2_000, 2);
    int[] small2 = random(rnd, 2_000, 2);
    int shortest = small.length + small2.length - 2 * lcs(small, small2);
    assertEquals(shortest, cost(MyersDiff.diff(small, small2, 2)), "within budget: exact");
    List<MyersDiff.Hunk> capped = MyersDiff.diff(small, small2, 2, 1_000);
    assertArrayEquals(small2, apply(small, small2, capped));
    assertTrue(cost(capped) > shortest, "a tiny budget should give up on the shortest diff");
  }

  static int[] random(Random rnd, int n, int alphabet) {
    int[] s = new int[n];
    for (int i = 0; i < n; i++) {
      s[i] = rnd.nextInt(alphabet);
    }
    return s;
  }

  private static int[] mutate(Random rnd, int[] a, int alphabet) {
    List<Integer> s = new ArrayList<>();
    for (int v : a) {
      s.add(v);
    }
    int ops = rnd.nextInt(5);
    for (int k = 0; k < ops; k++) {
      if (s.isEmpty() || rnd.nextBoolean()) {
        s.add(rnd.nextInt(s.size() + 1), rnd.nextInt(alphabet));
      } else {
        s.remove(rnd.nextInt(s.size()));
      }
    }
    return s.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Rebuilds b from a and the hunks, checking that the unchanged parts really are equal. */
  static int[] apply(int[] a, int[] b, List<MyersDiff.Hunk> hunks) {
    List<Integer> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    for (MyersDiff.Hunk h : hunks) {
      assertEquals(h.i1 - i, h.i2 - j, "unchanged stretch lengths differ before " + h);
      for (; i < h.i1; i++, j++) {
        assertEquals(a[i], b[j], "unchanged elements differ before " + h);
        out.add(a[i]);
      }
      for (int k = 0; k < h.chg2; k++) {
        out.add(b[h.i2 + k]);
      }
      i += h.chg1;
      j += h.chg2;
    }
    assertEquals(a.length - i, b.length - j);
    for (; i < a.length; i++) {
      out.add(a[i]);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  static int cost(List<MyersDiff.Hunk> hunks) {
    int c = 0;
    for (MyersDiff.Hunk h : hunks) {
      c += h.chg1 + h.chg2;
    }
    return c;
  }

  static int lcs(int[] a, int[] b) {
    int[] prev = new int[b.length + 1];
    for (int i = 1; i <= a.length; i++) {
      int[] cur = new int[b.length + 1];
      for (int j = 1; j <= b.length; j++) {
        cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
      }
      prev = cur;
    }
    return prev[b.length];
  }

  private static String str(int[] s) {
    StringBuilder sb = new StringBuilder();
    for (int v : s) {
      sb.append((char) ('a' + v));
    }
    return sb.toString();
  }
}
