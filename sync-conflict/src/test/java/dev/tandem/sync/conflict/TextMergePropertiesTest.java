package dev.tandem.sync.conflict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Algebraic properties of {@link ThreeWayMerge#mergeText}; each try is seeded by jqwik. */
class TextMergePropertiesTest {
  private static final ThreeWayMerge.TextOptions MARKERS =
      ThreeWayMerge.TextOptions.builder().conflictMarkers(true).build();

  private static String[] triple(long seed) {
    Random rnd = new Random(seed);
    List<String> base = TextGen.base(rnd);
    return new String[] {TextGen.text(rnd, base, true),
        TextGen.text(rnd, TextGen.edit(rnd, base), true),
        TextGen.text(rnd, TextGen.edit(rnd, base), true)};
  }

  @Property(tries = 400)
  void bothSidesSame_givesThatText(@ForAll long seed) {
    String[] t = triple(seed);
    MergeResult m = ThreeWayMerge.mergeText(t[0], t[1], t[1]);
    assertTrue(m.clean());
    assertEquals(t[1], m.text());
  }

  @Property(tries = 400)
  void localUnchanged_givesRemote(@ForAll long seed) {
    String[] t = triple(seed);
    MergeResult m = ThreeWayMerge.mergeText(t[0], t[0], t[2]);
    assertTrue(m.clean());
    assertEquals(t[2], m.text());
  }

  @Property(tries = 400)
  void remoteUnchanged_givesLocal(@ForAll long seed) {
    String[] t = triple(seed);
    MergeResult m = ThreeWayMerge.mergeText(t[0], t[1], t[0]);
    assertTrue(m.clean());
    assertEquals(t[1], m.text());
  }

  @Property(tries = 600)
  void cleanMerge_isSymmetric(@ForAll long seed) {
    String[] t = triple(seed);
    MergeResult ab = ThreeWayMerge.mergeText(t[0], t[1], t[2]);
    MergeResult ba = ThreeWayMerge.mergeText(t[0], t[2], t[1]);
    assertEquals(ab.clean(), ba.clean());
    if (ab.clean()) {
      assertEquals(ab.text(), ba.text());
    }
  }

  @Property(tries = 400)
  void cleanMerge_isSymmetric_withCrlfAndConversions(@ForAll long seed) {
    String[] t = triple(seed);
    Random rnd = new Random(seed ^ 0x5DEECE66DL);
    for (int i = 0; i < 3; i++) {
      if (rnd.nextBoolean()) {
        t[i] = t[i].replace("\n", "\r\n");
      }
    }
    MergeResult ab = ThreeWayMerge.mergeText(t[0], t[1], t[2]);
    MergeResult ba = ThreeWayMerge.mergeText(t[0], t[2], t[1]);
    assertEquals(ab.clean(), ba.clean());
    if (ab.clean()) {
      assertEquals(ab.text(), ba.text());
    }
  }

  /** Lines unique within the test, so that "kept" and "disjoint" are unambiguous. */
  private static List<String> uniqueBase(Random rnd) {
    int n = 1 + rnd.nextInt(30);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add("base " + i + (rnd.nextBoolean() ? " text" : "") + "\n");
    }
    return lines;
  }

  /**
   * Applies, per base line index, at most one edit: 0 keep, 1 replace, 2 delete, 3 insert before.
   */
  private static String apply(List<String> base, int[] ops, String side) {
    String[] sides = new String[base.size()];
    java.util.Arrays.fill(sides, side);
    return apply(base, ops, sides);
  }

  private static String apply(List<String> base, int[] ops, String[] sides) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < base.size(); i++) {
      String side = sides[i];
      switch (ops[i]) {
        case 1:
          sb.append(side).append(" replaced ").append(i).append('\n');
          break;
        case 2:
          break;
        case 3:
          sb.append(side).append(" inserted ").append(i).append('\n').append(base.get(i));
          break;
        default:
          sb.append(base.get(i));
      }
    }
    return sb.toString();
  }

  @Property(tries = 500)
  void editsToDisjointLines_alwaysMergeClean(@ForAll long seed) {
    Random rnd = new Random(seed);
    List<String> base = uniqueBase(rnd);
    int n = base.size();
    int[] local = new int[n];
    int[] remote = new int[n];
    int[] both = new int[n];
    for (int i = 0; i < n; i++) {
      if (rnd.nextInt(3) != 0) {
        continue;
      }
      int op = 1 + rnd.nextInt(3);
      boolean toLocal = rnd.nextBoolean();
      int[] mine = toLocal ? local : remote;
      int[] other = toLocal ? remote : local;
      // Disjoint: at least one line that neither side touches between edits of different sides.
      boolean nearOther = (i > 0 && other[i - 1] != 0) || other[i] != 0
          || (i + 1 < n && other[i + 1] != 0);
      if (!nearOther) {
        mine[i] = op;
        both[i] = op;
      }
    }
    String b = String.join("", base);
    String l = apply(base, local, "local");
    String r = apply(base, remote, "remote");
    String[] sides = new String[n];
    for (int i = 0; i < n; i++) {
      sides[i] = local[i] != 0 ? "local" : "remote";
    }
    String expected = apply(base, both, sides);
    MergeResult m = ThreeWayMerge.mergeText(b, l, r,
        ThreeWayMerge.TextOptions.builder().wordLevel(false).build());
    assertTrue(m.clean(), () -> "base=" + b + "\nlocal=" + l + "\nremote=" + r);
    assertEquals(expected, m.text());
  }

  @Property(tries = 500)
  void merging_neverDropsALineBothSidesKept(@ForAll long seed) {
    Random rnd = new Random(seed);
    List<String> base = uniqueBase(rnd);
    int n = base.size();
    int[] local = new int[n];
    int[] remote = new int[n];
    for (int i = 0; i < n; i++) {
      local[i] = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(3) : 0;
      remote[i] = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(3) : 0;
    }
    String l = apply(base, local, "local");
    String r = apply(base, remote, "remote");
    String b = String.join("", base);
    for (ThreeWayMerge.TextOptions o : new ThreeWayMerge.TextOptions[] {
        ThreeWayMerge.TextOptions.defaults(), MARKERS}) {
      MergeResult m = ThreeWayMerge.mergeText(b, l, r, o);
      List<String> out = TextMerger.lines(m.text());
      for (int i = 0; i < n; i++) {
        boolean keptByBoth = (local[i] == 0 || local[i] == 3) && (remote[i] == 0 || remote[i] == 3);
        if (keptByBoth) {
          String line = base.get(i);
          assertTrue(out.contains(line), () -> "dropped " + line + " from " + m.text());
        }
      }
    }
  }
}
