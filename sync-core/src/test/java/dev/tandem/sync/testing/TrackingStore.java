package dev.tandem.sync.testing;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.HistoryQueries;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.StoreTransaction;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link LocalStore} decorator that counts {@link #close()} calls. With {@code durable}, closing
 * leaves the underlying store open, like a database file that outlives the process: a new
 * {@code Tandem} on the same delegate is a restart of the app.
 */
public final class TrackingStore implements LocalStore {
  private final LocalStore delegate;
  private final boolean durable;
  private int closes;
  private final java.util.Set<String> hidden = new java.util.HashSet<>();
  private boolean ignoreMarkSynced;

  public TrackingStore(LocalStore delegate, boolean durable) {
    this.delegate = delegate;
    this.durable = durable;
  }

  /** Makes {@link #get} answer null for one record, as if its row were lost. */
  public synchronized void hide(String type, String id) {
    hidden.add(type + "/" + id);
  }

  /** Makes {@link #markSynced} do nothing, like a store whose writes are lost. */
  public synchronized void ignoreMarkSynced() {
    ignoreMarkSynced = true;
  }

  /** Returns how many times {@link #close()} was called. */
  public synchronized int closes() {
    return closes;
  }

  @Override
  public void close() {
    synchronized (this) {
      closes++;
    }
    if (!durable) {
      delegate.close();
    }
  }

  @Override
  public <R> R inTransaction(Function<StoreTransaction, R> work) {
    return delegate.inTransaction(work);
  }

  @Override
  public LocalRecord get(String type, String id) {
    synchronized (this) {
      if (hidden.contains(type + "/" + id)) {
        return null;
      }
    }
    return delegate.get(type, id);
  }

  @Override
  public List<Record> list(String type, String afterId, int limit) {
    return delegate.list(type, afterId, limit);
  }

  @Override
  public HistoryQueries history() {
    return delegate.history();
  }

  @Override
  public List<OutboxEntry> duePending(long nowMillis, int limit) {
    return delegate.duePending(nowMillis, limit);
  }

  @Override
  public long dataVersion() {
    return delegate.dataVersion();
  }

  @Override
  public List<OutboxEntry> failedEntries(int limit) {
    return delegate.failedEntries(limit);
  }

  @Override
  public void markSynced(List<OutboxEntry> entries) {
    synchronized (this) {
      if (ignoreMarkSynced) {
        return;
      }
    }
    delegate.markSynced(entries);
  }

  @Override
  public void markFailed(OutboxEntry entry, String error, long nextAttemptAt, boolean terminal) {
    delegate.markFailed(entry, error, nextAttemptAt, terminal);
  }

  @Override
  public int retryFailed(long nowMillis) {
    return delegate.retryFailed(nowMillis);
  }

  @Override
  public int countOutbox(OutboxEntry.Status status) {
    return delegate.countOutbox(status);
  }

  @Override
  public List<Conflict> conflicts(int limit) {
    return delegate.conflicts(limit);
  }

  @Override
  public String state(String key) {
    return delegate.state(key);
  }
}
