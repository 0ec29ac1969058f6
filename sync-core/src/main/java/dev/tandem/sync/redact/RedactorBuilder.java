package dev.tandem.sync.redact;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link SecretRedactor}: start from the built-in rules ({@link Redactors#builder()})
 * or from none ({@link Redactors#emptyBuilder()}), then add, remove or replace rules by id.
 * Rules apply in list order, and where two overlap the earlier wins, so {@link #addFirst} suits
 * a precise format that a generic rule would otherwise claim.
 *
 * <pre>{@code
 * Redactor r = Redactors.builder()
 *     .remove("url-credentials")
 *     .add(SecretRule.builder("acme-key").prefixes("acme_")
 *         .pattern("acme_[A-Za-z0-9]{32}").build())
 *     .build();
 * Tandem.builder().redactor(r) ...
 * }</pre>
 */
public final class RedactorBuilder {
  private final List<SecretRule> rules;
  private boolean checkFieldNames = true;

  RedactorBuilder(List<SecretRule> start) {
    this.rules = new ArrayList<>(start);
  }

  /**
   * Adds a rule after the others.
   *
   * @throws IllegalArgumentException if a rule with the same id is already present
   */
  public RedactorBuilder add(SecretRule rule) {
    requireNew(rule);
    rules.add(rule);
    return this;
  }

  /**
   * Adds a rule before the others, so it wins where it overlaps them.
   *
   * @throws IllegalArgumentException if a rule with the same id is already present
   */
  public RedactorBuilder addFirst(SecretRule rule) {
    requireNew(rule);
    rules.add(0, rule);
    return this;
  }

  /**
   * Removes the rule with this id.
   *
   * @throws IllegalArgumentException if there is none, so a mistyped id is not silently ignored
   */
  public RedactorBuilder remove(String id) {
    Objects.requireNonNull(id, "id");
    for (Iterator<SecretRule> it = rules.iterator(); it.hasNext(); ) {
      if (it.next().id().equals(id)) {
        it.remove();
        return this;
      }
    }
    throw new IllegalArgumentException("no rule with id " + id + "; ids: " + ids());
  }

  /**
   * Replaces the rule that has {@code rule}'s id, keeping its place in the order.
   *
   * @throws IllegalArgumentException if there is no rule with that id
   */
  public RedactorBuilder replace(SecretRule rule) {
    Objects.requireNonNull(rule, "rule");
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).id().equals(rule.id())) {
        rules.set(i, rule);
        return this;
      }
    }
    throw new IllegalArgumentException("no rule with id " + rule.id() + " to replace");
  }

  /** Returns the ids of the rules so far, in order. */
  public List<String> ids() {
    List<String> ids = new ArrayList<>(rules.size());
    for (SecretRule r : rules) {
      ids.add(r.id());
    }
    return ids;
  }

  /**
   * Whether a string stored directly under a secret-named JSON field ({@code "password"},
   * {@code "api_key"}, {@code "clientSecret"}) is masked whole when it looks like a literal
   * secret (default true). Field names never feed the keyword pre-filter either way.
   */
  public RedactorBuilder checkFieldNames(boolean check) {
    this.checkFieldNames = check;
    return this;
  }

  /** Builds the redactor. With no rules and no field-name check it changes nothing. */
  public SecretRedactor build() {
    return new SecretRedactor(rules, checkFieldNames);
  }

  private void requireNew(SecretRule rule) {
    Objects.requireNonNull(rule, "rule");
    for (SecretRule r : rules) {
      if (r.id().equals(rule.id())) {
        throw new IllegalArgumentException("a rule with id " + rule.id()
            + " exists; use replace");
      }
    }
  }
}
