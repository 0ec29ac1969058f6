package dev.tandem.sync.redact;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tandem.sync.spi.Redactor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;

/**
 * A {@link Redactor} made of {@link SecretRule}s. Each string <em>value</em> of the record's JSON
 * is examined on its own: field names never feed the keyword pre-filter (so a field called
 * {@code tokensIn} costs nothing), and a secret cannot be half in one value and half in the next.
 * A value is handed to the rules only if the pre-filter finds one of their keywords in it.
 * Masked values are written back in place; every other character of the document is kept, and
 * a document with nothing to mask is returned as the same string.
 *
 * <p>The one use of field names: a value stored directly under a secret-named field
 * ({@code "password"}, {@code "apiKey"}, {@code "client_secret"}) is masked whole when it looks
 * like a literal secret, by the same checks as {@code password = "…"} in text
 * ({@link RedactorBuilder#checkFieldNames(boolean)} turns this off).
 *
 * <pre>{@code
 * SecretRedactor r = Redactors.defaults();
 * String out = r.redact("message", "m-1", "{\"content\":\"key: ghp_…\"}");
 * List<SecretRedactor.Finding> found = r.findings("plain text to check");
 * }</pre>
 *
 * <p>Where two rules match overlapping text, the rule listed first wins. Text that is not JSON
 * is treated as one string value. Immutable and thread-safe.
 */
public final class SecretRedactor implements Redactor {
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(100_000).build())
      .build();

  private final List<SecretRule> rules;
  private final KeywordIndex index;
  /** The rule of each keyword number of {@link #index}. */
  private final int[] keywordRule;
  private final boolean checkFieldNames;

  SecretRedactor(List<SecretRule> rules, boolean checkFieldNames) {
    this.checkFieldNames = checkFieldNames;
    this.rules = Collections.unmodifiableList(new ArrayList<>(rules));
    List<String> keywords = new ArrayList<>();
    List<Integer> owner = new ArrayList<>();
    for (int r = 0; r < this.rules.size(); r++) {
      for (String k : this.rules.get(r).keywords()) {
        keywords.add(k);
        owner.add(r);
      }
    }
    boolean[] wordStart = new boolean[keywords.size()];
    for (int k = 0; k < wordStart.length; k++) {
      SecretRule rule = this.rules.get(owner.get(k));
      wordStart[k] = rule.isPrefixRule() && rule.requiresWordStart();
    }
    this.index = new KeywordIndex(keywords, wordStart);
    this.keywordRule = new int[owner.size()];
    for (int i = 0; i < keywordRule.length; i++) {
      keywordRule[i] = owner.get(i);
    }
  }

  /** Returns the rules, in the order they are applied. */
  public List<SecretRule> rules() {
    return rules;
  }

  /** One secret found in a text. */
  public static final class Finding {
    private final String ruleId;
    private final int start;
    private final int end;

    Finding(String ruleId, int start, int end) {
      this.ruleId = ruleId;
      this.start = start;
      this.end = end;
    }

    /** Returns the id of the rule that matched. */
    public String ruleId() {
      return ruleId;
    }

    /** Returns the offset of the secret's first character. */
    public int start() {
      return start;
    }

    /** Returns the offset just past the secret. */
    public int end() {
      return end;
    }

    @Override
    public String toString() {
      return ruleId + "@" + start + ".." + end;
    }
  }

  @Override
  public String redact(String type, String id, String json) {
    if (json == null || json.isEmpty()) {
      return json;
    }
    String fast = scan(json);
    return fast != null ? fast : parseAndRedact(json);
  }

  /**
   * Redacts a document in one pass over its text, without building a parser: finds each string,
   * tells names from values by the {@code :} after them, decodes escapes only where there are
   * any, and hands a value to the rules only on a keyword hit. Returns null, leaving the work to
   * {@link #parseAndRedact}, when the text is not lexically JSON (so that nothing can hide
   * outside a string) or holds an escape it cannot decode.
   */
  private String scan(String json) {
    int n = json.length();
    int i = 0;
    while (i < n && isJsonSpace(json.charAt(i))) {
      i++;
    }
    if (i == n || (json.charAt(i) != '{' && json.charAt(i) != '[')) {
      return null;
    }
    StringBuilder out = null;
    int copied = 0;
    int nameKind = SecretFields.NONE;
    while (i < n) {
      char c = json.charAt(i);
      if (c != '"') {
        int len = lexicalLength(json, i);
        if (len == 0) {
          return null;
        }
        if (c != ':' && !isJsonSpace(c)) {
          nameKind = SecretFields.NONE;
        }
        i += len;
        continue;
      }
      int quote = i;
      int start = ++i;
      boolean escaped = false;
      boolean risky = false;
      while (i < n) {
        char d = json.charAt(i);
        if (d == '"') {
          break;
        }
        if (d == '\\') {
          escaped = true;
          // Only a unicode or a slash escape can hide a keyword character; a newline cannot.
          risky |= i + 1 < n && (json.charAt(i + 1) == 'u' || json.charAt(i + 1) == '/');
          i += 2;
        } else {
          i++;
        }
      }
      if (i >= n) {
        return null;
      }
      int end = i++;
      int j = i;
      while (j < n && isJsonSpace(json.charAt(j))) {
        j++;
      }
      if (j < n && json.charAt(j) == ':') {
        nameKind = SecretFields.NONE;
        if (checkFieldNames && (escaped || SecretFields.mayBeSecretName(json, start, end))) {
          String name = escaped ? unescape(json, start, end) : json.substring(start, end);
          if (name == null) {
            return null;
          }
          nameKind = SecretFields.kindOf(name);
        }
        continue;
      }
      int kind = nameKind;
      nameKind = SecretFields.NONE;
      if (kind == SecretFields.NONE && !risky && !(escaped
          ? index.containsAny(json, start, end, false) : mayMatch(json, start, end))) {
        continue;
      }
      String value = escaped ? unescape(json, start, end) : json.substring(start, end);
      if (value == null) {
        return null;
      }
      String masked = kind != SecretFields.NONE && SecretFields.isSecretValue(kind, value)
          ? Redactors.MASK : mask(value, find(value));
      if (masked.equals(value)) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(json.length());
      }
      out.append(json, copied, quote).append('"')
          .append(JsonStringEncoder.getInstance().quoteAsString(masked)).append('"');
      copied = end + 1;
    }
    if (out == null) {
      return json;
    }
    return out.append(json, copied, n).toString();
  }

  /**
   * Whether a value with no escapes (so its raw text is its text) may hold a secret: a keyword
   * of a search rule, or a keyword where its prefix rule's pattern matches. A URL is common in a
   * message; a URL with a password in it is not, and only that is worth decoding and a full run.
   */
  private boolean mayMatch(String json, int start, int end) {
    return index.anyHit(json, start, end, (keyword, at) -> {
      SecretRule rule = rules.get(keywordRule[keyword]);
      if (!rule.isPrefixRule()) {
        return true;
      }
      Matcher m = rule.pattern().matcher(json);
      m.useTransparentBounds(true);
      m.region(at, end);
      return m.lookingAt();
    });
  }

  /** Decodes the JSON string body {@code json[start, end)}; null if an escape is malformed. */
  private static String unescape(String json, int start, int end) {
    StringBuilder sb = new StringBuilder(end - start);
    for (int i = start; i < end; i++) {
      char c = json.charAt(i);
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (++i >= end) {
        return null;
      }
      char e = json.charAt(i);
      switch (e) {
        case '"': case '\\': case '/':
          sb.append(e);
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          if (i + 4 >= end) {
            return null;
          }
          int code = 0;
          for (int k = 1; k <= 4; k++) {
            int digit = Character.digit(json.charAt(i + k), 16);
            if (digit < 0) {
              return null;
            }
            code = code * 16 + digit;
          }
          sb.append((char) code);
          i += 4;
          break;
        default:
          return null;
      }
    }
    return sb.toString();
  }

  /** The general path, for text the single-pass scan declined: a full JSON parse. */
  private String parseAndRedact(String json) {
    List<Object> edits = null;
    try (JsonParser p = JSON.createParser(json)) {
      JsonToken t;
      int fieldKind = SecretFields.NONE;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.FIELD_NAME) {
          fieldKind = checkFieldNames ? SecretFields.kindOf(p.currentName()) : SecretFields.NONE;
          continue;
        }
        if (t != JsonToken.VALUE_STRING) {
          continue;
        }
        int kind = p.getParsingContext().inObject() ? fieldKind : SecretFields.NONE;
        long start = p.currentTokenLocation().getCharOffset();
        String value = p.getText();
        String masked = kind != SecretFields.NONE && SecretFields.isSecretValue(kind, value)
            ? Redactors.MASK : redactText(value);
        if (masked.equals(value)) {
          continue;
        }
        long end = p.currentLocation().getCharOffset();
        if (start < 0 || end <= start || end > json.length() || json.charAt((int) start) != '"'
            || json.charAt((int) end - 1) != '"') {
          // Offsets we cannot trust: treat the whole document as text instead.
          return redactText(json);
        }
        if (edits == null) {
          edits = new ArrayList<>();
        }
        edits.add((int) start);
        edits.add((int) end);
        edits.add(masked);
      }
    } catch (IOException | RuntimeException notJson) {
      // Not JSON: the secrets still must not leave, so treat it as text.
      return redactText(json);
    }
    if (edits == null) {
      return json;
    }
    StringBuilder sb = new StringBuilder(json.length());
    int pos = 0;
    for (int i = 0; i < edits.size(); i += 3) {
      int start = (Integer) edits.get(i);
      int end = (Integer) edits.get(i + 1);
      sb.append(json, pos, start).append('"')
          .append(JsonStringEncoder.getInstance().quoteAsString((String) edits.get(i + 2)))
          .append('"');
      pos = end;
    }
    sb.append(json, pos, json.length());
    return sb.toString();
  }

  private static boolean isJsonSpace(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  /**
   * Returns how many characters at {@code i} (outside a string) form one piece of JSON syntax:
   * structure, white space, a number character, or a whole {@code true}, {@code false} or
   * {@code null}; 0 for anything else, so no other text passes as JSON.
   */
  private static int lexicalLength(String json, int i) {
    char c = json.charAt(i);
    switch (c) {
      case '{': case '}': case '[': case ']': case ':': case ',':
      case ' ': case '\n': case '\r': case '\t':
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8':
      case '9': case '-': case '+': case '.':
        return 1;
      case 'e': case 'E':
        // Only as a number's exponent.
        return i > 0 && (Character.isDigit(json.charAt(i - 1)) || json.charAt(i - 1) == '.')
            ? 1 : 0;
      case 't':
        return json.startsWith("true", i) ? 4 : 0;
      case 'f':
        return json.startsWith("false", i) ? 5 : 0;
      case 'n':
        return json.startsWith("null", i) ? 4 : 0;
      default:
        return 0;
    }
  }

  /**
   * Returns {@code text} with every secret replaced by {@link Redactors#MASK}, or {@code text}
   * itself when there is none.
   */
  public String redactText(String text) {
    if (text == null || !index.containsAny(text)) {
      return text;
    }
    return mask(text, find(text));
  }

  private static String mask(String text, List<Finding> found) {
    if (found.isEmpty()) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.length());
    int pos = 0;
    for (Finding f : found) {
      sb.append(text, pos, f.start).append(Redactors.MASK);
      pos = f.end;
    }
    sb.append(text, pos, text.length());
    return sb.toString();
  }

  /** Returns the secrets in {@code text}, by position, without overlaps. */
  public List<Finding> findings(String text) {
    if (text == null || !index.containsAny(text)) {
      return Collections.emptyList();
    }
    return find(text);
  }

  private List<Finding> find(String text) {
    int n = rules.size();
    boolean[] hit = new boolean[n];
    int[][] positions = new int[n][];
    int[] counts = new int[n];
    index.forEachHit(text, (keyword, start) -> {
      int r = keywordRule[keyword];
      hit[r] = true;
      if (rules.get(r).isPrefixRule()) {
        int[] a = positions[r];
        if (a == null) {
          a = new int[4];
        } else if (counts[r] == a.length) {
          a = Arrays.copyOf(a, a.length * 2);
        }
        a[counts[r]++] = start;
        positions[r] = a;
      }
    });
    List<Finding> accepted = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      if (!hit[r]) {
        continue;
      }
      SecretRule rule = rules.get(r);
      Matcher m = rule.pattern().matcher(text);
      int g = rule.secretGroup();
      if (rule.isPrefixRule()) {
        m.useTransparentBounds(true);
        int[] a = positions[r];
        // Keywords of one rule may end at the same place in different order: sort the starts.
        Arrays.sort(a, 0, counts[r]);
        int searchedTo = -1;
        for (int i = 0; i < counts[r]; i++) {
          int p = a[i];
          if (p < searchedTo || (rule.requiresWordStart() && p > 0
              && isWordChar(text.charAt(p - 1)))) {
            continue;
          }
          m.region(p, text.length());
          if (m.lookingAt()) {
            searchedTo = m.end();
            offer(accepted, rule, m, g);
          }
        }
      } else {
        while (m.find()) {
          offer(accepted, rule, m, g);
        }
      }
    }
    Collections.sort(accepted, (x, y) -> Integer.compare(x.start, y.start));
    return accepted;
  }

  private static void offer(List<Finding> accepted, SecretRule rule, Matcher m, int g) {
    int s = m.start(g);
    int e = m.end(g);
    if (s < 0 || e <= s) {
      return;
    }
    for (Finding f : accepted) {
      if (s < f.end && f.start < e) {
        return;
      }
    }
    if (rule.accepts(m.group(g))) {
      accepted.add(new Finding(rule.id(), s, e));
    }
  }

  private static boolean isWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '_';
  }

  @Override
  public String toString() {
    return "SecretRedactor[" + rules.size() + " rules]";
  }
}
