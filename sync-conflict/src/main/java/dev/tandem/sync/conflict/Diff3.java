package dev.tandem.sync.conflict;

import java.util.ArrayList;
import java.util.List;

/**
 * A three-way merge of integer sequences (lines or words as class ids), with the rules of
 * {@code git merge-file}: each side is diffed against the base; a change made by one side only is
 * taken; changes of both sides that overlap or even touch (share an edge, including two insertions
 * at the same place) form one region, which is clean only if both sides made it identical there.
 *
 * <p>The result is symmetric: swapping local and remote yields the same chunks with the sides
 * swapped, so a clean merge produces the same sequence either way.
 */
final class Diff3 {
  enum Kind {
    /** Unchanged on both sides. */
    STABLE,
    /** Changed by local only. */
    LOCAL,
    /** Changed by remote only. */
    REMOTE,
    /** Changed identically by both. */
    BOTH,
    /** Changed differently by both. */
    CONFLICT
  }

  /** One region of the merge, with its ranges in each of the three sequences. */
  static final class Chunk {
    final Kind kind;
    final int baseStart;
    final int baseEnd;
    final int localStart;
    final int localEnd;
    final int remoteStart;
    final int remoteEnd;

    Chunk(Kind kind, int baseStart, int baseEnd, int localStart, int localEnd, int remoteStart,
        int remoteEnd) {
      this.kind = kind;
      this.baseStart = baseStart;
      this.baseEnd = baseEnd;
      this.localStart = localStart;
      this.localEnd = localEnd;
      this.remoteStart = remoteStart;
      this.remoteEnd = remoteEnd;
    }

    @Override
    public String toString() {
      return kind + "[" + baseStart + "," + baseEnd + ") L[" + localStart + "," + localEnd
          + ") R[" + remoteStart + "," + remoteEnd + ")";
    }
  }

  private Diff3() {}

  static List<Chunk> merge(int[] base, int[] local, int[] remote, int classes) {
    return merge(base, local, remote, MyersDiff.diff(base, local, classes),
        MyersDiff.diff(base, remote, classes));
  }

  static List<Chunk> merge(int[] base, int[] local, int[] remote, List<MyersDiff.Hunk> hl,
      List<MyersDiff.Hunk> hr) {
    List<Chunk> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    int pos = 0;
    int deltaL = 0;
    int deltaR = 0;
    while (i < hl.size() || j < hr.size()) {
      int cs;
      if (j >= hr.size() || (i < hl.size() && hl.get(i).i1 <= hr.get(j).i1)) {
        cs = hl.get(i).i1;
      } else {
        cs = hr.get(j).i1;
      }
      if (pos < cs) {
        out.add(new Chunk(Kind.STABLE, pos, cs, pos + deltaL, cs + deltaL, pos + deltaR,
            cs + deltaR));
      }
      int ls = cs + deltaL;
      int rs = cs + deltaR;
      int ce = cs;
      boolean anyL = false;
      boolean anyR = false;
      while (true) {
        if (i < hl.size() && hl.get(i).i1 <= ce) {
          MyersDiff.Hunk h = hl.get(i++);
          ce = Math.max(ce, h.end1());
          deltaL += h.chg2 - h.chg1;
          anyL = true;
        } else if (j < hr.size() && hr.get(j).i1 <= ce) {
          MyersDiff.Hunk h = hr.get(j++);
          ce = Math.max(ce, h.end1());
          deltaR += h.chg2 - h.chg1;
          anyR = true;
        } else {
          break;
        }
      }
      int le = ce + deltaL;
      int re = ce + deltaR;
      Kind kind;
      if (anyL && anyR) {
        kind = equalRange(local, ls, le, remote, rs, re) ? Kind.BOTH : Kind.CONFLICT;
      } else {
        kind = anyL ? Kind.LOCAL : Kind.REMOTE;
      }
      out.add(new Chunk(kind, cs, ce, ls, le, rs, re));
      pos = ce;
    }
    if (pos < base.length) {
      out.add(new Chunk(Kind.STABLE, pos, base.length, pos + deltaL, base.length + deltaL,
          pos + deltaR, base.length + deltaR));
    }
    return out;
  }

  private static boolean equalRange(int[] a, int as, int ae, int[] b, int bs, int be) {
    if (ae - as != be - bs) {
      return false;
    }
    for (int k = 0; k < ae - as; k++) {
      if (a[as + k] != b[bs + k]) {
        return false;
      }
    }
    return true;
  }
}
