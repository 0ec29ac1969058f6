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
 * A {@link Redactor} made of {@link SecretRule}s. It reads the record's JSON as a stream and
 * examines each string <em>value</em> on its own: field names are never looked at (so a field
 * called {@code tokensIn} costs nothing) and a secret cannot be half inside one value and half
 * in the next. A value is handed to the rules only if the keyword pre-filter finds one of their
 * keywords in it. The one use of field names: a value stored directly under a secret-named field
 * ({@code "password"}, {@code "apiKey"}, {@code "client_secret"}) is masked whole when it looks
 * like a literal secret (by the same checks as {@code password = "…"} in text); this can be
 * switched off with {@link RedactorBuilder#checkFieldNames(boolean)}. Masked values are written back in place; every other byte of the document is
 * kept, and a document with nothing to mask is returned as the same string.
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
    this.index = new KeywordIndex(keywords);
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
        char[] buf = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        String masked;
        String value;
        if (kind != SecretFields.NONE) {
          value = new String(buf, off, len);
          masked = SecretFields.isSecretValue(kind, value) ? Redactors.MASK : redactText(value);
        } else if (!index.containsAny(buf, off, len)) {
          continue;
        } else {
          value = new String(buf, off, len);
          masked = redactText(value);
        }
        if (masked.equals(value)) {
          continue;
        }
        long end = p.currentLocation().getCharOffset();
        if (start < 0 || end <= start || end > json.length() || json.charAt((int) start) != '"'
            || json.charAt((int) end - 1) != '"') {
          // Offsets we cannot trust: rewrite the value through the raw-text path instead.
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
      // Not JSON (or not parseable here): the secrets still must not leave, so treat it as text.
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

  /**
   * Returns {@code text} with every secret replaced by {@link Redactors#MASK}, or {@code text}
   * itself when there is none.
   */
  public String redactText(String text) {
    if (text == null || !index.containsAny(text)) {
      return text;
    }
    List<Finding> found = find(text);
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
