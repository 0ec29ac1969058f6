package dev.tandem.sync.redact;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One secret format: an id, a description, keywords for the pre-filter, a pattern, and optional
 * checks on the matched secret (minimum Shannon entropy, a validator).
 *
 * <p>The pattern runs only on string values that contain one of the keywords (ASCII
 * case-insensitive), so every rule needs at least one keyword that any secret it matches must
 * contain. A <em>prefix</em> rule ({@link Builder#prefixes}) is stricter and cheaper: its pattern
 * is tried only where a keyword starts, and must match from there; its keywords are the literal
 * prefixes of the format ({@code ghp_}, {@code AIza}). Any other rule searches the whole value.
 *
 * <p>The secret is group {@link Builder#secretGroup} of the match (0, the whole match, by
 * default); only that group is masked, so {@code password = "…"} keeps its key. A match whose
 * secret looks like a placeholder ({@code xxxx}, {@code ****}, long runs of one character, the
 * mask itself) is never masked. Immutable and thread-safe.
 */
public final class SecretRule {
  private final String id;
  private final String description;
  private final List<String> keywords;
  private final boolean prefix;
  private final boolean wordStart;
  private final Pattern pattern;
  private final int secretGroup;
  private final double minEntropy;
  private final @Nullable Predicate<String> validator;

  private SecretRule(Builder b) {
    this.id = b.id;
    this.description = b.description;
    this.keywords = Collections.unmodifiableList(new ArrayList<>(b.keywords));
    this.prefix = b.prefix;
    this.wordStart = b.wordStart;
    this.pattern = b.pattern;
    this.secretGroup = b.secretGroup;
    this.minEntropy = b.minEntropy;
    this.validator = b.validator;
  }

  /**
   * Starts a rule.
   *
   * @param id a stable id made of {@code [a-z0-9-]}, unique within a redactor
   * @throws IllegalArgumentException if the id is malformed
   */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /** Returns the rule's id, for example {@code github-pat}. */
  public String id() {
    return id;
  }

  /** Returns a one-line description of the format. */
  public String description() {
    return description;
  }

  /** Returns the pre-filter keywords, lower case. */
  public List<String> keywords() {
    return keywords;
  }

  /** Returns whether the pattern is anchored at keyword hits rather than searched. */
  public boolean isPrefixRule() {
    return prefix;
  }

  /** Returns the pattern. */
  public Pattern pattern() {
    return pattern;
  }

  /** Returns the group of the pattern that holds the secret (0: the whole match). */
  public int secretGroup() {
    return secretGroup;
  }

  /** Returns the least Shannon entropy, in bits per character, the secret must have. */
  public double minEntropy() {
    return minEntropy;
  }

  boolean requiresWordStart() {
    return wordStart;
  }

  /** Whether {@code secret} (the matched group) passes this rule's checks. */
  boolean accepts(String secret) {
    if (secret.isEmpty() || Values.looksLikePlaceholder(secret)) {
      return false;
    }
    if (minEntropy > 0 && Values.shannonEntropy(secret) < minEntropy) {
      return false;
    }
    return validator == null || validator.test(secret);
  }

  @Override
  public String toString() {
    return "SecretRule[" + id + "]";
  }

  /** Builds a {@link SecretRule}. */
  public static final class Builder {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    private final String id;
    private String description = "";
    private final List<String> keywords = new ArrayList<>();
    private boolean prefix;
    private boolean wordStart = true;
    private @Nullable Pattern pattern;
    private int secretGroup;
    private double minEntropy;
    private @Nullable Predicate<String> validator;

    private Builder(String id) {
      Objects.requireNonNull(id, "id");
      if (!ID.matcher(id).matches()) {
        throw new IllegalArgumentException("rule id must match [a-z0-9][a-z0-9-]*: " + id);
      }
      this.id = id;
    }

    /** Sets the description. */
    public Builder description(String text) {
      this.description = Objects.requireNonNull(text, "description");
      return this;
    }

    /**
     * Adds keywords: the pattern runs on a value only when it contains one of them, in any ASCII
     * case. Every secret the pattern matches must contain one.
     *
     * @throws IllegalArgumentException if a keyword is empty or not ASCII
     */
    public Builder keywords(String... words) {
      for (String w : words) {
        keywords.add(checkKeyword(w));
      }
      return this;
    }

    /**
     * Makes this a prefix rule with these literal prefixes as keywords: the pattern is tried
     * (anchored) only where a prefix occurs, so it must start with one of them.
     *
     * @throws IllegalArgumentException if a prefix is empty or not ASCII
     */
    public Builder prefixes(String... literalPrefixes) {
      prefix = true;
      return keywords(literalPrefixes);
    }

    /**
     * For prefix rules: whether the prefix must start a word, that is not follow a letter, digit
     * or underscore (default true), so {@code task} does not start an {@code sk} token.
     */
    public Builder wordStart(boolean required) {
      this.wordStart = required;
      return this;
    }

    /** Sets the pattern (compiled without flags). */
    public Builder pattern(String regex) {
      return pattern(Pattern.compile(regex));
    }

    /** Sets the pattern. */
    public Builder pattern(Pattern compiled) {
      this.pattern = Objects.requireNonNull(compiled, "pattern");
      return this;
    }

    /** Sets the group of the pattern that holds the secret (default 0, the whole match). */
    public Builder secretGroup(int group) {
      if (group < 0) {
        throw new IllegalArgumentException("group must not be negative: " + group);
      }
      this.secretGroup = group;
      return this;
    }

    /** Requires at least this Shannon entropy, in bits per character, of the secret. */
    public Builder minEntropy(double bitsPerChar) {
      if (bitsPerChar < 0 || Double.isNaN(bitsPerChar)) {
        throw new IllegalArgumentException("entropy must be >= 0: " + bitsPerChar);
      }
      this.minEntropy = bitsPerChar;
      return this;
    }

    /** Adds a check on the matched secret; a match it rejects is left alone. */
    public Builder validator(Predicate<String> check) {
      Objects.requireNonNull(check, "validator");
      this.validator = validator == null ? check : validator.and(check);
      return this;
    }

    /**
     * Builds the rule.
     *
     * @throws IllegalStateException if the pattern or keywords are missing, or the secret group
     *     does not exist in the pattern
     */
    public SecretRule build() {
      if (pattern == null) {
        throw new IllegalStateException("rule " + id + " has no pattern");
      }
      if (keywords.isEmpty()) {
        throw new IllegalStateException("rule " + id + " has no keywords");
      }
      if (secretGroup > pattern.matcher("").groupCount()) {
        throw new IllegalStateException("rule " + id + ": no group " + secretGroup);
      }
      return new SecretRule(this);
    }

    private static String checkKeyword(String w) {
      Objects.requireNonNull(w, "keyword");
      if (w.isEmpty()) {
        throw new IllegalArgumentException("empty keyword");
      }
      for (int i = 0; i < w.length(); i++) {
        if (w.charAt(i) > 127) {
          throw new IllegalArgumentException("keywords must be ASCII: " + w);
        }
      }
      return w.toLowerCase(Locale.ROOT);
    }
  }
}
