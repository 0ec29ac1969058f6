package dev.tandem.sync.redact;

import java.util.Locale;

/** Recognises secret-named JSON fields and judges the literal stored under them. */
final class SecretFields {
  static final int NONE = 0;
  static final int PASSWORD = 1;
  static final int SECRET = 2;

  private static final String[] PASSWORD_SUFFIXES = {"password", "passwd", "passphrase"};
  private static final String[] SECRET_SUFFIXES = {"secret", "token", "apikey", "accesskey",
      "privatekey", "authkey", "credential", "credentials", "secretkey", "signingkey",
      "encryptionkey"};

  private SecretFields() {}

  /**
   * Returns the kind of a field by how its name ends, ignoring case, {@code _} and {@code -}:
   * {@code db_password} is a password, {@code GITHUB_TOKEN} and {@code apiKey} secrets,
   * {@code tokensIn} and {@code tokenizer} neither.
   */
  static int kindOf(String name) {
    if (name == null || !mayBeSecretName(name, 0, name.length())) {
      return NONE;
    }
    String folded = name.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    for (String s : PASSWORD_SUFFIXES) {
      if (folded.endsWith(s)) {
        return PASSWORD;
      }
    }
    for (String s : SECRET_SUFFIXES) {
      if (folded.endsWith(s)) {
        return SECRET;
      }
    }
    return NONE;
  }

  /** A cheap test that rules out almost every name: too short, or the wrong last letter. */
  static boolean mayBeSecretName(CharSequence text, int start, int end) {
    if (end - start < 5) {
      return false;
    }
    char last = Character.toLowerCase(text.charAt(end - 1));
    return last == 'd' || last == 'e' || last == 't' || last == 'n' || last == 'y'
        || last == 'l' || last == 's';
  }

  /** Whether {@code value}, stored under a field of {@code kind}, is a literal secret. */
  static boolean isSecretValue(int kind, String value) {
    if (value.length() > 512 || Values.looksLikePlaceholder(value)) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isWhitespace(value.charAt(i))) {
        // Prose, not a credential: a description or a message about a password.
        return false;
      }
    }
    return kind == PASSWORD ? Values.looksLikePassword(value)
        : Values.looksLikeGeneratedSecret(value, 12, 3.2);
  }
}
