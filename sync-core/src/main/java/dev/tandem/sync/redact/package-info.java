/**
 * Secret redaction for outgoing records: {@link dev.tandem.sync.redact.SecretRule}s (a keyword
 * pre-filter, a pattern and optional checks), the built-in rule set, and
 * {@link dev.tandem.sync.redact.RedactorBuilder} to start from the defaults and add, remove or
 * replace rules. Only string values of a record's JSON are examined and rewritten; field names,
 * numbers and the document's layout are left as they were.
 *
 * <p>Types here are non-null unless marked {@code @Nullable} (JSpecify).
 */
@NullMarked
package dev.tandem.sync.redact;

import org.jspecify.annotations.NullMarked;
