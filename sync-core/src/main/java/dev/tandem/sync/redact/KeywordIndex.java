package dev.tandem.sync.redact;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * All keywords of a rule set in one automaton (Aho–Corasick, compiled to a table), matched with
 * ASCII case folding in a single pass over the text, however many keywords there are. Most values
 * contain none, and a pass costs about a table lookup per character.
 */
final class KeywordIndex {
  /** Keyword text, lower case, by keyword number. */
  private final String[] keywords;
  /** Character class of each folded ASCII character; 0 for characters in no keyword. */
  private final byte[] charClass = new byte[128];
  private final int classes;
  /** Next state by {@code state * classes + class}. */
  private final int[] delta;
  /** Keyword numbers that end in each state (including through failure links), or null. */
  private final int[][] output;
  /** Keywords that count only at the start of a word (not after a letter, digit or _). */
  private final boolean[] wordStart;

  KeywordIndex(List<String> keywordList, boolean[] wordStart) {
    this.keywords = keywordList.toArray(new String[0]);
    this.wordStart = wordStart.clone();
    int next = 1;
    for (String k : keywords) {
      for (int i = 0; i < k.length(); i++) {
        char c = k.charAt(i);
        if (charClass[c] == 0) {
          if (next > 127) {
            throw new IllegalArgumentException("too many distinct keyword characters");
          }
          charClass[c] = (byte) next++;
          if (c >= 'a' && c <= 'z') {
            charClass[c - 'a' + 'A'] = charClass[c];
          }
        }
      }
    }
    classes = next;
    // Trie first, with -1 for a missing edge.
    List<int[]> edges = new ArrayList<>();
    List<List<Integer>> out = new ArrayList<>();
    edges.add(newRow());
    out.add(new ArrayList<>());
    for (int k = 0; k < keywords.length; k++) {
      int s = 0;
      String w = keywords[k];
      for (int i = 0; i < w.length(); i++) {
        int cls = charClass[w.charAt(i)];
        if (edges.get(s)[cls] < 0) {
          edges.get(s)[cls] = edges.size();
          edges.add(newRow());
          out.add(new ArrayList<>());
        }
        s = edges.get(s)[cls];
      }
      out.get(s).add(k);
    }
    int states = edges.size();
    delta = new int[states * classes];
    int[] fail = new int[states];
    output = new int[states][];
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int cls = 0; cls < classes; cls++) {
      int t = edges.get(0)[cls];
      if (t < 0) {
        delta[cls] = 0;
      } else {
        delta[cls] = t;
        fail[t] = 0;
        queue.add(t);
      }
    }
    output[0] = toArray(out.get(0));
    while (!queue.isEmpty()) {
      int s = queue.poll();
      List<Integer> merged = new ArrayList<>(out.get(s));
      int[] inherited = output[fail[s]];
      if (inherited != null) {
        for (int k : inherited) {
          merged.add(k);
        }
      }
      output[s] = toArray(merged);
      for (int cls = 0; cls < classes; cls++) {
        int t = edges.get(s)[cls];
        if (t < 0) {
          delta[s * classes + cls] = delta[fail[s] * classes + cls];
        } else {
          delta[s * classes + cls] = t;
          fail[t] = delta[fail[s] * classes + cls];
          queue.add(t);
        }
      }
    }
  }

  private int[] newRow() {
    int[] row = new int[128];
    Arrays.fill(row, -1);
    return row;
  }

  private static int[] toArray(List<Integer> list) {
    if (list.isEmpty()) {
      return null;
    }
    int[] a = new int[list.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = list.get(i);
    }
    return a;
  }

  private int classOf(char c) {
    return c < 128 ? charClass[c] : 0;
  }

  /** Whether {@code text} contains any keyword. */
  boolean containsAny(CharSequence text) {
    return containsAny(text, 0, text.length(), true);
  }

  /**
   * Whether {@code text[from, to)} contains any keyword; with {@code wordStarts} false, a
   * keyword that must start a word counts anywhere (for raw JSON text, where the character
   * before it may be the {@code n} of an escaped newline).
   */
  boolean containsAny(CharSequence text, int from, int to, boolean wordStarts) {
    return scan(text, from, to, wordStarts, ANY);
  }

  /** Whether keyword {@code k} found at {@code start} counts ("task" holds no "sk" token). */
  private boolean counts(int k, CharSequence text, int from, int start) {
    if (!wordStart[k] || start == from) {
      return true;
    }
    char c = text.charAt(start - 1);
    return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '_');
  }

  /** Decides whether one keyword occurrence counts. */
  interface HitTest {
    boolean test(int keyword, int start);
  }

  private static final HitTest ANY = (keyword, start) -> true;

  /**
   * Whether {@code text[from, to)} holds a keyword occurrence that starts a word where its
   * keyword must, and that {@code test} accepts.
   */
  boolean anyHit(CharSequence text, int from, int to, HitTest test) {
    return scan(text, from, to, true, test);
  }

  /** One pass of the automaton over {@code text[from, to)}, up to the first hit that counts. */
  private boolean scan(CharSequence text, int from, int to, boolean wordStarts, HitTest test) {
    int s = 0;
    for (int i = from; i < to; i++) {
      s = delta[s * classes + classOf(text.charAt(i))];
      int[] ks = output[s];
      if (ks != null) {
        for (int k : ks) {
          int start = i - keywords[k].length() + 1;
          if ((!wordStarts || counts(k, text, from, start)) && test.test(k, start)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Receives each keyword occurrence. */
  interface HitSink {
    void hit(int keyword, int start);
  }

  /** Reports every occurrence of every keyword in {@code text}, by start offset. */
  void forEachHit(CharSequence text, HitSink sink) {
    // A test that never accepts walks the whole text and sees every hit that counts.
    scan(text, 0, text.length(), true, (keyword, start) -> {
      sink.hit(keyword, start);
      return false;
    });
  }
}
