package dev.tandem.sync.testing;

import dev.tandem.sync.ClosedException;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.spi.HistoryQueries;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.StoreTransaction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A {@link LocalStore} in memory, for tests that need no SQLite. Transactions roll back by
 * restoring a snapshot. Follows the SPI's documented semantics, like the SQLite store (both pass
 * {@link LocalStoreContract}), with one exception: {@link #search} is not supported. It is its
 * own {@link #history() history queries}, answered by scanning.
 *
 * <p>Thread-safe: every method holds the store's lock, so a transaction excludes every other call.
 * Nothing is kept after the JVM ends; {@link #close()} only refuses further use.
 */
public final class InMemoryStore implements LocalStore, HistoryQueries {
  private static final class Row {
    long id;
    String type;
    String entityId;
    String action;
    Hlc hlc;
    OutboxEntry.Status status = OutboxEntry.Status.PENDING;
    int retryCount;
    String error;
    long createdAt;
    long updatedAt;
    long nextAttemptAt;

    Row copy() {
      Row r = new Row();
      r.id = id;
      r.type = type;
      r.entityId = entityId;
      r.action = action;
      r.hlc = hlc;
      r.status = status;
      r.retryCount = retryCount;
      r.error = error;
      r.createdAt = createdAt;
      r.updatedAt = updatedAt;
      r.nextAttemptAt = nextAttemptAt;
      return r;
    }

    OutboxEntry entry() {
      return new OutboxEntry(id, type, entityId, action, hlc, status, retryCount, error, createdAt,
          updatedAt, nextAttemptAt);
    }
  }

  private final dev.tandem.sync.Clock clock;
  private Map<String, LocalRecord> records = new TreeMap<>();
  private Map<String, Row> outbox = new LinkedHashMap<>();
  private Map<String, String> state = new HashMap<>();
  private List<Conflict> conflicts = new ArrayList<>();
  private long nextRowId = 1;
  private boolean closed;

  /** A store that stamps outbox rows ({@code createdAt}, {@code updatedAt}) with {@code clock}. */
  public InMemoryStore(dev.tandem.sync.Clock clock) {
    this.clock = clock;
  }

  private static String key(String type, String id) {
    return type + "/" + id;
  }

  @Override
  public synchronized <R> R inTransaction(Function<StoreTransaction, R> work) {
    ensureOpen();
    Map<String, LocalRecord> r0 = new TreeMap<>(records);
    Map<String, Row> o0 = new LinkedHashMap<>();
    for (Map.Entry<String, Row> e : outbox.entrySet()) {
      o0.put(e.getKey(), e.getValue().copy());
    }
    Map<String, String> s0 = new HashMap<>(state);
    List<Conflict> c0 = new ArrayList<>(conflicts);
    long n0 = nextRowId;
    Tx tx = new Tx();
    try {
      return work.apply(tx);
    } catch (RuntimeException | Error e) {
      records = r0;
      outbox = o0;
      state = s0;
      conflicts = c0;
      nextRowId = n0;
      throw e;
    } finally {
      tx.open = false;
    }
  }

  private final class Tx implements StoreTransaction {
    boolean open = true;

    /** Refuses use after the callback, as the SQLite store does: the work would be lost. */
    private void check() {
      if (!open) {
        throw new IllegalStateException("transaction is over: use it only inside its callback");
      }
    }

    @Override
    public LocalRecord get(String type, String id) {
      check();
      return records.get(key(type, id));
    }

    @Override
    public void writeLocal(Record record) {
      check();
      String k = key(record.type(), record.id());
      LocalRecord prev = records.get(k);
      records.put(k, new LocalRecord(record, prev == null ? null : prev.base()));
      long now = clock.millis();
      Row row = outbox.get(k);
      if (row == null) {
        row = new Row();
        row.id = nextRowId++;
        row.type = record.type();
        row.entityId = record.id();
        row.createdAt = now;
        outbox.put(k, row);
      }
      row.action = record.deleted() ? "delete" : "upsert";
      row.hlc = record.hlc();
      row.updatedAt = now;
      if (row.status == OutboxEntry.Status.FAILED) {
        row.status = OutboxEntry.Status.PENDING;
        row.retryCount = 0;
        row.error = null;
        row.nextAttemptAt = 0;
      }
    }

    @Override
    public void applyRemote(Record record) {
      check();
      String k = key(record.type(), record.id());
      records.put(k, new LocalRecord(record, record));
      outbox.remove(k);
    }

    @Override
    public void setBase(Record base) {
      check();
      String k = key(base.type(), base.id());
      LocalRecord prev = records.get(k);
      records.put(k, new LocalRecord(prev == null ? base : prev.current(), base));
    }

    @Override
    public boolean hasUnsyncedChanges(String type, String id) {
      check();
      return outbox.containsKey(key(type, id));
    }

    @Override
    public void recordConflict(Conflict conflict) {
      check();
      conflicts.add(conflict);
    }

    @Override
    public String state(String k) {
      check();
      return state.get(k);
    }

    @Override
    public void putState(String k, String value) {
      check();
      if (value == null) {
        state.remove(k);
      } else {
        state.put(k, value);
      }
    }
  }

  @Override
  public synchronized LocalRecord get(String type, String id) {
    ensureOpen();
    return records.get(key(type, id));
  }

  /**
   * Returns every record (live and tombstones) keyed "type/id", for convergence checks; works
   * after {@link #close()}.
   */
  public synchronized Map<String, Record> snapshot() {
    Map<String, Record> out = new TreeMap<>();
    for (Map.Entry<String, LocalRecord> e : records.entrySet()) {
      out.put(e.getKey(), e.getValue().current());
    }
    return out;
  }

  @Override
  public synchronized List<Record> list(String type, String afterId, int limit) {
    ensureOpen();
    List<Record> out = new ArrayList<>();
    for (LocalRecord r : records.values()) {
      Record c = r.current();
      if (c.type().equals(type) && !c.deleted() && (afterId == null || c.id().compareTo(afterId) > 0)
          && out.size() < limit) {
        out.add(c);
      }
    }
    return out;
  }

  /** Returns this store: it answers the history queries itself, by scanning. */
  @Override
  public HistoryQueries history() {
    return this;
  }

  @Override
  public synchronized List<Record> listByConversation(String type, String conversationId) {
    ensureOpen();
    List<Record> out = new ArrayList<>();
    for (LocalRecord r : records.values()) {
      Record c = r.current();
      if (c.type().equals(type) && !c.deleted()
          && conversationId.equals(c.data().path("conversationId").asText(null))) {
        out.add(c);
      }
    }
    out.sort(Comparator.comparingLong((Record c) -> c.data().path("ts").asLong(0))
        .thenComparing(Record::id));
    return out;
  }

  @Override
  public synchronized List<Record> latestMessages(String conversationId, long beforeTs, int limit) {
    ensureOpen();
    List<Record> all = listByConversation("message", conversationId);
    Collections.reverse(all);
    List<Record> out = new ArrayList<>();
    for (Record r : all) {
      if (r.data().path("ts").asLong(0) < beforeTs && out.size() < limit) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public synchronized List<Record> conversationsByActivity(int limit, int offset) {
    ensureOpen();
    List<Record> all = list("conversation", null, Integer.MAX_VALUE);
    // Activity is the later of the conversation's own update and its newest live message.
    Map<String, Long> activity = new HashMap<>();
    for (Record c : all) {
      activity.put(c.id(), c.data().path("updatedAt").asLong(0));
    }
    for (LocalRecord r : records.values()) {
      Record m = r.current();
      String conversationId = m.deleted() ? null : m.data().path("conversationId").asText(null);
      if (m.type().equals("message") && activity.containsKey(conversationId)) {
        activity.merge(conversationId, m.data().path("ts").asLong(0), Math::max);
      }
    }
    all.sort(Comparator.comparingLong((Record c) -> -activity.get(c.id()))
        .thenComparing(Record::id));
    return all.subList(Math.min(offset, all.size()), Math.min(offset + limit, all.size()));
  }

  @Override
  public synchronized int countByConversation(String type, String conversationId) {
    ensureOpen();
    return listByConversation(type, conversationId).size();
  }

  /**
   * Not supported: there is no full-text index in memory.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public List<SearchHit> search(String query, int limit) {
    throw new UnsupportedOperationException("no search in memory");
  }

  @Override
  public synchronized List<OutboxEntry> duePending(long nowMillis, int limit) {
    ensureOpen();
    List<Row> rows = new ArrayList<>(outbox.values());
    rows.sort(Comparator.comparingLong(r -> r.id));
    List<OutboxEntry> out = new ArrayList<>();
    for (Row r : rows) {
      if (r.status == OutboxEntry.Status.PENDING && r.nextAttemptAt <= nowMillis
          && out.size() < limit) {
        out.add(r.entry());
      }
    }
    return out;
  }

  private long dataVersion;

  /** Stands for another process committing to the same database: moves the data version. */
  public synchronized void simulateExternalWrite() {
    dataVersion++;
  }

  @Override
  public synchronized long dataVersion() {
    ensureOpen();
    return dataVersion;
  }

  @Override
  public synchronized List<OutboxEntry> failedEntries(int limit) {
    ensureOpen();
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    List<Row> rows = new ArrayList<>(outbox.values());
    rows.sort(Comparator.comparingLong(r -> r.id));
    List<OutboxEntry> out = new ArrayList<>();
    for (Row r : rows) {
      if (r.status == OutboxEntry.Status.FAILED && out.size() < limit) {
        out.add(r.entry());
      }
    }
    return out;
  }

  @Override
  public synchronized void markSynced(List<OutboxEntry> entries) {
    ensureOpen();
    for (OutboxEntry e : entries) {
      String k = key(e.type(), e.entityId());
      Row row = outbox.get(k);
      if (row != null && row.hlc.equals(e.hlc())) {
        outbox.remove(k);
        LocalRecord lr = records.get(k);
        if (lr != null) {
          records.put(k, new LocalRecord(lr.current(), lr.current()));
        }
      }
    }
  }

  @Override
  public synchronized void markFailed(OutboxEntry entry, String error, long nextAttemptAt,
      boolean terminal) {
    ensureOpen();
    Row row = outbox.get(key(entry.type(), entry.entityId()));
    if (row == null) {
      return;
    }
    if (!row.hlc.equals(entry.hlc())) {
      // Coalesced with a newer change since it was read: that version gets its own attempt.
      row.error = error;
      row.updatedAt = clock.millis();
      return;
    }
    row.retryCount++;
    row.error = error;
    row.nextAttemptAt = nextAttemptAt;
    row.updatedAt = clock.millis();
    if (terminal) {
      row.status = OutboxEntry.Status.FAILED;
    }
  }

  @Override
  public synchronized int retryFailed(long nowMillis) {
    ensureOpen();
    int n = 0;
    for (Row r : outbox.values()) {
      if (r.status == OutboxEntry.Status.FAILED) {
        r.status = OutboxEntry.Status.PENDING;
        r.retryCount = 0;
        r.nextAttemptAt = nowMillis;
        r.updatedAt = nowMillis;
        n++;
      }
    }
    return n;
  }

  @Override
  public synchronized int countOutbox(OutboxEntry.Status status) {
    ensureOpen();
    int n = 0;
    for (Row r : outbox.values()) {
      if (r.status == status) {
        n++;
      }
    }
    return n;
  }

  /** Returns a copy of every outbox row; works after {@link #close()}, for inspection. */
  public synchronized List<OutboxEntry> outbox() {
    List<OutboxEntry> out = new ArrayList<>();
    for (Row r : outbox.values()) {
      out.add(r.entry());
    }
    return out;
  }

  @Override
  public synchronized List<Conflict> conflicts(int limit) {
    ensureOpen();
    List<Conflict> out = new ArrayList<>(conflicts);
    Collections.reverse(out);
    return out.subList(0, Math.min(limit, out.size()));
  }

  @Override
  public synchronized String state(String k) {
    ensureOpen();
    return state.get(k);
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private void ensureOpen() {
    if (closed) {
      throw new ClosedException("store");
    }
  }
}
