package dev.tandem.sync.conflict;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Myers diff over sequences of integer class ids (equal ids mean equal elements), shaped after
 * libxdiff as used by {@code git merge-file}: common ends are trimmed, elements without a match in
 * the other sequence (and runs of very frequent ones) are set aside before the search, the O(ND)
 * search is the linear-space divide-and-conquer variant with git's cost heuristics, and change
 * groups are finally slid down as far as they go (or back to line up with a change on the other
 * side). Following git's choices matters: when several minimal diffs exist, the three-way merge
 * built on top gives the same answer as git only if both pick the same diff.
 *
 * <p>Cost: O((N + M) · D) time in the worst case, bounded further by the heuristics, and O(N + M)
 * space.
 */
final class XDiff {
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

  private static final int MAX_EQLIMIT = 1024;
  private static final int SIMSCAN_WINDOW = 100;
  private static final int KPDIS_RUN = 4;
  private static final int HEUR_MIN_COST = 256;
  private static final int MAX_COST_MIN = 256;
  private static final int SNAKE_CNT = 20;
  private static final int K_HEUR = 4;

  private static final byte DISCARD = 0;
  private static final byte KEEP = 1;
  private static final byte INVESTIGATE = 2;

  private XDiff() {}

  /**
   * Returns the changes turning {@code a} into {@code b}, in order.
   *
   * @param classes one more than the largest id in either sequence
   */
  static List<Hunk> diff(int[] a, int[] b, int classes) {
    int n1 = a.length;
    int n2 = b.length;
    // rchg[i + 1] marks element i as changed; index 0 and n + 1 are sentinels that stay 0.
    byte[] rchg1 = new byte[n1 + 2];
    byte[] rchg2 = new byte[n2 + 2];

    int lim = Math.min(n1, n2);
    int dstart = 0;
    while (dstart < lim && a[dstart] == b[dstart]) {
      dstart++;
    }
    int tail = 0;
    while (tail < lim - dstart && a[n1 - 1 - tail] == b[n2 - 1 - tail]) {
      tail++;
    }
    int dend1 = n1 - tail - 1;
    int dend2 = n2 - tail - 1;

    int[] count1 = new int[classes];
    int[] count2 = new int[classes];
    for (int x : a) {
      count1[x]++;
    }
    for (int x : b) {
      count2[x]++;
    }
    byte[] action1 = new byte[n1];
    byte[] action2 = new byte[n2];
    int mlim1 = Math.min(bogosqrt(n1), MAX_EQLIMIT);
    for (int i = dstart; i <= dend1; i++) {
      int nm = count2[a[i]];
      action1[i] = nm == 0 ? DISCARD : nm >= mlim1 ? INVESTIGATE : KEEP;
    }
    int mlim2 = Math.min(bogosqrt(n2), MAX_EQLIMIT);
    for (int i = dstart; i <= dend2; i++) {
      int nm = count1[b[i]];
      action2[i] = nm == 0 ? DISCARD : nm >= mlim2 ? INVESTIGATE : KEEP;
    }
    int[] rindex1 = new int[Math.max(0, dend1 - dstart + 1)];
    int[] ha1 = new int[rindex1.length];
    int nreff1 = 0;
    for (int i = dstart; i <= dend1; i++) {
      if (action1[i] == KEEP
          || (action1[i] == INVESTIGATE && !cleanMmatch(action1, i, dstart, dend1))) {
        rindex1[nreff1] = i;
        ha1[nreff1++] = a[i];
      } else {
        rchg1[i + 1] = 1;
      }
    }
    int[] rindex2 = new int[Math.max(0, dend2 - dstart + 1)];
    int[] ha2 = new int[rindex2.length];
    int nreff2 = 0;
    for (int i = dstart; i <= dend2; i++) {
      if (action2[i] == KEEP
          || (action2[i] == INVESTIGATE && !cleanMmatch(action2, i, dstart, dend2))) {
        rindex2[nreff2] = i;
        ha2[nreff2++] = b[i];
      } else {
        rchg2[i + 1] = 1;
      }
    }

    new Search(ha1, nreff1, rindex1, rchg1, ha2, nreff2, rindex2, rchg2).run();

    compact(rchg1, a, n1, rchg2, n2);
    compact(rchg2, b, n2, rchg1, n1);
    return buildScript(rchg1, n1, rchg2, n2);
  }

  private static int bogosqrt(int n) {
    int i = 1;
    for (; n > 0; n >>= 2) {
      i <<= 1;
    }
    return i;
  }

  /**
   * Decides whether a very frequent element inside a run of unmatched or frequent elements should
   * be set aside: keeping it would only let the search align on noise.
   */
  private static boolean cleanMmatch(byte[] dis, int i, int s, int e) {
    if (i - s > SIMSCAN_WINDOW) {
      s = i - SIMSCAN_WINDOW;
    }
    if (e - i > SIMSCAN_WINDOW) {
      e = i + SIMSCAN_WINDOW;
    }
    int rdis0 = 0;
    int rpdis0 = 1;
    for (int r = 1; i - r >= s; r++) {
      if (dis[i - r] == DISCARD) {
        rdis0++;
      } else if (dis[i - r] == INVESTIGATE) {
        rpdis0++;
      } else {
        break;
      }
    }
    if (rdis0 == 0) {
      return false;
    }
    int rdis1 = 0;
    int rpdis1 = 1;
    for (int r = 1; i + r <= e; r++) {
      if (dis[i + r] == DISCARD) {
        rdis1++;
      } else if (dis[i + r] == INVESTIGATE) {
        rpdis1++;
      } else {
        break;
      }
    }
    if (rdis1 == 0) {
      return false;
    }
    rdis1 += rdis0;
    rpdis1 += rpdis0;
    return rpdis1 * KPDIS_RUN < rpdis1 + rdis1;
  }

  /** The divide-and-conquer Myers search over the kept elements. */
  private static final class Search {
    private final int[] ha1;
    private final int[] ha2;
    private final int[] rindex1;
    private final int[] rindex2;
    private final byte[] rchg1;
    private final byte[] rchg2;
    private final int nreff1;
    private final int nreff2;
    private final int[] kvdf;
    private final int[] kvdb;
    private final int kOff;
    private final int mxcost;
    // Split result.
    private int splI1;
    private int splI2;
    private boolean minLo;
    private boolean minHi;

    Search(int[] ha1, int nreff1, int[] rindex1, byte[] rchg1, int[] ha2, int nreff2,
        int[] rindex2, byte[] rchg2) {
      this.ha1 = ha1;
      this.ha2 = ha2;
      this.nreff1 = nreff1;
      this.nreff2 = nreff2;
      this.rindex1 = rindex1;
      this.rindex2 = rindex2;
      this.rchg1 = rchg1;
      this.rchg2 = rchg2;
      int ndiags = nreff1 + nreff2 + 3;
      this.kvdf = new int[ndiags + 2];
      this.kvdb = new int[ndiags + 2];
      this.kOff = nreff2 + 2;
      this.mxcost = Math.max(bogosqrt(ndiags), MAX_COST_MIN);
    }

    void run() {
      // An explicit stack instead of recursion: deep inputs must not overflow the thread stack.
      ArrayList<int[]> stack = new ArrayList<>();
      stack.add(new int[] {0, nreff1, 0, nreff2, 0});
      while (!stack.isEmpty()) {
        int[] t = stack.remove(stack.size() - 1);
        int off1 = t[0];
        int lim1 = t[1];
        int off2 = t[2];
        int lim2 = t[3];
        boolean needMin = t[4] != 0;
        while (off1 < lim1 && off2 < lim2 && ha1[off1] == ha2[off2]) {
          off1++;
          off2++;
        }
        while (off1 < lim1 && off2 < lim2 && ha1[lim1 - 1] == ha2[lim2 - 1]) {
          lim1--;
          lim2--;
        }
        if (off1 == lim1) {
          for (; off2 < lim2; off2++) {
            rchg2[rindex2[off2] + 1] = 1;
          }
        } else if (off2 == lim2) {
          for (; off1 < lim1; off1++) {
            rchg1[rindex1[off1] + 1] = 1;
          }
        } else {
          split(off1, lim1, off2, lim2, needMin);
          int si1 = splI1;
          int si2 = splI2;
          stack.add(new int[] {si1, lim1, si2, lim2, minHi ? 1 : 0});
          stack.add(new int[] {off1, si1, off2, si2, minLo ? 1 : 0});
        }
      }
    }

    private int f(int d) {
      return kvdf[d + kOff];
    }

    private void setF(int d, int v) {
      kvdf[d + kOff] = v;
    }

    private int bk(int d) {
      return kvdb[d + kOff];
    }

    private void setB(int d, int v) {
      kvdb[d + kOff] = v;
    }

    /** Finds a point on an optimal (or, past the cost limits, a good) path through the box. */
    private void split(int off1, int lim1, int off2, int lim2, boolean needMin) {
      int dmin = off1 - lim2;
      int dmax = lim1 - off2;
      int fmid = off1 - off2;
      int bmid = lim1 - lim2;
      boolean odd = ((fmid - bmid) & 1) != 0;
      int fmin = fmid;
      int fmax = fmid;
      int bmin = bmid;
      int bmax = bmid;
      setF(fmid, off1);
      setB(bmid, lim1);
      for (int ec = 1; ; ec++) {
        boolean gotSnake = false;
        if (fmin > dmin) {
          setF(--fmin - 1, -1);
        } else {
          ++fmin;
        }
        if (fmax < dmax) {
          setF(++fmax + 1, -1);
        } else {
          --fmax;
        }
        for (int d = fmax; d >= fmin; d -= 2) {
          int i1;
          if (f(d - 1) >= f(d + 1)) {
            i1 = f(d - 1) + 1;
          } else {
            i1 = f(d + 1);
          }
          int prev1 = i1;
          int i2 = i1 - d;
          while (i1 < lim1 && i2 < lim2 && ha1[i1] == ha2[i2]) {
            i1++;
            i2++;
          }
          if (i1 - prev1 > SNAKE_CNT) {
            gotSnake = true;
          }
          setF(d, i1);
          if (odd && bmin <= d && d <= bmax && bk(d) <= i1) {
            splI1 = i1;
            splI2 = i2;
            minLo = true;
            minHi = true;
            return;
          }
        }
        if (bmin > dmin) {
          setB(--bmin - 1, Integer.MAX_VALUE);
        } else {
          ++bmin;
        }
        if (bmax < dmax) {
          setB(++bmax + 1, Integer.MAX_VALUE);
        } else {
          --bmax;
        }
        for (int d = bmax; d >= bmin; d -= 2) {
          int i1;
          if (bk(d - 1) < bk(d + 1)) {
            i1 = bk(d - 1);
          } else {
            i1 = bk(d + 1) - 1;
          }
          int prev1 = i1;
          int i2 = i1 - d;
          while (i1 > off1 && i2 > off2 && ha1[i1 - 1] == ha2[i2 - 1]) {
            i1--;
            i2--;
          }
          if (prev1 - i1 > SNAKE_CNT) {
            gotSnake = true;
          }
          setB(d, i1);
          if (!odd && fmin <= d && d <= fmax && i1 <= f(d)) {
            splI1 = i1;
            splI2 = i2;
            minLo = true;
            minHi = true;
            return;
          }
        }
        if (needMin) {
          continue;
        }
        // Heuristic: past a minimum cost, settle for a long snake well advanced on the path.
        if (gotSnake && ec > HEUR_MIN_COST) {
          int best = 0;
          for (int d = fmax; d >= fmin; d -= 2) {
            int dd = d > fmid ? d - fmid : fmid - d;
            int i1 = f(d);
            int i2 = i1 - d;
            int v = (i1 - off1) + (i2 - off2) - dd;
            if (v > K_HEUR * ec && v > best && off1 + SNAKE_CNT <= i1 && i1 < lim1
                && off2 + SNAKE_CNT <= i2 && i2 < lim2) {
              for (int k = 1; ha1[i1 - k] == ha2[i2 - k]; k++) {
                if (k == SNAKE_CNT) {
                  best = v;
                  splI1 = i1;
                  splI2 = i2;
                  break;
                }
              }
            }
          }
          if (best > 0) {
            minLo = true;
            minHi = false;
            return;
          }
          best = 0;
          for (int d = bmax; d >= bmin; d -= 2) {
            int dd = d > bmid ? d - bmid : bmid - d;
            int i1 = bk(d);
            int i2 = i1 - d;
            int v = (lim1 - i1) + (lim2 - i2) - dd;
            if (v > K_HEUR * ec && v > best && off1 < i1 && i1 <= lim1 - SNAKE_CNT
                && off2 < i2 && i2 <= lim2 - SNAKE_CNT) {
              for (int k = 0; ha1[i1 + k] == ha2[i2 + k]; k++) {
                if (k == SNAKE_CNT - 1) {
                  best = v;
                  splI1 = i1;
                  splI2 = i2;
                  break;
                }
              }
            }
          }
          if (best > 0) {
            minLo = false;
            minHi = true;
            return;
          }
        }
        // Hard limit: take the furthest-reaching diagonal so far and stop searching.
        if (ec >= mxcost) {
          int fbest = -1;
          int fbest1 = -1;
          for (int d = fmax; d >= fmin; d -= 2) {
            int i1 = Math.min(f(d), lim1);
            int i2 = i1 - d;
            if (lim2 < i2) {
              i1 = lim2 + d;
              i2 = lim2;
            }
            if (fbest < i1 + i2) {
              fbest = i1 + i2;
              fbest1 = i1;
            }
          }
          int bbest = Integer.MAX_VALUE;
          int bbest1 = Integer.MAX_VALUE;
          for (int d = bmax; d >= bmin; d -= 2) {
            int i1 = Math.max(off1, bk(d));
            int i2 = i1 - d;
            if (i2 < off2) {
              i1 = off2 + d;
              i2 = off2;
            }
            if (i1 + i2 < bbest) {
              bbest = i1 + i2;
              bbest1 = i1;
            }
          }
          if ((lim1 + lim2) - bbest < fbest - (off1 + off2)) {
            splI1 = fbest1;
            splI2 = fbest - fbest1;
            minLo = true;
            minHi = false;
          } else {
            splI1 = bbest1;
            splI2 = bbest - bbest1;
            minLo = false;
            minHi = true;
          }
          return;
        }
      }
    }
  }

  // ---- Compaction: groups of changes are slid to a canonical place. ----

  /** A group of changed elements [start, end) in one sequence; rchg is offset by one. */
  private static final class Group {
    int start;
    int end;
  }

  private static boolean changed(byte[] rchg, int i) {
    return i >= -1 && i + 1 < rchg.length && rchg[i + 1] != 0;
  }

  private static void groupInit(byte[] rchg, Group g) {
    g.start = 0;
    g.end = 0;
    while (changed(rchg, g.end)) {
      g.end++;
    }
  }

  private static boolean groupNext(byte[] rchg, int n, Group g) {
    if (g.end == n) {
      return false;
    }
    g.start = g.end + 1;
    g.end = g.start;
    while (changed(rchg, g.end)) {
      g.end++;
    }
    return true;
  }

  private static boolean groupPrevious(byte[] rchg, Group g) {
    if (g.start == 0) {
      return false;
    }
    g.end = g.start - 1;
    g.start = g.end;
    while (changed(rchg, g.start - 1)) {
      g.start--;
    }
    return true;
  }

  private static boolean groupSlideDown(byte[] rchg, int[] recs, int n, Group g) {
    if (g.end < n && recs[g.start] == recs[g.end]) {
      rchg[g.start++ + 1] = 0;
      rchg[g.end++ + 1] = 1;
      while (changed(rchg, g.end)) {
        g.end++;
      }
      return true;
    }
    return false;
  }

  private static boolean groupSlideUp(byte[] rchg, int[] recs, Group g) {
    if (g.start > 0 && recs[g.start - 1] == recs[g.end - 1]) {
      rchg[--g.start + 1] = 1;
      rchg[--g.end + 1] = 0;
      while (changed(rchg, g.start - 1)) {
        g.start--;
      }
      return true;
    }
    return false;
  }

  private static void compact(byte[] rchg, int[] recs, int n, byte[] rchgo, int no) {
    Group g = new Group();
    Group go = new Group();
    groupInit(rchg, g);
    groupInit(rchgo, go);
    while (true) {
      if (g.end != g.start) {
        int groupsize;
        int earliestEnd;
        int endMatchingOther;
        do {
          groupsize = g.end - g.start;
          endMatchingOther = -1;
          while (groupSlideUp(rchg, recs, g)) {
            if (!groupPrevious(rchgo, go)) {
              throw new IllegalStateException("group sync broken sliding up");
            }
          }
          earliestEnd = g.end;
          if (go.end > go.start) {
            endMatchingOther = g.end;
          }
          while (groupSlideDown(rchg, recs, n, g)) {
            if (!groupNext(rchgo, no, go)) {
              throw new IllegalStateException("group sync broken sliding down");
            }
            if (go.end > go.start) {
              endMatchingOther = g.end;
            }
          }
        } while (groupsize != g.end - g.start);
        if (g.end != earliestEnd && endMatchingOther != -1) {
          while (go.end == go.start) {
            if (!groupSlideUp(rchg, recs, g)) {
              throw new IllegalStateException("match disappeared");
            }
            if (!groupPrevious(rchgo, go)) {
              throw new IllegalStateException("group sync broken sliding to match");
            }
          }
        }
      }
      if (!groupNext(rchg, n, g)) {
        break;
      }
      if (!groupNext(rchgo, no, go)) {
        throw new IllegalStateException("group sync broken moving to next group");
      }
    }
  }

  private static List<Hunk> buildScript(byte[] rchg1, int n1, byte[] rchg2, int n2) {
    List<Hunk> out = new ArrayList<>();
    for (int i1 = n1, i2 = n2; i1 >= 0 || i2 >= 0; i1--, i2--) {
      if (changed(rchg1, i1 - 1) || changed(rchg2, i2 - 1)) {
        int l1 = i1;
        int l2 = i2;
        while (changed(rchg1, i1 - 1)) {
          i1--;
        }
        while (changed(rchg2, i2 - 1)) {
          i2--;
        }
        out.add(new Hunk(i1, i2, l1 - i1, l2 - i2));
      }
    }
    Collections.reverse(out);
    return out;
  }
}
