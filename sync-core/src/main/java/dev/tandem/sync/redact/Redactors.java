package dev.tandem.sync.redact;

import java.util.Collections;
import java.util.List;

/**
 * Entry points: the default redactor (what {@code Tandem.builder()} uses unless told
 * otherwise), the built-in rules, and builders to configure a variant.
 */
public final class Redactors {
  /** Replacement text for a masked secret; contains nothing any rule matches. */
  public static final String MASK = "[REDACTED]";

  private static final List<SecretRule> BUILT_IN = BuiltInRules.all();
  private static final SecretRedactor DEFAULT = new SecretRedactor(BUILT_IN, true);

  private Redactors() {}

  /** Returns the redactor with the built-in rules. */
  public static SecretRedactor defaults() {
    return DEFAULT;
  }

  /** Returns the built-in rules, in the order they apply. */
  public static List<SecretRule> builtInRules() {
    return BUILT_IN;
  }

  /** Returns a builder that starts from the built-in rules. */
  public static RedactorBuilder builder() {
    return new RedactorBuilder(BUILT_IN);
  }

  /** Returns a builder that starts with no rules. */
  public static RedactorBuilder emptyBuilder() {
    return new RedactorBuilder(Collections.<SecretRule>emptyList());
  }
}
