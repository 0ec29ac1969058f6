package dev.tandem.sync.conflict;

import java.util.ArrayList;
import java.util.List;

/**
 * A line (or word) diff over sequences of integer class ids (equal ids mean equal elements),
 * written from E. W. Myers, "An O(ND) Difference Algorithm and Its Variations" (1986): the
 * linear-space variant that finds the middle snake of an optimal path by searching forward and
 * backward at once, then divides and conquers.
 *
 * <p>Around the search: common ends are trimmed first; elements that occur nowhere in the other
 * sequence are marked changed up front, since no path can match them, which keeps the search
 * small when edits introduce new lines. Afterwards each run of changed elements is slid to a
 * canonical place (as far down as equal elements allow, unless an earlier place lines it up with
 * a change of the other sequence). Among several shortest diffs that picks the one
 * {@code git merge-file} tends to pick, which matters because the three-way merge on top must
 * agree with git.
 *
 * <p>Cost: O((N + M) · D) time for sequences of N and M elements differing in D, and O(N + M)
 * space. The search is capped by a work budget of {@link #BUDGET_PER_ELEMENT} steps per element
 * plus {@link #BUDGET_BASE}; a pair that exhausts it (very different texts full of repeated
 * lines) gets a correct but not minimal diff: the parts not yet searched count as replaced
 * wholesale. The cap keeps every diff within a few tens of milliseconds.
 */
final class MyersDiff {
  /** One change: {@code a[i1, i1 + chg1)} was replaced by {@code b[i2, i2 + chg2)}. */
  static final class Hunk {
    final int i1;
    final int i2;
    final int chg1;
    final int chg2;

    Hunk(int i1, int i2, int chg1, int chg2) {
      this.i1 = i1;
      this.i2 = i2;
      this.chg1 = chg1;
      this.chg2 = chg2;
    }

    int end1() {
      return i1 + chg1;
    }

    @Override
    public String toString() {
      return "Hunk{" + i1 + "+" + chg1 + " -> " + i2 + "+" + chg2 + "}";
    }
  }

  /** Search steps allowed per element of the two sequences, on top of {@link #BUDGET_BASE}. */
  static final long BUDGET_PER_ELEMENT = 10;

  /** Search steps always allowed, so that small texts are always diffed exactly. */
  static final long BUDGET_BASE = 4_000_000;

  private static final int NONE = Integer.MAX_VALUE;

  private final int[] a;
  private final int[] b;
  private final boolean[] changedA;
  private final boolean[] changedB;
  // The reduced sequences the search runs on, and where each element came from.
  private int[] ra;
  private int[] rb;
  private int[] fromA;
  private int[] fromB;
  private int[] forward;
  private int[] backward;
  private long budget;

  private MyersDiff(int[] a, int[] b) {
    this.a = a;
    this.b = b;
    this.changedA = new boolean[a.length];
    this.changedB = new boolean[b.length];
  }

  /** Returns the changes turning {@code a} into {@code b}, in order. */
  static List<Hunk> diff(int[] a, int[] b, int classes) {
    return diff(a, b, classes, BUDGET_BASE + BUDGET_PER_ELEMENT * ((long) a.length + b.length));
  }

  /** As {@link #diff(int[], int[], int)} with an explicit work budget (for tests). */
  static List<Hunk> diff(int[] a, int[] b, int classes, long budget) {
    MyersDiff d = new MyersDiff(a, b);
    d.budget = budget;
    d.run(classes);
    d.compact(d.a, d.changedA, d.b, d.changedB);
    d.compact(d.b, d.changedB, d.a, d.changedA);
    return d.hunks();
  }

  private void run(int classes) {
    int lo = 0;
    int hiA = a.length;
    int hiB = b.length;
    while (lo < hiA && lo < hiB && a[lo] == b[lo]) {
      lo++;
    }
    while (hiA > lo && hiB > lo && a[hiA - 1] == b[hiB - 1]) {
      hiA--;
      hiB--;
    }
    if (lo == hiA && lo == hiB) {
      return;
    }
    int[] inA = new int[classes];
    int[] inB = new int[classes];
    for (int i = lo; i < hiA; i++) {
      inA[a[i]]++;
    }
    for (int j = lo; j < hiB; j++) {
      inB[b[j]]++;
    }
    ra = new int[hiA - lo];
    fromA = new int[hiA - lo];
    int n = 0;
    for (int i = lo; i < hiA; i++) {
      if (inB[a[i]] == 0) {
        changedA[i] = true;
      } else {
        ra[n] = a[i];
        fromA[n++] = i;
      }
    }
    rb = new int[hiB - lo];
    fromB = new int[hiB - lo];
    int m = 0;
    for (int j = lo; j < hiB; j++) {
      if (inA[b[j]] == 0) {
        changedB[j] = true;
      } else {
        rb[m] = b[j];
        fromB[m++] = j;
      }
    }
    int width = n + m + 3;
    forward = new int[2 * width + 1];
    backward = new int[2 * width + 1];
    solve(0, n, 0, m);
  }

  /** Marks the changes between {@code ra[x0, x1)} and {@code rb[y0, y1)}. */
  private void solve(int x0, int x1, int y0, int y1) {
    while (x0 < x1 && y0 < y1 && ra[x0] == rb[y0]) {
      x0++;
      y0++;
    }
    while (x1 > x0 && y1 > y0 && ra[x1 - 1] == rb[y1 - 1]) {
      x1--;
      y1--;
    }
    if (x0 == x1 || y0 == y1 || budget <= 0) {
      markReplaced(x0, x1, y0, y1);
      return;
    }
    int[] snake = middleSnake(x0, x1, y0, y1);
    if (snake == null) {
      markReplaced(x0, x1, y0, y1);
      return;
    }
    solve(x0, snake[0], y0, snake[1]);
    solve(snake[2], x1, snake[3], y1);
  }

  private void markReplaced(int x0, int x1, int y0, int y1) {
    for (int x = x0; x < x1; x++) {
      changedA[fromA[x]] = true;
    }
    for (int y = y0; y < y1; y++) {
      changedB[fromB[y]] = true;
    }
  }

  /**
   * Finds the middle snake of a shortest path through the box, both ends non-empty and differing
   * at both ends; returns {start x, start y, end x, end y} in absolute indices, or null once the
   * work budget is spent. Diagonals are numbered k = x - y relative to the box's corner; the
   * forward search keeps the furthest x per diagonal reached from the top left, the backward
   * search the smallest x reached from the bottom right.
   */
  private int[] middleSnake(int x0, int x1, int y0, int y1) {
    int n = x1 - x0;
    int m = y1 - y0;
    int delta = n - m;
    boolean odd = (delta & 1) != 0;
    // Arrays are indexed by k + off; k lies within [-m, n].
    int off = m + 1;
    int fLo = 0;
    int fHi = 0;
    int bLo = delta;
    int bHi = delta;
    forward[off] = 0;
    backward[off + delta] = n;
    // Round 0 of each search is the snake from its corner.
    int x = slideForward(x0, y0, 0, 0, n, m);
    forward[off] = x;
    x = slideBackward(x0, y0, n, n - delta);
    backward[off + delta] = x;
    for (int d = 1; ; d++) {
      // Forward round d.
      int nLo = fLo - 1 >= -m ? fLo - 1 : fLo + 1;
      int nHi = fHi + 1 <= n ? fHi + 1 : fHi - 1;
      for (int k = nHi; k >= nLo; k -= 2) {
        // A step down from diagonal k + 1 or right from k - 1, whichever gets further and
        // stays inside the box; -1 marks a diagonal no path of this cost reaches.
        int above = k + 1 <= fHi ? forward[off + k + 1] : -1;
        int left = k - 1 >= fLo ? forward[off + k - 1] : -1;
        int down = above >= 0 && above - k <= m ? above : -1;
        int right = left >= 0 && left + 1 <= n ? left + 1 : -1;
        int start = down >= right ? down : right;
        if (start < 0) {
          forward[off + k] = -1;
          continue;
        }
        int end = slideForward(x0, y0, start, start - k, n, m);
        forward[off + k] = end;
        budget -= 1 + end - start;
        if (odd && k >= bLo && k <= bHi && end >= backward[off + k]) {
          return new int[] {x0 + start, y0 + start - k, x0 + end, y0 + end - k};
        }
      }
      fLo = nLo;
      fHi = nHi;
      // Backward round d.
      nLo = bLo - 1 >= -m ? bLo - 1 : bLo + 1;
      nHi = bHi + 1 <= n ? bHi + 1 : bHi - 1;
      for (int k = nHi; k >= nLo; k -= 2) {
        // A step up from diagonal k - 1 or left from k + 1, whichever gets further back;
        // NONE marks a diagonal no path of this cost reaches.
        int below = k - 1 >= bLo ? backward[off + k - 1] : NONE;
        int rightOf = k + 1 <= bHi ? backward[off + k + 1] : NONE;
        int up = below != NONE && below - k >= 0 ? below : NONE;
        int back = rightOf != NONE && rightOf - 1 >= 0 ? rightOf - 1 : NONE;
        int start = up <= back ? up : back;
        if (start == NONE) {
          backward[off + k] = NONE;
          continue;
        }
        int end = slideBackward(x0, y0, start, start - k);
        backward[off + k] = end;
        budget -= 1 + start - end;
        if (!odd && k >= fLo && k <= fHi && end <= forward[off + k]) {
          return new int[] {x0 + end, y0 + end - k, x0 + start, y0 + start - k};
        }
      }
      bLo = nLo;
      bHi = nHi;
      if (budget <= 0) {
        return null;
      }
    }
  }

  /** Follows equal elements down-right from relative (x, y); returns the x reached. */
  private int slideForward(int x0, int y0, int x, int y, int n, int m) {
    while (x < n && y < m && ra[x0 + x] == rb[y0 + y]) {
      x++;
      y++;
    }
    return x;
  }

  /** Follows equal elements up-left from relative (x, y); returns the x reached. */
  private int slideBackward(int x0, int y0, int x, int y) {
    while (x > 0 && y > 0 && ra[x0 + x - 1] == rb[y0 + y - 1]) {
      x--;
      y--;
    }
    return x;
  }

  /**
   * Moves each run of changed elements of {@code s} to its canonical place. A run whose first
   * element equals the element after it can move down one place (and one whose last element
   * equals the element before it, up) without changing the diff's size; runs merge when they
   * meet. Each run goes to the lowest place it can reach, unless some place in its range sits
   * opposite a change of {@code other}: then the lowest such place, so that a replacement stays
   * one change rather than a deletion next to an insertion.
   */
  private static void compact(int[] s, boolean[] ch, int[] other, boolean[] chOther) {
    int n = s.length;
    // For each number u of unchanged elements, whether the other side has a change right before
    // its u-th unchanged element (u counted from 0; u == count means at its end).
    int unchangedOther = 0;
    for (boolean c : chOther) {
      if (!c) {
        unchangedOther++;
      }
    }
    boolean[] opposite = new boolean[unchangedOther + 1];
    int u0 = 0;
    boolean pending = false;
    for (int j = 0; j < other.length; j++) {
      if (chOther[j]) {
        pending = true;
      } else {
        opposite[u0++] = pending;
        pending = false;
      }
    }
    opposite[u0] = pending;

    int unchangedBefore = 0;
    int i = 0;
    while (i < n) {
      if (!ch[i]) {
        unchangedBefore++;
        i++;
        continue;
      }
      int start = i;
      int end = i;
      while (end < n && ch[end]) {
        end++;
      }
      int u = unchangedBefore;
      int size;
      do {
        size = end - start;
        while (start > 0 && s[start - 1] == s[end - 1]) {
          ch[--start] = true;
          ch[--end] = false;
          u--;
          while (start > 0 && ch[start - 1]) {
            start--;
          }
        }
        int alignedEnd = opposite[u] ? end : -1;
        while (end < n && s[start] == s[end]) {
          ch[start++] = false;
          ch[end++] = true;
          u++;
          while (end < n && ch[end]) {
            end++;
          }
          if (opposite[u]) {
            alignedEnd = end;
          }
        }
        if (alignedEnd >= 0 && end - start == size) {
          while (end > alignedEnd) {
            ch[--start] = true;
            ch[--end] = false;
            u--;
          }
        }
      } while (end - start != size);
      i = end;
      unchangedBefore = u;
    }
  }

  private List<Hunk> hunks() {
    List<Hunk> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && !changedA[i] && !changedB[j]) {
        i++;
        j++;
        continue;
      }
      int si = i;
      int sj = j;
      while (i < a.length && changedA[i]) {
        i++;
      }
      while (j < b.length && changedB[j]) {
        j++;
      }
      out.add(new Hunk(si, sj, i - si, j - sj));
    }
    return out;
  }
}
