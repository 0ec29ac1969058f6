package dev.tandem.sync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.LocalRecord;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The generic repository of one record type: put, get, delete and list records whose data is a
 * JSON object. Every write lands in the local store at once, together with its outbox entry.
 *
 * <pre>{@code
 * Records notes = tandem.records("note");
 * notes.put("n-1", "{\"text\":\"hello\"}");
 * Record r = notes.get("n-1");
 * }</pre>
 *
 * <p>Thread-safe. Obtain instances from {@link Tandem#records(String)}.
 */
public final class Records {
  private final Tandem tandem;
  private final String type;

  Records(Tandem tandem, String type) {
    this.tandem = tandem;
    this.type = type;
  }

  /** Returns the type this repository holds. */
  public String type() {
    return type;
  }

  /**
   * Creates or replaces a record and queues it for sync.
   *
   * @param json a JSON object, stored exactly as given
   * @return the stored version, with its new clock
   * @throws IllegalArgumentException if the id is invalid or {@code json} is not a JSON object
   * @throws StoreException with reason {@code RECORD_TOO_LARGE} if over the configured maximum
   */
  public Record put(String id, String json) {
    Ids.requireId(id);
    Objects.requireNonNull(json, "json");
    ObjectNode data = Json.parseObject(json);
    return tandem.write(type, id, json, data);
  }

  /**
   * Creates or replaces a record from a Jackson object node.
   *
   * @throws IllegalArgumentException if the id is invalid
   */
  public Record put(String id, ObjectNode data) {
    Ids.requireId(id);
    Objects.requireNonNull(data, "data");
    return tandem.write(type, id, Json.write(data), data);
  }

  /** Returns the live record with {@code id}, or null if absent or deleted. */
  public @Nullable Record get(String id) {
    Ids.requireId(id);
    LocalRecord r = tandem.store().get(type, id);
    return r == null || r.current().deleted() ? null : r.current();
  }

  /**
   * Deletes a record: it becomes a tombstone that syncs to other devices.
   *
   * @return true if a live record was deleted
   */
  public boolean delete(String id) {
    Ids.requireId(id);
    return tandem.delete(type, id);
  }

  /**
   * Returns up to {@code limit} live records ordered by id, after {@code afterId} (null for the
   * first page). Pass the last id of a page to get the next one.
   */
  public List<Record> list(@Nullable String afterId, int limit) {
    requirePositive(limit);
    return tandem.store().list(type, afterId, limit);
  }

  static void requirePositive(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
  }
}
