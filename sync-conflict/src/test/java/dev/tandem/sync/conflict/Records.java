package dev.tandem.sync.conflict;

import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.ConflictResolver.Resolution;

/** Test helpers for records. */
final class Records {
  static final Hlc BASE = Hlc.of(1_000, 0, "server");
  static final Hlc EARLY = Hlc.of(2_000, 0, "phone");
  static final Hlc LATE = Hlc.of(3_000, 0, "laptop");

  private Records() {}

  static Record rec(Hlc hlc, String json) {
    return Record.of("note", "n-1", hlc, json.replace('\'', '"'));
  }

  static Record tomb(Hlc hlc) {
    return Record.tombstone("note", "n-1", hlc);
  }

  /** Returns the data the record ends up with, as the engine would store it. */
  static String outcome(Resolution r, Record local, Record remote) {
    switch (r.outcome()) {
      case LOCAL:
        return local.deleted() ? "<deleted>" : local.json();
      case REMOTE:
        return remote.deleted() ? "<deleted>" : remote.json();
      default:
        return r.deleted() ? "<deleted>" : r.json();
    }
  }
}
