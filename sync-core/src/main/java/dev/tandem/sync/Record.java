package dev.tandem.sync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One version of a synced record: its type, id, the clock of its last change, whether it is a
 * tombstone, and its data as a JSON object.
 *
 * <p>Data is kept as JSON text exactly as it was written, so that numbers, key order and unknown
 * fields survive a round trip through the store and the server. {@link #data()} parses it on
 * demand. Immutable.
 */
public final class Record {
  private final String type;
  private final String id;
  private final Hlc hlc;
  private final boolean deleted;
  private final @Nullable String json;

  private Record(String type, String id, Hlc hlc, boolean deleted, @Nullable String json) {
    this.type = Ids.requireType(type);
    this.id = Ids.requireId(id);
    this.hlc = Objects.requireNonNull(hlc, "hlc");
    this.deleted = deleted;
    this.json = deleted ? null : Objects.requireNonNull(json, "json");
  }

  /**
   * Returns a live record whose data is the JSON object {@code json}.
   *
   * @throws IllegalArgumentException if the type or id is invalid
   */
  public static Record of(String type, String id, Hlc hlc, String json) {
    return new Record(type, id, hlc, false, json);
  }

  /**
   * Returns a tombstone.
   *
   * @throws IllegalArgumentException if the type or id is invalid
   */
  public static Record tombstone(String type, String id, Hlc hlc) {
    return new Record(type, id, hlc, true, null);
  }

  /** Returns the record type, such as {@code conversation}. */
  public String type() {
    return type;
  }

  /** Returns the record id, unique within its type. */
  public String id() {
    return id;
  }

  /** Returns the clock of the change that produced this version. */
  public Hlc hlc() {
    return hlc;
  }

  /** Returns true if this version is a deletion. */
  public boolean deleted() {
    return deleted;
  }

  /** Returns the data as JSON text, or null for a tombstone. */
  public @Nullable String json() {
    return json;
  }

  /** Returns a freshly parsed copy of the data, or null for a tombstone. */
  public @Nullable ObjectNode data() {
    return deleted ? null : Json.parseObject(json);
  }

  /** Returns a copy of this record with another clock. */
  public Record withHlc(Hlc newHlc) {
    return new Record(type, id, newHlc, deleted, json);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Record)) {
      return false;
    }
    Record r = (Record) o;
    return type.equals(r.type)
        && id.equals(r.id)
        && hlc.equals(r.hlc)
        && deleted == r.deleted
        && Objects.equals(json, r.json);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, id, hlc, deleted, json);
  }

  @Override
  public String toString() {
    String body = deleted ? "deleted" : (json.length() > 80 ? json.substring(0, 80) + "…" : json);
    return "Record{" + type + "/" + id + " @" + hlc + " " + body + "}";
  }
}
