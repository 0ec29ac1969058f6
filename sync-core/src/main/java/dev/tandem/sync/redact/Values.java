package dev.tandem.sync.redact;

import java.util.Locale;
import java.util.regex.Pattern;

/** Checks on candidate secrets: entropy, placeholders, code identifiers. */
final class Values {
  private static final Pattern IDENTIFIER_PATH =
      Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(?:\\.[A-Za-z_$][A-Za-z0-9_$]*)+");
  private static final String[] PLACEHOLDER_WORDS = {"your", "example", "placeholder", "changeme",
      "change_me", "change-me", "dummy", "redacted", "replace", "insert", "<", ">", "${", "{{",
      "}}", "...", "\u2026", "(", ")"};
  /** Values people write where a password goes in docs and samples. */
  private static final String[] WEAK_WORDS = {"password", "passwd", "secret", "pass", "pwd",
      "admin", "root", "token", "apikey", "api_key", "null", "none", "true", "false", "undefined",
      "string", "value", "test", "user", "username", "default", "required", "optional", "hidden",
      "masked", "empty", "env", "xxx"};

  private Values() {}

  /** Shannon entropy of the characters of {@code s}, in bits per character. */
  static double shannonEntropy(CharSequence s) {
    int n = s.length();
    if (n == 0) {
      return 0;
    }
    int[] ascii = new int[128];
    java.util.Map<Character, Integer> other = null;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 128) {
        ascii[c]++;
      } else {
        if (other == null) {
          other = new java.util.HashMap<>();
        }
        other.merge(c, 1, Integer::sum);
      }
    }
    double h = 0;
    for (int count : ascii) {
      h += term(count, n);
    }
    if (other != null) {
      for (int count : other.values()) {
        h += term(count, n);
      }
    }
    return h;
  }

  private static double term(int count, int n) {
    if (count == 0) {
      return 0;
    }
    double p = (double) count / n;
    return -p * (Math.log(p) / Math.log(2));
  }

  /**
   * True for text that stands in for a secret: the mask, {@code xxxxx} or {@code *****} runs
   * (how secrets are scrubbed in published samples), {@code your-api-key}, {@code <TOKEN>},
   * {@code ${VAR}}, an ellipsis.
   */
  static boolean looksLikePlaceholder(String s) {
    if (s.contains(Redactors.MASK)) {
      return true;
    }
    int run = 0;
    char prev = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      char folded = c == 'X' ? 'x' : c;
      run = folded == prev ? run + 1 : 1;
      prev = folded;
      if ((folded == 'x' && run >= 5) || (folded == '*' && run >= 3)
          || (folded == '\u2022' && run >= 3) || (folded == '0' && run >= 10)) {
        return true;
      }
    }
    String lower = s.toLowerCase(Locale.ROOT);
    for (String w : PLACEHOLDER_WORDS) {
      if (lower.contains(w)) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when an assigned value is code rather than a literal: {@code os.environ},
   * {@code self.api_key}, {@code $TOKEN}, {@code %s}, {@code str}.
   */
  static boolean looksLikeExpression(String v) {
    if (v.isEmpty()) {
      return true;
    }
    char first = v.charAt(0);
    if (first == '$' || first == '%' || first == '@' || first == '&' || first == '*'
        || first == '!') {
      return true;
    }
    return IDENTIFIER_PATH.matcher(v).matches();
  }

  /** Counts the classes among lower case, upper case, digits and other symbols. */
  static int charClasses(String v) {
    boolean lower = false;
    boolean upper = false;
    boolean digit = false;
    boolean symbol = false;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c >= 'a' && c <= 'z') {
        lower = true;
      } else if (c >= 'A' && c <= 'Z') {
        upper = true;
      } else if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '_' && c != '-' && c != '.') {
        symbol = true;
      }
    }
    return (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) + (symbol ? 1 : 0);
  }

  static boolean hasDigit(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c >= '0' && c <= '9') {
        return true;
      }
    }
    return false;
  }

  static boolean hasSymbol(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9')
          && c != '_' && c != '-' && c != '.') {
        return true;
      }
    }
    return false;
  }

  static boolean hasLetter(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
      }
    }
    return false;
  }

  /** Mixed upper and lower case letters and digits, as random base62 text of 20+ has. */
  static boolean mixedAlnum(String v) {
    boolean lower = false;
    boolean upper = false;
    boolean digit = false;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      lower |= c >= 'a' && c <= 'z';
      upper |= c >= 'A' && c <= 'Z';
      digit |= c >= '0' && c <= '9';
    }
    return lower && upper && digit;
  }

  /**
   * A value assigned to a secret-named key that is a random-looking literal: long enough, letters
   * and digits (or three character classes), enough entropy, not code, not a placeholder.
   */
  static boolean looksLikeGeneratedSecret(String v, int minLength, double minEntropy) {
    if (v.length() < minLength || looksLikeExpression(v) || isWeakWord(v)) {
      return false;
    }
    boolean mixed = (hasDigit(v) && hasLetter(v)) || charClasses(v) >= 3;
    return mixed && shannonEntropy(v) >= minEntropy;
  }

  /**
   * A human-chosen password: six or more characters of two or more classes, not code, not a
   * word people write in samples.
   */
  static boolean looksLikePassword(String v) {
    if (v.length() < 6 || looksLikeExpression(v) || isWeakWord(v)) {
      return false;
    }
    // Letters alone are far more often a word ("password: Instagram password") than a password.
    return hasLetter(v) && (hasDigit(v) || hasSymbol(v)) && shannonEntropy(v) >= 2.0;
  }

  static boolean isWeakWord(String v) {
    String lower = v.toLowerCase(Locale.ROOT);
    for (String w : WEAK_WORDS) {
      if (lower.equals(w)) {
        return true;
      }
    }
    return false;
  }
}
