package dev.tandem.sync.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Random sequences of writes, deletes and syncs on a few ids: the store's current state is the
 * last write per id, and each id changed since its last sync has exactly one unsynced outbox entry
 * describing that last write.
 */
class CoalescingProperties {
  private Path dir;
  private HybridStorageBackend store;
  private int tick;

  /** One step: a write (json != null), a delete (json == null) or, with id null, a sync. */
  static final class Op {
    final String id;
    final String json;
    final boolean delete;

    Op(String id, String json, boolean delete) {
      this.id = id;
      this.json = json;
      this.delete = delete;
    }

    @Override
    public String toString() {
      return id == null ? "sync" : delete ? "delete " + id : "put " + id + " " + json;
    }
  }

  @BeforeProperty
  void open() throws IOException {
    dir = Files.createTempDirectory("coalesce");
    store = HybridStorageBackend.open(TestStores.config(dir.resolve("p.db"),
        new ManualClock(TestStores.START), "item"));
  }

  @AfterProperty
  void close() throws IOException {
    store.close();
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<String> ids = Arbitraries.of("a", "b", "c", "d");
    Arbitrary<Op> put = Combinators.combine(ids, Arbitraries.integers().between(0, 1000))
        .as((id, v) -> new Op(id, "{\"v\":" + v + "}", false));
    Arbitrary<Op> del = ids.map(id -> new Op(id, null, true));
    Arbitrary<Op> sync = Arbitraries.just(new Op(null, null, false));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, put), net.jqwik.api.Tuple.of(2, del),
        net.jqwik.api.Tuple.of(1, sync)).list().ofMaxSize(40);
  }

  @Property(tries = 60)
  void coalescing_keepsLatestStateAndOneEntryPerChangedId(
      @ForAll("ops") List<Op> ops, @ForAll boolean oneTransaction) {
    String type = "item";
    store.execute("DELETE FROM records");
    store.execute("DELETE FROM sync_queue");
    Map<String, Record> last = new HashMap<>();
    Set<String> changed = new HashSet<>();
    java.util.List<Op> batch = new java.util.ArrayList<>();
    for (Op op : ops) {
      if (op.id == null) {
        flush(batch, type, last, changed, oneTransaction);
        store.markSynced(store.duePending(Long.MAX_VALUE, 1000));
        changed.clear();
      } else {
        batch.add(op);
        if (!oneTransaction) {
          flush(batch, type, last, changed, false);
        }
      }
    }
    flush(batch, type, last, changed, oneTransaction);

    for (String id : new String[] {"a", "b", "c", "d"}) {
      LocalRecord lr = store.get(type, id);
      Record expected = last.get(id);
      if (expected == null) {
        assertNull(lr, id);
      } else {
        assertEquals(expected, lr.current(), id);
      }
    }
    List<OutboxEntry> due = store.duePending(Long.MAX_VALUE, 1000);
    Map<String, OutboxEntry> byId = new HashMap<>();
    for (OutboxEntry e : due) {
      assertNull(byId.put(e.entityId(), e), "two unsynced entries for " + e.entityId());
    }
    assertEquals(changed, byId.keySet());
    for (String id : changed) {
      Record r = last.get(id);
      assertEquals(r.hlc(), byId.get(id).hlc(), id);
      assertEquals(r.deleted() ? "delete" : "upsert", byId.get(id).action(), id);
    }
  }

  private void flush(List<Op> batch, String type, Map<String, Record> last, Set<String> changed,
      boolean oneTransaction) {
    if (batch.isEmpty()) {
      return;
    }
    store.inTransaction(tx -> {
      for (Op op : batch) {
        Hlc h = Hlc.of(1_700_000_000_000L + (++tick), 0, "dev-p");
        Record r = op.delete ? Record.tombstone(type, op.id, h) : Record.of(type, op.id, h, op.json);
        tx.writeLocal(r);
        last.put(op.id, r);
        changed.add(op.id);
      }
      return null;
    });
    batch.clear();
  }
}
