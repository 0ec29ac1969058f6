package dev.tandem.sync.sqlite.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Clock;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.protocol.Op;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.StoreTransaction;
import java.sql.SQLException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The operations of one write transaction on the writer; valid only inside its callback. Writes
 * a record into its table, keeps the message index and activity, and queues the outbox entry.
 */
public final class StoreTx implements StoreTransaction {
  private final Pool pool;
  private final RecordTables tables;
  private final MessageIndex index;
  private final Outbox outbox;
  private final Clock clock;
  private boolean open = true;
  /** The message whose previous state {@link #known} holds (null: none); see {@link #get}. */
  private @Nullable String knownId;
  private MessageIndex.@Nullable OldMessage known;
  /**
   * Whether {@code sync_queue} may hold an unsynced entry; null until checked. On a device that
   * only receives, the outbox is empty and {@link #applyRemote} need not delete from it.
   */
  private @Nullable Boolean unsyncedMayExist;
  /** The search index's watermark ({@link MessageIndex}); null until read. */
  private @Nullable Long watermark;

  public StoreTx(Pool pool, RecordTables tables, MessageIndex index, Outbox outbox, Clock clock) {
    this.pool = pool;
    this.tables = tables;
    this.index = index;
    this.outbox = outbox;
    this.clock = clock;
  }

  /** Ends this transaction's validity. */
  public void end() {
    open = false;
  }

  /** Forgets what the transaction cached about the tables (arbitrary SQL may change any row). */
  public void forget() {
    forgetKnown();
    unsyncedMayExist = null;
    watermark = null;
  }

  private long watermark(Conn c) throws SQLException {
    if (watermark == null) {
      long wm = index.watermark(c);
      if (wm < 0) {
        // Migrated after the store opened (tandem db migrate): set it up now.
        index.open(c);
        wm = index.watermark(c);
      }
      watermark = wm;
    }
    return watermark;
  }

  /** Indexes every message waiting for the search index (before a query reads it, or at close). */
  public void catchUpNow() {
    try {
      Conn c = writer();
      long wm = watermark(c);
      if (wm >= 0) {
        watermark = index.catchUp(c, wm);
      }
    } catch (SQLException e) {
      throw pool.failure("update the search index", e);
    }
  }

  /** Sets up the search index's watermark when the store opens (see {@link MessageIndex}). */
  public void openIndex() {
    try {
      index.open(writer());
    } catch (SQLException e) {
      throw pool.failure("update the search index", e);
    }
  }

  private void forgetKnown() {
    knownId = null;
    known = null;
  }

  private Conn writer() {
    if (!open) {
      throw new IllegalStateException("transaction is over: use it only inside its callback");
    }
    pool.ensureOpen();
    return pool.writer();
  }

  private boolean unsyncedMayExist(Conn c) throws SQLException {
    if (unsyncedMayExist == null) {
      unsyncedMayExist = outbox.anyUnsynced(c);
    }
    return unsyncedMayExist;
  }

  @Override
  public @Nullable LocalRecord get(String type, String id) {
    Conn c = writer();
    String table = tables.tableFor(type);
    Ids.requireId(id);
    try {
      if (table.equals("messages")) {
        // Remember the row's state for the upsert that usually follows.
        forgetKnown();
        MessageIndex.Read read = index.get(c, id);
        knownId = id;
        known = read == null ? null : read.old;
        return read == null ? null : read.record;
      }
      return tables.get(c, table, type, id);
    } catch (SQLException e) {
      throw pool.failure("get " + type + "/" + id, e);
    }
  }

  @Override
  public void writeLocal(Record record) {
    writeLocal(record, null);
  }

  @Override
  public void writeLocal(Record record, @Nullable ObjectNode parsed) {
    Conn c = writer();
    Objects.requireNonNull(record, "record");
    String table = tables.tableFor(record.type());
    ObjectNode data = tables.checkAndParse(record, parsed);
    unsyncedMayExist = Boolean.TRUE;
    try {
      write(c, record, table, data, false);
      outbox.enqueue(c, record.type(), record.id(), Op.of(record.deleted()).wireName(),
          record.hlc().toString(), clock.millis());
    } catch (SQLException e) {
      throw pool.failure("write " + record.type() + "/" + record.id(), e);
    }
  }

  @Override
  public void applyRemote(Record record) {
    Conn c = writer();
    Objects.requireNonNull(record, "record");
    String table = tables.tableFor(record.type());
    ObjectNode data = tables.checkAndParse(record, null);
    try {
      write(c, record, table, data, true);
      if (unsyncedMayExist(c)) {
        outbox.dropUnsynced(c, record.type(), record.id());
      }
    } catch (SQLException e) {
      throw pool.failure("apply " + record.type() + "/" + record.id(), e);
    }
  }

  private void write(Conn c, Record r, String table, @Nullable ObjectNode data, boolean remote)
      throws SQLException {
    String conversationId = RecordTables.text(data, "conversationId");
    long ts = RecordTables.tsOf(r.type(), data);
    boolean message = table.equals("messages");
    MessageIndex.OldMessage old = null;
    long wm = 0;
    if (message) {
      // The engine usually read this row a moment ago in the same transaction: no second select.
      old = r.id().equals(knownId) ? known : index.old(c, r.id());
      forgetKnown();
      // Read before the upsert: a watermark set up now must not cover the row about to be new.
      wm = watermark(c);
    }
    long newest = RecordTypes.CONVERSATION.equals(r.type()) && !r.deleted()
        ? index.newestMessage(c, r.id()) : 0;
    tables.upsert(c, r, data, table, conversationId, ts, remote, newest);
    if (message) {
      if (index.afterWrite(c, r, data, conversationId, ts, old, wm) && wm >= 0) {
        // A batch is full: index it now, while its text is still remembered.
        watermark = index.catchUp(c, wm);
      }
    }
  }

  @Override
  public void setBase(Record base) {
    Conn c = writer();
    Objects.requireNonNull(base, "base");
    try {
      tables.setBase(c, base);
    } catch (SQLException e) {
      throw pool.failure("set base of " + base.type() + "/" + base.id(), e);
    }
  }

  @Override
  public boolean hasUnsyncedChanges(String type, String id) {
    Conn c = writer();
    try {
      return outbox.hasUnsynced(c, type, id);
    } catch (SQLException e) {
      throw pool.failure("read the outbox", e);
    }
  }

  @Override
  public void recordConflict(Conflict conflict) {
    Conn c = writer();
    Objects.requireNonNull(conflict, "conflict");
    long decided = conflict.decidedAt() != 0 ? conflict.decidedAt() : clock.millis();
    try {
      c.update("INSERT INTO conflicts (type, entity_id, path, local_value, remote_value,"
              + " resolution, local_hlc, remote_hlc, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          conflict.type(), conflict.id(), conflict.path(), conflict.localValue(),
          conflict.remoteValue(), conflict.resolution(),
          conflict.localHlc() == null ? null : conflict.localHlc().toString(),
          conflict.remoteHlc() == null ? null : conflict.remoteHlc().toString(), decided);
    } catch (SQLException e) {
      throw pool.failure("record a conflict", e);
    }
  }

  @Override
  public @Nullable String state(String key) {
    Conn c = writer();
    Objects.requireNonNull(key, "key");
    try {
      return c.queryFirst("SELECT value FROM sync_state WHERE key = ?", rs -> rs.getString(1), key);
    } catch (SQLException e) {
      throw pool.failure("read state", e);
    }
  }

  @Override
  public void putState(String key, @Nullable String value) {
    Conn c = writer();
    Objects.requireNonNull(key, "key");
    try {
      if (value == null) {
        c.update("DELETE FROM sync_state WHERE key = ?", key);
      } else {
        c.update("INSERT INTO sync_state (key, value) VALUES (?, ?)"
            + " ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
      }
    } catch (SQLException e) {
      throw pool.failure("write state", e);
    }
  }
}
