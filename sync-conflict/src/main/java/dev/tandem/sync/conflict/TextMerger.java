package dev.tandem.sync.conflict;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The text merge behind {@link ThreeWayMerge#mergeText}: line-wise diff3, then word refinement. */
final class TextMerger {
  /** Past this many words on one side of a conflicting region, word refinement is not tried. */
  static final int MAX_REFINE_TOKENS = 200_000;

  private enum Eol {
    NONE, LF, CRLF, MIXED
  }

  private final boolean markers;
  private final boolean wordLevel;
  private final String localLabel;
  private final String remoteLabel;

  TextMerger(boolean markers, boolean wordLevel, String localLabel, String remoteLabel) {
    this.markers = markers;
    this.wordLevel = wordLevel;
    this.localLabel = localLabel;
    this.remoteLabel = remoteLabel;
  }

  MergeResult merge(String base, String local, String remote) {
    if (base == null) {
      base = "";
    }
    if (looksBinary(base) || looksBinary(local) || looksBinary(remote)) {
      return mergeOpaque(base, local, remote);
    }
    Eol eb = eol(base);
    Eol el = eol(local);
    Eol er = eol(remote);
    boolean crlf = eb == Eol.CRLF || el == Eol.CRLF || er == Eol.CRLF;
    boolean mixed = eb == Eol.MIXED || el == Eol.MIXED || er == Eol.MIXED;
    if (crlf && !mixed) {
      // Uniform line endings are a property of the whole text, not of each line: merge the
      // content with LF and give the result the ending style the three-way rule picks.
      Eol out = chooseEol(eb, el, er);
      MergeResult r = mergeLines(toLf(base), toLf(local), toLf(remote), out == Eol.CRLF);
      return out == Eol.CRLF ? toCrlf(r) : r;
    }
    return mergeLines(base, local, remote, false);
  }

  private static boolean looksBinary(String s) {
    return s.indexOf('\0') >= 0;
  }

  private MergeResult mergeOpaque(String base, String local, String remote) {
    if (local.equals(remote) || remote.equals(base)) {
      return new MergeResult(local, new ArrayList<TextConflict>());
    }
    if (local.equals(base)) {
      return new MergeResult(remote, new ArrayList<TextConflict>());
    }
    List<TextConflict> c = new ArrayList<>();
    c.add(new TextConflict(1, 1, base, local, remote));
    return new MergeResult(local, c);
  }

  private static Eol eol(String s) {
    int crlf = 0;
    int lf = 0;
    for (int i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) {
      if (i > 0 && s.charAt(i - 1) == '\r') {
        crlf++;
      } else {
        lf++;
      }
    }
    if (crlf == 0) {
      return lf == 0 ? Eol.NONE : Eol.LF;
    }
    return lf == 0 ? Eol.CRLF : Eol.MIXED;
  }

  /** The three-way rule on ending styles; a text without line breaks takes the base's style. */
  private static Eol chooseEol(Eol b, Eol l, Eol r) {
    Eol el = l == Eol.NONE ? b : l;
    Eol er = r == Eol.NONE ? b : r;
    if (el == er) {
      return el == Eol.NONE ? Eol.LF : el;
    }
    if (el == b || el == Eol.NONE) {
      return er;
    }
    if (er == b || er == Eol.NONE) {
      return el;
    }
    // Both sides converted, differently: a symmetric, fixed choice.
    return Eol.LF;
  }

  private static String toLf(String s) {
    return s.replace("\r\n", "\n");
  }

  private static String crlf(String s) {
    return s.replace("\n", "\r\n");
  }

  private static MergeResult toCrlf(MergeResult r) {
    List<TextConflict> cs = new ArrayList<>();
    for (TextConflict c : r.conflicts()) {
      cs.add(new TextConflict(c.line(), c.baseLine(), crlf(c.base()), crlf(c.local()),
          crlf(c.remote())));
    }
    return new MergeResult(crlf(r.text()), cs);
  }

  /** Splits into lines, each with its terminating LF (the last one may have none). */
  static List<String> lines(String s) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', start)) {
      out.add(s.substring(start, i + 1));
      start = i + 1;
    }
    if (start < s.length()) {
      out.add(s.substring(start));
    }
    return out;
  }

  /**
   * Splits into words: runs of letters and digits, runs of horizontal white space, and every other
   * character (line breaks and punctuation) on its own.
   */
  static List<String> words(String s) {
    return words(s, Integer.MAX_VALUE);
  }

  /** As {@link #words(String)}, but returns null as soon as there are more than {@code limit}. */
  private static List<String> words(String s, int limit) {
    List<String> out = new ArrayList<>();
    int n = s.length();
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      int j = i + 1;
      if (isWordChar(c)) {
        while (j < n && isWordChar(s.charAt(j))) {
          j++;
        }
      } else if (c == ' ' || c == '\t') {
        while (j < n && (s.charAt(j) == ' ' || s.charAt(j) == '\t')) {
          j++;
        }
      }
      if (out.size() == limit) {
        return null;
      }
      out.add(s.substring(i, j));
      i = j;
    }
    return out;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  /** Assigns equal pieces equal ids, shared across the three texts. */
  private static final class Interner {
    final Map<String, Integer> ids;

    Interner(int expected) {
      // Sized up front: rehashing a map of every line of a large text is a visible cost.
      ids = new HashMap<>(Math.max(16, expected + expected / 2));
    }

    int[] ids(List<String> pieces) {
      int[] out = new int[pieces.size()];
      for (int k = 0; k < out.length; k++) {
        Integer id = ids.get(pieces.get(k));
        if (id == null) {
          id = ids.size();
          ids.put(pieces.get(k), id);
        }
        out[k] = id;
      }
      return out;
    }
  }

  private MergeResult mergeLines(String base, String local, String remote, boolean crlfMarkers) {
    List<String> bl = lines(base);
    List<String> ll = lines(local);
    List<String> rl = lines(remote);
    Interner in = new Interner(bl.size() + 64);
    int[] b = in.ids(bl);
    int[] l = in.ids(ll);
    int[] r = in.ids(rl);
    List<Diff3.Chunk> chunks = Diff3.merge(b, l, r, in.ids.size());

    StringBuilder out = new StringBuilder(Math.max(local.length(), remote.length()) + 16);
    int outLine = 1;
    List<TextConflict> conflicts = new ArrayList<>();
    String nl = crlfMarkers ? "\r\n" : "\n";
    for (Diff3.Chunk c : chunks) {
      String piece;
      switch (c.kind) {
        case STABLE:
          piece = join(bl, c.baseStart, c.baseEnd);
          break;
        case LOCAL:
        case BOTH:
          piece = join(ll, c.localStart, c.localEnd);
          break;
        case REMOTE:
          piece = join(rl, c.remoteStart, c.remoteEnd);
          break;
        default:
          String bs = join(bl, c.baseStart, c.baseEnd);
          String ls = join(ll, c.localStart, c.localEnd);
          String rs = join(rl, c.remoteStart, c.remoteEnd);
          String refined = wordLevel ? refine(bs, ls, rs) : null;
          if (refined != null) {
            piece = refined;
          } else {
            conflicts.add(new TextConflict(outLine, c.baseStart + 1, bs, ls, rs));
            piece = markers ? markers(ls, rs, nl) : ls;
          }
      }
      out.append(piece);
      outLine += count(piece, '\n');
    }
    return new MergeResult(out.toString(), conflicts);
  }

  private String markers(String ls, String rs, String nl) {
    // Markers are written for LF text; CRLF output converts every LF afterwards.
    StringBuilder sb = new StringBuilder();
    sb.append("<<<<<<<").append(localLabel.isEmpty() ? "" : " " + localLabel).append('\n');
    sb.append(ls);
    if (!ls.isEmpty() && !ls.endsWith("\n")) {
      sb.append('\n');
    }
    sb.append("=======\n");
    sb.append(rs);
    if (!rs.isEmpty() && !rs.endsWith("\n")) {
      sb.append('\n');
    }
    sb.append(">>>>>>>").append(remoteLabel.isEmpty() ? "" : " " + remoteLabel).append('\n');
    return sb.toString();
  }

  /**
   * Merges one conflicting region word by word; returns null if the words conflict too (or the
   * region is too large to try).
   */
  static String refine(String base, String local, String remote) {
    // Counted while splitting: a huge region is given up on before it is cut into pieces.
    List<String> bw = words(base, MAX_REFINE_TOKENS);
    List<String> lw = bw == null ? null : words(local, MAX_REFINE_TOKENS);
    List<String> rw = lw == null ? null : words(remote, MAX_REFINE_TOKENS);
    if (rw == null) {
      return null;
    }
    Interner in = new Interner(bw.size() + 64);
    int[] b = in.ids(bw);
    int[] l = in.ids(lw);
    int[] r = in.ids(rw);
    StringBuilder sb = new StringBuilder();
    for (Diff3.Chunk c : Diff3.merge(b, l, r, in.ids.size())) {
      switch (c.kind) {
        case STABLE:
          sb.append(join(bw, c.baseStart, c.baseEnd));
          break;
        case LOCAL:
        case BOTH:
          sb.append(join(lw, c.localStart, c.localEnd));
          break;
        case REMOTE:
          sb.append(join(rw, c.remoteStart, c.remoteEnd));
          break;
        default:
          return null;
      }
    }
    return sb.toString();
  }

  private static String join(List<String> pieces, int from, int to) {
    if (to - from == 1) {
      return pieces.get(from);
    }
    StringBuilder sb = new StringBuilder();
    for (int k = from; k < to; k++) {
      sb.append(pieces.get(k));
    }
    return sb.toString();
  }

  private static int count(String s, char ch) {
    int n = 0;
    for (int i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) {
      n++;
    }
    return n;
  }
}
