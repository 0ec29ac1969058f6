package dev.tandem.sync.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads the two bodies that carry records, a push request and a pull page, in one pass over the
 * UTF-8 bytes. They are most of what a sync moves, and a record's {@code data} is most of them:
 * the data object is checked here to be well-formed JSON (strings, escapes, UTF-8, numbers,
 * nesting) without producing a token for each of its parts, and its exact bytes become the
 * change's data text.
 *
 * <p>What it accepts is no more than Jackson's defaults accept (so that data stored by the server
 * always reads back on a device): no comments, no unquoted names or trailing commas, no leading
 * zeros or {@code NaN}, no control characters in strings, nesting at most {@link #MAX_DEPTH} deep
 * (the root object counts as one), numbers at most {@link #MAX_NUMBER_CHARS} characters. A push
 * is held to strict UTF-8 (RFC 3629: overlong forms and encoded surrogates are refused, which
 * Jackson lets through); a pull page only to the form of each sequence, as Jackson does, so that
 * a record some older server stored cannot stop a device's pulls. Duplicate names are allowed,
 * the last one counting, as with Jackson. Bytes after the root object are not read.
 */
final class BodyReader {
  /** The deepest nesting of objects and arrays accepted, as Jackson's default. */
  static final int MAX_DEPTH = 1000;
  /** The longest number accepted, as Jackson's default. */
  static final int MAX_NUMBER_CHARS = 1000;

  /** For each byte inside a string: 0 a plain byte, 1 the end or an escape, 2 refused, 3 UTF-8. */
  private static final byte[] STRING_BYTE = new byte[256];

  static {
    for (int i = 0; i < 0x20; i++) {
      STRING_BYTE[i] = 2;
    }
    STRING_BYTE['"'] = 1;
    STRING_BYTE['\\'] = 1;
    for (int i = 0x80; i < 0x100; i++) {
      STRING_BYTE[i] = 3;
    }
  }

  // The fields read, in the order of the cases that read them.
  private static final byte[][] PUSH_FIELDS = ascii("batchId", "deviceId", "changes");
  private static final byte[][] PULL_FIELDS =
      ascii("changes", "cursor", "hasMore", "serverTimestamp");
  private static final byte[][] CHANGE_FIELDS = ascii("type", "id", "op", "hlc", "baseHlc",
      "deviceId", "seq", "ifBase", "data");

  private final byte[] b;
  private final int end;
  private final boolean strictUtf8;
  /** One bit for each container open in {@link #skipValue}: set for an object. */
  private final long[] openKinds = new long[(MAX_DEPTH >> 6) + 1];
  private int pos;

  private BodyReader(byte[] body, boolean strictUtf8) {
    this.b = body;
    this.end = body.length;
    this.strictUtf8 = strictUtf8;
  }

  static PushRequest readPushRequest(byte[] body) {
    BodyReader r = new BodyReader(body, true);
    r.openRoot();
    String batchId = null;
    String deviceId = null;
    List<Change> changes = null;
    if (!r.emptyObject()) {
      do {
        switch (r.name(PUSH_FIELDS)) {
          case 0:
            batchId = r.requireString("batchId");
            break;
          case 1:
            deviceId = r.requireString("deviceId");
            break;
          case 2:
            changes = r.changes();
            break;
          default:
            r.skipValue(1);
        }
      } while (r.nextMember());
    }
    if (batchId == null || batchId.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "batchId is required");
    }
    if (changes == null) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "changes is required");
    }
    return new PushRequest(batchId, deviceId, changes);
  }

  static PullResponse readPullResponse(byte[] body) {
    BodyReader r = new BodyReader(body, false);
    r.openRoot();
    List<Change> changes = new ArrayList<>();
    String cursor = null;
    boolean hasMore = false;
    long ts = 0;
    if (!r.emptyObject()) {
      do {
        switch (r.name(PULL_FIELDS)) {
          case 0:
            changes = r.changes();
            break;
          case 1:
            cursor = r.scalarText();
            break;
          case 2:
            hasMore = r.isTrue(1);
            break;
          case 3:
            ts = r.longOrZero(1);
            break;
          default:
            r.skipValue(1);
        }
      } while (r.nextMember());
    }
    return new PullResponse(changes, cursor, hasMore, ts);
  }

  // ---- the protocol's shapes ----

  /** Expects the root object's opening brace (after an optional byte order mark). */
  private void openRoot() {
    if (end >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
      pos = 3;
    }
    ws();
    if (pos < end && b[pos] == '{') {
      pos++;
      return;
    }
    if (pos >= end) {
      throw malformed("no content");
    }
    // Another JSON value is the wrong shape; anything else is not JSON.
    skipValue(0);
    throw shape("body must be a JSON object");
  }

  private List<Change> changes() {
    ws();
    if (peek() != '[') {
      skipValue(1);
      throw shape("changes must be a JSON array");
    }
    pos++;
    List<Change> list = new ArrayList<>();
    ws();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      ws();
      if (peek() != '{') {
        skipValue(2);
        throw shape("each change must be a JSON object");
      }
      pos++;
      list.add(change());
      ws();
      byte c = next();
      if (c == ']') {
        return list;
      }
      if (c != ',') {
        pos--;
        throw unexpected("expected ',' or ']' between changes");
      }
    }
  }

  /** Reads one change, its opening brace already read; depth 3 (root, changes, the change). */
  private Change change() {
    String type = null;
    String id = null;
    String op = null;
    String hlc = null;
    String baseHlc = null;
    String data = null;
    String deviceId = null;
    long seq = 0;
    boolean ifBase = false;
    if (!emptyObject()) {
      do {
        switch (name(CHANGE_FIELDS)) {
          case 0:
            type = stringOrNull();
            break;
          case 1:
            id = stringOrNull();
            break;
          case 2:
            op = stringOrNull();
            break;
          case 3:
            hlc = stringOrNull();
            break;
          case 4:
            baseHlc = stringOrNull();
            break;
          case 5:
            deviceId = stringOrNull();
            break;
          case 6:
            seq = longOrZero(3);
            break;
          case 7:
            ifBase = isTrue(3);
            break;
          case 8:
            data = data();
            break;
          default:
            skipValue(3);
        }
      } while (nextMember());
    }
    Change c = new Change(type, id, op, hlc, baseHlc, data, seq, deviceId);
    return ifBase ? c.withIfBase(true) : c;
  }

  /**
   * Returns the data object's exact text; null for JSON null; {@code ""}, which validation
   * refuses, for any other type.
   */
  private @Nullable String data() {
    ws();
    byte c = peek();
    int start = pos;
    skipValue(3);
    if (c == '{') {
      return new String(b, start, pos - start, StandardCharsets.UTF_8);
    }
    return c == 'n' ? null : "";
  }

  private @Nullable String stringOrNull() {
    ws();
    if (peek() == '"') {
      return string();
    }
    skipValue(3);
    return null;
  }

  private @Nullable String requireString(String field) {
    ws();
    byte c = peek();
    if (c == '"') {
      return string();
    }
    skipValue(1);
    if (c == 'n') {
      return null;
    }
    throw shape(field + " must be a string");
  }

  /** A string's value, a number's or boolean's text; null for null, an object or an array. */
  private @Nullable String scalarText() {
    ws();
    byte c = peek();
    if (c == '"') {
      return string();
    }
    int start = pos;
    skipValue(1);
    if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f') {
      return new String(b, start, pos - start, StandardCharsets.US_ASCII);
    }
    return null;
  }

  private boolean isTrue(int depth) {
    ws();
    boolean t = peek() == 't';
    skipValue(depth);
    return t;
  }

  /** An integer's value; 0 for any other value. */
  private long longOrZero(int depth) {
    ws();
    byte c = peek();
    if (c != '-' && (c < '0' || c > '9')) {
      skipValue(depth);
      return 0;
    }
    int start = pos;
    if (!number()) {
      return 0;
    }
    boolean negative = b[start] == '-';
    long v = 0;
    for (int i = negative ? start + 1 : start; i < pos; i++) {
      int d = b[i] - '0';
      // Accumulated negatively, so that Long.MIN_VALUE fits.
      if (v < (Long.MIN_VALUE + d) / 10) {
        throw malformed("numeric value out of range of long");
      }
      v = v * 10 - d;
    }
    if (!negative) {
      if (v == Long.MIN_VALUE) {
        throw malformed("numeric value out of range of long");
      }
      v = -v;
    }
    return v;
  }

  // ---- JSON ----

  /** After an object's opening brace: true (and the brace closed) if it has no members. */
  private boolean emptyObject() {
    ws();
    if (peek() == '}') {
      pos++;
      return true;
    }
    return false;
  }

  /**
   * Reads a member's name and the colon after it; returns the name's index in {@code known}, or
   * -1. A plain name is compared as bytes: no string is made for it.
   */
  private int name(byte[][] known) {
    ws();
    if (peek() != '"') {
      throw unexpected("expected a field name in double quotes");
    }
    int start = pos + 1;
    int i = start;
    while (i < end && STRING_BYTE[b[i] & 0xFF] == 0) {
      i++;
    }
    int found = -1;
    if (i < end && b[i] == '"') {
      for (int k = 0; k < known.length && found < 0; k++) {
        if (sameBytes(known[k], start, i - start)) {
          found = k;
        }
      }
      pos = i + 1;
    } else {
      byte[] name = string().getBytes(StandardCharsets.UTF_8);
      for (int k = 0; k < known.length && found < 0; k++) {
        if (java.util.Arrays.equals(known[k], name)) {
          found = k;
        }
      }
    }
    ws();
    if (peek() != ':') {
      throw unexpected("expected ':' after a field name");
    }
    pos++;
    return found;
  }

  private boolean sameBytes(byte[] name, int from, int length) {
    if (name.length != length) {
      return false;
    }
    for (int k = 0; k < length; k++) {
      if (b[from + k] != name[k]) {
        return false;
      }
    }
    return true;
  }

  private static byte[][] ascii(String... names) {
    byte[][] out = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      out[i] = names[i].getBytes(StandardCharsets.US_ASCII);
    }
    return out;
  }

  /** After a member's value: true if a comma follows, false if the object's brace does. */
  private boolean nextMember() {
    ws();
    byte c = next();
    if (c == ',') {
      return true;
    }
    if (c == '}') {
      return false;
    }
    pos--;
    throw unexpected("expected ',' or '}' after a field");
  }

  /**
   * Skips one value, checking it; {@code depth} is that of the container it is in. A loop with
   * the open containers in a bit set, not recursion: a body nested a thousand deep must not
   * reach the end of a small thread stack.
   */
  private void skipValue(int depth) {
    int open = 0;
    while (true) {
      ws();
      byte c = peek();
      if (c == '{' || c == '[') {
        checkDepth(depth + open + 1);
        pos++;
        ws();
        if (peek() == (c == '{' ? '}' : ']')) {
          pos++;
        } else {
          setObject(open++, c == '{');
          if (c == '{') {
            memberName();
          }
          continue;
        }
      } else if (c == '"') {
        pos++;
        skipString();
      } else if (c == 't') {
        literal("true");
      } else if (c == 'f') {
        literal("false");
      } else if (c == 'n') {
        literal("null");
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        number();
      } else {
        throw unexpected();
      }
      // After a value: close what ends here, or go on to the next value of the open container.
      while (true) {
        if (open == 0) {
          return;
        }
        boolean object = isObject(open - 1);
        ws();
        byte n = next();
        if (n == ',') {
          if (object) {
            memberName();
          }
          break;
        }
        if (n == (object ? '}' : ']')) {
          open--;
          continue;
        }
        pos--;
        throw unexpected(object ? "expected ',' or '}' after a field"
            : "expected ',' or ']' in an array");
      }
    }
  }

  /** Skips a member's name and the colon after it, inside a skipped object. */
  private void memberName() {
    ws();
    if (peek() != '"') {
      throw unexpected("expected a field name in double quotes");
    }
    pos++;
    skipString();
    ws();
    if (peek() != ':') {
      throw unexpected("expected ':' after a field name");
    }
    pos++;
  }

  private void setObject(int level, boolean object) {
    if (object) {
      openKinds[level >> 6] |= 1L << level;
    } else {
      openKinds[level >> 6] &= ~(1L << level);
    }
  }

  private boolean isObject(int level) {
    return (openKinds[level >> 6] & (1L << level)) != 0;
  }

  private void checkDepth(int depth) {
    if (depth > MAX_DEPTH) {
      throw malformed("nesting depth exceeds the maximum of " + MAX_DEPTH);
    }
  }

  /** Skips a string's content and its closing quote, the opening quote already read. */
  private void skipString() {
    while (true) {
      while (pos < end && STRING_BYTE[b[pos] & 0xFF] == 0) {
        pos++;
      }
      if (pos >= end) {
        throw malformed("unterminated string");
      }
      int c = b[pos] & 0xFF;
      if (c == '"') {
        pos++;
        return;
      }
      if (c == '\\') {
        pos++;
        escape();
      } else if (c < 0x20) {
        throw malformed("unescaped control character " + describe(b[pos]) + " in a string");
      } else {
        pos = utf8(pos);
      }
    }
  }

  /** Reads a string, the cursor on its opening quote. */
  private String string() {
    int start = ++pos;
    while (pos < end && STRING_BYTE[b[pos] & 0xFF] == 0) {
      pos++;
    }
    if (pos < end && b[pos] == '"') {
      // Plain ASCII, the common case for every field but data.
      return new String(b, start, pos++ - start, StandardCharsets.ISO_8859_1);
    }
    pos = start;
    StringBuilder sb = new StringBuilder(32);
    while (true) {
      if (pos >= end) {
        throw malformed("unterminated string");
      }
      int c = b[pos] & 0xFF;
      if (c == '"') {
        pos++;
        return sb.toString();
      }
      if (c == '\\') {
        pos++;
        sb.append(escape());
      } else if (c < 0x20) {
        throw malformed("unescaped control character " + describe(b[pos]) + " in a string");
      } else if (c < 0x80) {
        sb.append((char) c);
        pos++;
      } else {
        int from = pos;
        pos = utf8(pos);
        sb.append(new String(b, from, pos - from, StandardCharsets.UTF_8));
      }
    }
  }

  /** Reads the escape after a backslash and returns the character it stands for. */
  private char escape() {
    if (pos >= end) {
      throw malformed("unterminated string");
    }
    byte c = b[pos++];
    switch (c) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        if (pos + 4 > end) {
          throw malformed("unterminated string");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
          int d = Character.digit(b[pos + i], 16);
          if (d < 0 || b[pos + i] < 0) {
            throw malformed("\\u must be followed by four hex digits");
          }
          v = (v << 4) | d;
        }
        pos += 4;
        return (char) v;
      default:
        pos--;
        throw malformed("unrecognized escape " + describe(c) + " in a string");
    }
  }

  /** Checks the UTF-8 sequence at {@code i} (RFC 3629) and returns the index after it. */
  private int utf8(int i) {
    int lead = b[i] & 0xFF;
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (!strictUtf8) {
      // The form only: the lead byte's length and continuation bytes.
      if (lead >= 0xC0 && lead <= 0xDF) {
        n = 1;
      } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 2;
      } else if (lead >= 0xF0 && lead <= 0xF7) {
        n = 3;
      } else {
        throw malformed("invalid UTF-8 start byte 0x" + Integer.toHexString(lead));
      }
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      n = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      n = 2;
      if (lead == 0xE0) {
        lo = 0xA0;
      } else if (lead == 0xED) {
        hi = 0x9F;
      }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      n = 3;
      if (lead == 0xF0) {
        lo = 0x90;
      } else if (lead == 0xF4) {
        hi = 0x8F;
      }
    } else {
      throw malformed("invalid UTF-8 start byte 0x" + Integer.toHexString(lead));
    }
    if (i + n >= end) {
      throw malformed("unterminated string");
    }
    int second = b[i + 1] & 0xFF;
    if (second < lo || second > hi) {
      throw malformed("invalid UTF-8 middle byte 0x" + Integer.toHexString(second));
    }
    for (int k = 2; k <= n; k++) {
      int m = b[i + k] & 0xFF;
      if (m < 0x80 || m > 0xBF) {
        throw malformed("invalid UTF-8 middle byte 0x" + Integer.toHexString(m));
      }
    }
    return i + n + 1;
  }

  /** Skips a number, checking its form; returns whether it is an integer. */
  private boolean number() {
    int start = pos;
    if (b[pos] == '-') {
      pos++;
    }
    if (pos < end && b[pos] == '0') {
      pos++;
    } else if (pos < end && b[pos] >= '1' && b[pos] <= '9') {
      digits();
    } else {
      throw malformed("a number needs a digit after '-'");
    }
    boolean integer = true;
    if (pos < end && b[pos] == '.') {
      integer = false;
      pos++;
      if (digits() == 0) {
        throw malformed("a number needs a digit after '.'");
      }
    }
    if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
      integer = false;
      pos++;
      if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
        pos++;
      }
      if (digits() == 0) {
        throw malformed("a number needs a digit in its exponent");
      }
    }
    if (pos - start > MAX_NUMBER_CHARS) {
      throw malformed("number longer than " + MAX_NUMBER_CHARS + " characters");
    }
    return integer;
  }

  private int digits() {
    int from = pos;
    while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
      pos++;
    }
    return pos - from;
  }

  private void literal(String word) {
    int n = word.length();
    if (pos + n > end) {
      throw malformed("unexpected end of input");
    }
    for (int i = 0; i < n; i++) {
      if (b[pos + i] != word.charAt(i)) {
        throw unexpected();
      }
    }
    pos += n;
  }

  private void ws() {
    while (pos < end) {
      byte c = b[pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      pos++;
    }
  }

  /** The byte at the cursor; fails at the end of input, where every caller needs more. */
  private byte peek() {
    if (pos >= end) {
      throw malformed("unexpected end of input");
    }
    return b[pos];
  }

  private byte next() {
    byte c = peek();
    pos++;
    return c;
  }

  private ProtocolException unexpected() {
    return unexpected("expected a value");
  }

  private ProtocolException unexpected(String expected) {
    if (pos >= end) {
      return malformed("unexpected end of input");
    }
    byte c = b[pos];
    if (c == '}' || c == ']') {
      return malformed("unexpected close marker '" + (char) c + "': " + expected);
    }
    return malformed("unexpected character " + describe(c) + ": " + expected);
  }

  private ProtocolException malformed(String what) {
    return new ProtocolException(ErrorCode.BAD_REQUEST,
        "malformed JSON: " + what + " at byte " + pos);
  }

  private static ProtocolException shape(String message) {
    return new ProtocolException(ErrorCode.BAD_REQUEST, message);
  }

  private static String describe(byte c) {
    int v = c & 0xFF;
    return v >= 0x21 && v < 0x7F ? "'" + (char) v + "'" : "0x" + Integer.toHexString(v);
  }
}
