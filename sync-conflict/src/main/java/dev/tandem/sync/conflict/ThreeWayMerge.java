package dev.tandem.sync.conflict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.ConflictResolver;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A resolver that keeps both sides' edits where they do not overlap: records merge field by field
 * against their common base, and text merges line by line, then word by word.
 *
 * <pre>{@code
 * Tandem tandem = Tandem.builder()
 *     .conflictResolver(ThreeWayMerge.withFallback(LastWriteWins.byHlc()))
 *     ...
 *
 * MergeResult m = ThreeWayMerge.mergeText(base, local, remote);
 * if (m.clean()) save(m.text());
 * }</pre>
 *
 * <h2>Records</h2>
 *
 * <p>JSON objects merge recursively, key by key: a value changed (added, removed) on one side only
 * takes that side; changed on both sides to the same value is clean; string values changed on both
 * sides go through {@link #mergeText}, subject to {@link TextFields}; anything else changed
 * differently on both sides (including arrays, which are atomic values) is a conflict. A conflict
 * goes first to the {@link FieldResolver}, if one is installed, then to the fallback resolver,
 * whose whole-record decision picks the side for every conflicting field. Each one is recorded as
 * a {@link Conflict} whose path is a JSON pointer such as {@code /settings/theme}.
 *
 * <p>A deletion against an update follows the {@link DeletePolicy} (default: the update wins and
 * the record lives) and is recorded with path {@code ""}. With no base ({@code null}, a tombstone,
 * or unparsable), both versions are treated as created independently from an empty object.
 *
 * <p><b>Determinism.</b> Two devices resolving the same versions with local and remote swapped
 * produce byte-identical JSON, provided the fallback (and field resolver) is itself symmetric, as
 * {@link LastWriteWins#byHlc()} is: keys keep the base's order, keys added by either side follow in
 * {@link String#compareTo} order, and values are taken unchanged from one side so that numbers keep
 * their exact written form. If the merged value equals the remote data the resolution is
 * {@code remote}, if it equals the local data {@code local}, otherwise {@code merged}.
 *
 * <h2>Text</h2>
 *
 * <p>{@link #mergeText} works like {@code git merge-file}: a diff3 over Myers diffs of whole lines,
 * giving the same clean results as git wherever git merges cleanly. It then refines each region git
 * would report as a conflict: the region is merged again word by word, so that edits to different
 * words of one line, or to adjacent lines, merge cleanly. See {@link TextOptions} for markers, and
 * the {@code mergeText} method for line endings and binary text.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ThreeWayMerge implements ConflictResolver {
  /** What happens when one side deleted the record and the other changed it. */
  public enum DeletePolicy {
    /** The update wins and the record lives (the default). */
    UPDATE_WINS,
    /** The deletion wins. */
    DELETE_WINS,
    /** The fallback resolver decides. */
    FALLBACK
  }

  /** Which string fields changed on both sides are merged as text rather than as atomic values. */
  public enum TextFields {
    /** None: a string changed differently on both sides is a conflict. */
    NONE,
    /**
     * Strings that look like prose: the base and both sides are strings and at least one of them
     * contains white space. Identifiers, enum words and the like ({@code "open"},
     * {@code "abc-123"}) stay atomic, so that two edits never splice into a value neither side
     * wrote. The default.
     */
    PROSE,
    /** Every string whose base and both sides are strings. */
    ALL
  }

  /**
   * Decides a field that both sides changed differently, before the fallback is asked. It must be
   * deterministic and symmetric in {@code local} and {@code remote}, or replicas diverge.
   */
  @FunctionalInterface
  public interface FieldResolver {
    /**
     * Returns the value the field takes: a node (possibly one of the three given), a
     * {@link com.fasterxml.jackson.databind.node.MissingNode} to remove the field, or null to leave
     * the decision to the fallback resolver.
     *
     * @param path the JSON pointer of the field, such as {@code /title}
     * @param base the base value, or null if absent
     * @param local the local value, or null if absent (removed)
     * @param remote the remote value, or null if absent (removed)
     */
    @Nullable JsonNode resolve(String path, @Nullable JsonNode base, @Nullable JsonNode local,
        @Nullable JsonNode remote);
  }

  private final ConflictResolver fallback;
  private final DeletePolicy deletePolicy;
  private final FieldResolver fieldResolver;
  private final TextFields textFields;

  private ThreeWayMerge(Builder b) {
    this.fallback = b.fallback != null ? b.fallback : LastWriteWins.byHlc();
    this.deletePolicy = b.deletePolicy;
    this.fieldResolver = b.fieldResolver;
    this.textFields = b.textFields;
  }

  /** Returns a merge that falls back to {@link LastWriteWins#byHlc()}, with default options. */
  public static ThreeWayMerge create() {
    return new Builder().build();
  }

  /**
   * Returns a merge with default options that hands conflicting fields to {@code fallback}.
   *
   * @throws NullPointerException if {@code fallback} is null
   */
  public static ThreeWayMerge withFallback(ConflictResolver fallback) {
    return new Builder().fallback(fallback).build();
  }

  /** Returns a builder with default options. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder initialised with this merge's options. */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.fallback = fallback;
    b.deletePolicy = deletePolicy;
    b.fieldResolver = fieldResolver;
    b.textFields = textFields;
    return b;
  }

  /** Returns the resolver that decides conflicting fields. */
  public ConflictResolver fallback() {
    return fallback;
  }

  /** Returns the delete-against-update policy. */
  public DeletePolicy deletePolicy() {
    return deletePolicy;
  }

  /** Returns which string fields merge as text. */
  public TextFields textFields() {
    return textFields;
  }

  /** A merge needs the version both sides started from: it pushes conditionally. */
  @Override
  public boolean mergesFromBase() {
    return true;
  }

  /**
   * Merges {@code local} and {@code remote} against {@code base}; see the class documentation.
   *
   * @throws NullPointerException if {@code local} or {@code remote} is null
   */
  @Override
  public Resolution resolve(@Nullable Record base, Record local, Record remote) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
    return new RecordMerger(fallback, deletePolicy, fieldResolver, textFields)
        .resolve(base, local, remote);
  }

  /**
   * Merges three versions of a text with default options (word refinement on, no markers).
   *
   * @see #mergeText(String, String, String, TextOptions)
   */
  public static MergeResult mergeText(@Nullable String base, String local, String remote) {
    return mergeText(base, local, remote, TextOptions.DEFAULTS);
  }

  /**
   * Merges {@code local} and {@code remote}, two edits of {@code base}.
   *
   * <p>Lines are compared exactly, including a missing final newline (as git does: appending to a
   * last line that lacks a newline changes that line). Line endings: when each text uses one
   * style throughout (LF or CRLF), the texts are merged by content and the result gets the style
   * the three-way rule picks (a side that converted the whole text wins; if both converted
   * differently, LF), so line endings alone never make a conflict. A text mixing LF and CRLF is
   * merged byte for byte. A text containing NUL is treated as binary, one opaque value: the merge
   * is clean only if at most one side changed it, and a conflict keeps the local text (markers are
   * not written into binary data).
   *
   * <p>Cost: O((N + M) · D) for texts of N and M lines differing in D lines (near-linear when D is
   * small); a work cap keeps very different texts full of repeated lines from going quadratic
   * (they then merge as larger regions, possibly conflicting); word refinement adds the
   * same cost over the words of each conflicting region only.
   *
   * @param base the common ancestor, or null if both texts were created independently (treated as
   *     empty: anything both sides wrote at the same place conflicts unless identical)
   * @throws NullPointerException if {@code local}, {@code remote} or {@code options} is null
   */
  public static MergeResult mergeText(@Nullable String base, String local, String remote,
      TextOptions options) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(options, "options");
    return new TextMerger(options.conflictMarkers, options.wordLevel, options.localLabel,
        options.remoteLabel).merge(base, local, remote);
  }

  @Override
  public String toString() {
    return "ThreeWayMerge{fallback=" + fallback + ", deletePolicy=" + deletePolicy
        + ", textFields=" + textFields + (fieldResolver != null ? ", fieldResolver" : "") + "}";
  }

  /** Options of a {@link ThreeWayMerge}. Not thread-safe. */
  public static final class Builder {
    private ConflictResolver fallback;
    private DeletePolicy deletePolicy = DeletePolicy.UPDATE_WINS;
    private FieldResolver fieldResolver;
    private TextFields textFields = TextFields.PROSE;

    private Builder() {}

    /**
     * Sets the resolver whose whole-record decision settles conflicting fields (default
     * {@link LastWriteWins#byHlc()}).
     *
     * @throws IllegalStateException if a fallback was already set
     */
    public Builder fallback(ConflictResolver fallback) {
      Objects.requireNonNull(fallback, "fallback");
      if (this.fallback != null) {
        throw new IllegalStateException("fallback was already set to " + this.fallback);
      }
      this.fallback = fallback;
      return this;
    }

    /** Sets what happens when one side deleted and the other changed the record. */
    public Builder deletePolicy(DeletePolicy policy) {
      this.deletePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Installs a callback asked first about every field both sides changed differently.
     *
     * @throws IllegalStateException if a field resolver was already set
     */
    public Builder fieldResolver(FieldResolver resolver) {
      Objects.requireNonNull(resolver, "resolver");
      if (this.fieldResolver != null) {
        throw new IllegalStateException("fieldResolver was already set");
      }
      this.fieldResolver = resolver;
      return this;
    }

    /** Sets which string fields merge as text (default {@link TextFields#PROSE}). */
    public Builder textFields(TextFields textFields) {
      this.textFields = Objects.requireNonNull(textFields, "textFields");
      return this;
    }

    /** Returns the configured merge. */
    public ThreeWayMerge build() {
      return new ThreeWayMerge(this);
    }
  }

  /**
   * Options of a text merge. Immutable.
   *
   * <pre>{@code
   * MergeResult m = ThreeWayMerge.mergeText(base, local, remote,
   *     TextOptions.builder().conflictMarkers(true).build());
   * }</pre>
   */
  public static final class TextOptions {
    static final TextOptions DEFAULTS = builder().build();

    final boolean conflictMarkers;
    final boolean wordLevel;
    final String localLabel;
    final String remoteLabel;

    private TextOptions(Builder b) {
      this.conflictMarkers = b.conflictMarkers;
      this.wordLevel = b.wordLevel;
      this.localLabel = b.localLabel;
      this.remoteLabel = b.remoteLabel;
    }

    /** Returns the defaults: word refinement on, no conflict markers. */
    public static TextOptions defaults() {
      return DEFAULTS;
    }

    /** Returns a builder with the defaults. */
    public static Builder builder() {
      return new Builder();
    }

    /** Returns true if conflicting regions are written with conflict markers. */
    public boolean conflictMarkers() {
      return conflictMarkers;
    }

    /** Returns true if conflicting line regions are retried word by word. */
    public boolean wordLevel() {
      return wordLevel;
    }

    @Override
    public String toString() {
      return "TextOptions{conflictMarkers=" + conflictMarkers + ", wordLevel=" + wordLevel + "}";
    }

    /** Builds {@link TextOptions}. Not thread-safe. */
    public static final class Builder {
      private boolean conflictMarkers;
      private boolean wordLevel = true;
      private String localLabel = "local";
      private String remoteLabel = "remote";

      private Builder() {}

      /**
       * Writes each conflicting region as {@code <<<<<<< local}, the local lines,
       * {@code =======}, the remote lines, {@code >>>>>>> remote} (as git does), for a result a
       * person will edit. Off by default: the local lines stand in for the region.
       */
      public Builder conflictMarkers(boolean on) {
        this.conflictMarkers = on;
        return this;
      }

      /**
       * Sets the labels after {@code <<<<<<<} and {@code >>>>>>>} (default {@code local} and
       * {@code remote}; empty for none).
       *
       * @throws IllegalArgumentException if a label contains a line break
       */
      public Builder markerLabels(String local, String remote) {
        this.localLabel = label(local);
        this.remoteLabel = label(remote);
        return this;
      }

      private static String label(String s) {
        Objects.requireNonNull(s, "label");
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
          throw new IllegalArgumentException("marker label must be one line: " + s);
        }
        return s;
      }

      /**
       * Turns word refinement of conflicting regions on (default) or off. Off gives exactly
       * {@code git merge-file}'s clean/conflict decisions.
       */
      public Builder wordLevel(boolean on) {
        this.wordLevel = on;
        return this;
      }

      /** Returns the options. */
      public TextOptions build() {
        return new TextOptions(this);
      }
    }
  }
}
