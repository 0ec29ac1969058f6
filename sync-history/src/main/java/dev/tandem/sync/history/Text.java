package dev.tandem.sync.history;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The few Java 11 conveniences Android's API level 26 lacks ({@code String.isBlank/strip},
 * {@code InputStream.readAllBytes/readNBytes}), with the same meaning.
 */
final class Text {
  private Text() {}

  static boolean isBlank(String s) {
    return strip(s).isEmpty();
  }

  /** Removes leading and trailing white space as {@link Character#isWhitespace(int)} sees it. */
  static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end) {
      int cp = s.codePointAt(start);
      if (!Character.isWhitespace(cp)) {
        break;
      }
      start += Character.charCount(cp);
    }
    while (end > start) {
      int cp = s.codePointBefore(end);
      if (!Character.isWhitespace(cp)) {
        break;
      }
      end -= Character.charCount(cp);
    }
    return s.substring(start, end);
  }

  static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) != -1; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** Reads until {@code len} bytes or the end; returns how many were read. */
  static int readUpTo(InputStream in, byte[] b, int off, int len) throws IOException {
    int total = 0;
    while (total < len) {
      int n = in.read(b, off + total, len - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }
}
