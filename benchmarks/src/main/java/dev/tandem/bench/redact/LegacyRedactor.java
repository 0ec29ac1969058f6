package dev.tandem.bench.redact;

import dev.tandem.sync.spi.Redactor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark baseline: sync-core's former {@code internal.BuiltInRedactor} as of commit
 * 57d8e6c, unchanged except for its name and package. It scanned the raw document.
 *
 * <p>Masks common secret formats in outgoing JSON text: OpenAI and Anthropic keys, AWS access key
 * ids, GitHub tokens, Slack tokens, PEM private keys, and {@code password=} / {@code api_key=}
 * style assignments. Matches become {@code [REDACTED]}, so the JSON stays valid.
 */
final class LegacyRedactor implements Redactor {
  /** Replacement text for a masked secret. */
  public static final String MASK = "[REDACTED]";

  private static final List<Pattern> DEFAULT_PATTERNS = Collections.unmodifiableList(Arrays.asList(
      // PEM private keys; inside JSON strings their newlines are escaped as \n.
      Pattern.compile(
          "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----",
          Pattern.DOTALL),
      Pattern.compile("sk-ant-[A-Za-z0-9_\\-]{20,}"),
      Pattern.compile("sk-(?:proj-)?[A-Za-z0-9_\\-]{20,}"),
      Pattern.compile("\\bAKIA[0-9A-Z]{16}\\b"),
      Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{36,}\\b"),
      Pattern.compile("\\bxox[abposr]-[A-Za-z0-9\\-]{10,}"),
      // Assignments: keep the key and the separator, mask the value up to a quote or space.
      Pattern.compile(
          "(?i)((?:password|passwd|pwd|api[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token)"
              + "\\s*[=:]\\s*)([^\\s\"'\\\\,;&]{3,})")));

  private static final String[] LITERAL_HINTS = {"sk-", "AKIA", "gho_", "ghp_", "ghu_", "ghs_",
      "ghr_", "xox", "PRIVATE KEY"};
  private static final String[] KEYWORD_HINTS = {"pass", "pwd", "key", "token"};

  private final List<Pattern> patterns;

  private LegacyRedactor(List<Pattern> patterns) {
    this.patterns = patterns;
  }

  /**
   * A cheap scan that rules out most text before any regular expression runs: every built-in
   * pattern needs one of these literals (keywords in any case). Redaction runs on every outgoing
   * record, so this keeps it off the sync profile.
   */
  static boolean mayContainSecret(String s) {
    for (String hint : LITERAL_HINTS) {
      if (s.indexOf(hint) >= 0) {
        return true;
      }
    }
    for (String hint : KEYWORD_HINTS) {
      if (containsIgnoreCase(s, hint)) {
        return true;
      }
    }
    return false;
  }

  private static boolean containsIgnoreCase(String s, String lowerHint) {
    char first = lowerHint.charAt(0);
    char firstUpper = Character.toUpperCase(first);
    int max = s.length() - lowerHint.length();
    for (int i = 0; i <= max; i++) {
      char c = s.charAt(i);
      if ((c == first || c == firstUpper) && s.regionMatches(true, i, lowerHint, 0,
          lowerHint.length())) {
        return true;
      }
    }
    return false;
  }

  /** Returns the redactor with the built-in patterns. */
  public static LegacyRedactor defaults() {
    return new LegacyRedactor(DEFAULT_PATTERNS);
  }

  /** Returns a redactor with the built-in patterns plus {@code extra} ones. */
  public static LegacyRedactor withExtraPatterns(List<Pattern> extra) {
    List<Pattern> all = new ArrayList<>(DEFAULT_PATTERNS);
    all.addAll(extra);
    return new LegacyRedactor(Collections.unmodifiableList(all));
  }

  @Override
  public String redact(String type, String id, String json) {
    if (json == null) {
      return null;
    }
    if (patterns == DEFAULT_PATTERNS && !mayContainSecret(json)) {
      return json;
    }
    String out = json;
    for (Pattern p : patterns) {
      Matcher m = p.matcher(out);
      if (!m.find()) {
        continue;
      }
      StringBuffer sb = new StringBuffer(out.length());
      do {
        String replacement = m.groupCount() >= 2 ? m.group(1) + MASK : MASK;
        m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
      } while (m.find());
      m.appendTail(sb);
      out = sb.toString();
    }
    return out;
  }
}
