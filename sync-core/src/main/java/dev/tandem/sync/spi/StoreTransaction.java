package dev.tandem.sync.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import org.jspecify.annotations.Nullable;

/**
 * The operations available inside one write transaction of a {@link LocalStore}. Everything done
 * through one instance commits or rolls back together. Valid only inside the callback that
 * received it: used later, its methods throw {@link IllegalStateException}.
 */
public interface StoreTransaction {
  /** Returns the record with its base, or null if the store has never seen it. */
  @Nullable LocalRecord get(String type, String id);

  /**
   * Writes a local change and queues it for sync in the same transaction. A pending outbox entry
   * for the same record is coalesced into one entry describing {@code record}. A failed entry is
   * reset to pending, since the record changed.
   *
   * @throws dev.tandem.sync.StoreException with reason {@code RECORD_TOO_LARGE} if the data is
   *     over the store's limit
   */
  void writeLocal(Record record);

  /**
   * Writes a local change like {@link #writeLocal(Record)}, with its data already parsed by the
   * caller: {@code data} is what {@code record.json()} holds (null for a tombstone), so that a
   * store which reads fields out of the data need not parse it a second time. The store must
   * neither keep nor change {@code data}. This default ignores it.
   */
  default void writeLocal(Record record, @Nullable ObjectNode data) {
    writeLocal(record);
  }

  /**
   * Writes a version received from the server without queueing it, and makes it the new base. A
   * pending or failed outbox entry of the record is dropped: the remote version replaced it.
   */
  void applyRemote(Record record);

  /** Sets the base of a record, the version last agreed with the server. */
  void setBase(Record base);

  /** Returns true if the record has an outbox entry that is pending or failed. */
  boolean hasUnsyncedChanges(String type, String id);

  /** Stores a conflict in the {@code conflicts} table. */
  void recordConflict(Conflict conflict);

  /** Returns a value from {@code sync_state}, or null. */
  @Nullable String state(String key);

  /** Writes a value to {@code sync_state}; null removes the key. */
  void putState(String key, @Nullable String value);
}
