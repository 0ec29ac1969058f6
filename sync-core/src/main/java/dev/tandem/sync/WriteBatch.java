package dev.tandem.sync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.StoreTransaction;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Writes made inside {@link Tandem#batch}: they commit together, with their outbox entries, or
 * not at all. Valid only inside the callback that received it. Not thread-safe.
 */
public final class WriteBatch {
  private final Tandem tandem;
  private final StoreTransaction tx;
  private int writes;
  private final Set<String> types = new LinkedHashSet<>();

  WriteBatch(Tandem tandem, StoreTransaction tx) {
    this.tandem = tandem;
    this.tx = tx;
  }

  /**
   * Creates or replaces a record.
   *
   * @throws IllegalArgumentException if the type is unknown, the id invalid, or {@code json} not
   *     a JSON object
   * @throws StoreException with reason {@code RECORD_TOO_LARGE} if over the configured maximum
   */
  public Record put(String type, String id, String json) {
    tandem.requireKnownType(type);
    Ids.requireId(id);
    Objects.requireNonNull(json, "json");
    ObjectNode data = Json.parseObject(json);
    tandem.requireSize(type, id, json);
    Record r = Record.of(type, id, tandem.nextHlc(), json);
    tx.writeLocal(r, data);
    writes++;
    types.add(type);
    return r;
  }

  /** Deletes a record (a tombstone). Returns true if a live record was deleted. */
  public boolean delete(String type, String id) {
    tandem.requireKnownType(type);
    Ids.requireId(id);
    LocalRecord existing = tx.get(type, id);
    if (existing == null || existing.current().deleted()) {
      return false;
    }
    tx.writeLocal(Record.tombstone(type, id, tandem.nextHlc()));
    writes++;
    types.add(type);
    return true;
  }

  /** Returns the current version inside this batch, or null if absent or deleted. */
  public @Nullable Record get(String type, String id) {
    tandem.requireKnownType(type);
    LocalRecord r = tx.get(type, Ids.requireId(id));
    return r == null || r.current().deleted() ? null : r.current();
  }

  /**
   * Returns a host-local value (never synced), such as an importer's fingerprint of a file, or
   * null. Keys starting with {@code tandem.} are reserved.
   */
  public @Nullable String localState(String key) {
    return tx.state(requireHostKey(key));
  }

  /** Writes a host-local value (never synced); null removes it. */
  public void putLocalState(String key, @Nullable String value) {
    tx.putState(requireHostKey(key), value);
  }

  /** The types written, for the change stream. */
  Set<String> types() {
    return types;
  }

  int writes() {
    return writes;
  }

  private static String requireHostKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty() || key.startsWith("tandem.")) {
      throw new IllegalArgumentException("reserved or empty state key: " + key);
    }
    return "host." + key;
  }
}
