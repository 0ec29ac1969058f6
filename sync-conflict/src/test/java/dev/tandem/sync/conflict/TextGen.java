package dev.tandem.sync.conflict;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small line-based texts over a small vocabulary, so that edits overlap and lines repeat. */
final class TextGen {
  private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "eps", "zeta"};

  private TextGen() {}

  static String line(Random rnd) {
    int n = 1 + rnd.nextInt(3);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(WORDS[rnd.nextInt(WORDS.length)]);
    }
    return sb.append('\n').toString();
  }

  static List<String> base(Random rnd) {
    // Mostly tiny texts, where overlaps are frequent; some longer ones, where git's handling of
    // frequent lines (a threshold that grows with the square root of the length) kicks in.
    int n = rnd.nextInt(5) == 0 ? rnd.nextInt(41) : rnd.nextInt(11);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lines.add(line(rnd));
    }
    return lines;
  }

  /** Returns an edited copy: a few line replacements, deletions, insertions or word edits. */
  static List<String> edit(Random rnd, List<String> base) {
    List<String> lines = new ArrayList<>(base);
    int ops = rnd.nextInt(4 + base.size() / 5);
    for (int k = 0; k < ops; k++) {
      int op = rnd.nextInt(4);
      if (lines.isEmpty() || op == 2) {
        lines.add(rnd.nextInt(lines.size() + 1), line(rnd));
      } else {
        int i = rnd.nextInt(lines.size());
        if (op == 0) {
          lines.set(i, line(rnd));
        } else if (op == 1) {
          lines.remove(i);
        } else {
          String[] w = lines.get(i).trim().split(" ");
          w[rnd.nextInt(w.length)] = WORDS[rnd.nextInt(WORDS.length)];
          lines.set(i, String.join(" ", w) + "\n");
        }
      }
    }
    return lines;
  }

  static String text(Random rnd, List<String> lines, boolean mayDropFinalNewline) {
    String s = String.join("", lines);
    if (mayDropFinalNewline && !s.isEmpty() && rnd.nextInt(10) == 0) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
  /**
   * A long text (2,000 to 5,000 lines) shaped like code or prose with structure: a third of the
   * lines are a handful of very frequent ones (blank, a brace, a separator), the rest drawn from
   * the small vocabulary, so that most lines also repeat.
   */
  static List<String> largeBase(Random rnd) {
    int n = 2000 + rnd.nextInt(3001);
    List<String> lines = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      lines.add(rnd.nextInt(3) == 0 ? FREQUENT[rnd.nextInt(FREQUENT.length)] : longLine(rnd));
    }
    return lines;
  }

  private static final String[] FREQUENT = {"\n", "}\n", "  return;\n", "----\n"};

  private static String longLine(Random rnd) {
    int n = 1 + rnd.nextInt(5);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(WORDS[rnd.nextInt(WORDS.length)]);
    }
    return sb.append('\n').toString();
  }

  /** A few dozen edits spread over a long text: replaced, deleted, inserted or frequent lines. */
  static List<String> scatteredEdit(Random rnd, List<String> base) {
    List<String> lines = new ArrayList<>(base);
    int ops = 1 + rnd.nextInt(1 + base.size() / 60);
    for (int k = 0; k < ops; k++) {
      int i = rnd.nextInt(lines.size());
      switch (rnd.nextInt(4)) {
        case 0:
          lines.set(i, longLine(rnd));
          break;
        case 1:
          lines.remove(i);
          break;
        case 2:
          lines.add(i, FREQUENT[rnd.nextInt(FREQUENT.length)]);
          break;
        default:
          for (int j = 0, run = 1 + rnd.nextInt(4); j < run; j++) {
            lines.add(i, longLine(rnd));
          }
      }
    }
    return lines;
  }
}
