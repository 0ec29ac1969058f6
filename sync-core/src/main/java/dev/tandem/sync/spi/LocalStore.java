package dev.tandem.sync.spi;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The local database every write lands in first: records, the outbox, sync state and conflicts.
 * The sync engine uses only this interface; the repositories also run the {@link #history()
 * history queries}. {@code tandem-sync-sqlite}'s {@code HybridStorageBackend} implements both.
 *
 * <p>Implementations serialize write transactions through one writer and allow concurrent reads.
 * All methods are thread-safe. After {@link #close()} every method throws {@link
 * dev.tandem.sync.ClosedException}.
 */
public interface LocalStore extends AutoCloseable {
  /**
   * Runs {@code work} in one write transaction and returns its result. If {@code work} throws, the
   * transaction rolls back and the exception propagates.
   */
  <R> R inTransaction(Function<StoreTransaction, R> work);

  /** Returns the record with its base, or null. Tombstones are returned (deleted). */
  @Nullable LocalRecord get(String type, String id);

  /**
   * Returns live (not deleted) records of {@code type} ordered by id, for paging: ids greater than
   * {@code afterId} (null for the first page), at most {@code limit}.
   */
  List<Record> list(String type, @Nullable String afterId, int limit);

  /** Returns the history queries over this store's records (conversations, messages, search). */
  HistoryQueries history();

  /** Returns up to {@code limit} pending entries due at {@code nowMillis}, oldest first. */
  List<OutboxEntry> duePending(long nowMillis, int limit);

  /**
   * Marks entries as delivered. An entry that was coalesced with a newer change since it was
   * read (its clock moved on) stays pending. The sent version becomes each record's base.
   */
  void markSynced(List<OutboxEntry> entries);

  /**
   * Records a failed attempt: increments the retry count, stores the error, and either schedules
   * the next attempt at {@code nextAttemptAt} or, if {@code terminal}, parks the entry as failed.
   * An entry that was coalesced with a newer change since it was read keeps only the error: the
   * newer version stays pending and due, since it deserves its own attempt.
   */
  void markFailed(OutboxEntry entry, String error, long nextAttemptAt, boolean terminal);

  /** Moves every failed entry back to pending, due now. Returns how many moved. */
  int retryFailed(long nowMillis);

  /**
   * Returns up to {@code limit} entries parked as failed, oldest first, each with the error that
   * parked it ({@link OutboxEntry#errorMessage()}).
   *
   * @throws IllegalArgumentException if {@code limit} is not positive
   */
  List<OutboxEntry> failedEntries(int limit);

  /** Returns the number of outbox entries with {@code status}. */
  int countOutbox(OutboxEntry.Status status);

  /**
   * Returns a number that changes whenever another connection to the same database (another
   * process, or another store opened on the same file) has committed since the previous call;
   * this store's own writes leave it alone. {@code Tandem.observe} polls it to report other
   * processes' writes. A store no one else can write returns a constant, as this default does.
   */
  default long dataVersion() {
    return 0;
  }

  /** Returns recorded conflicts, newest first. */
  List<Conflict> conflicts(int limit);

  /** Returns a value from {@code sync_state}, or null. */
  @Nullable String state(String key);

  /** Closes the database. Idempotent. */
  @Override
  void close();
}
