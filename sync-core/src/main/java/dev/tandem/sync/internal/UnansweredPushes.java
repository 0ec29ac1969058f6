package dev.tandem.sync.internal;

import dev.tandem.sync.Record;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.protocol.PushRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this device pushed without hearing back: the server may have stored it. The pusher
 * records it, and three rooms consult it: the privacy filter (a record whose push went
 * unanswered may be on the server, so its delete must go out), the puller (a remote version
 * built on one of these versions names the true common ancestor) and the pusher itself (asking
 * the server again settles the doubt). Kept for the engine's lifetime; a restart forgets it.
 */
final class UnansweredPushes {
  private static final int MAX_IN_DOUBT = 16;
  /** What the remembered versions may hold in JSON characters, all together. */
  static final long MAX_IN_DOUBT_CHARS = 4L << 20;

  /**
   * Records (by {@link Protocol#recordKey}) of pushes that failed without a clear answer
   * (network error, 5xx).
   */
  private final Set<String> unanswered = ConcurrentHashMap.newKeySet();
  /**
   * Push requests that ended without any answer, with the versions they carried, oldest first.
   * The server does not send a device its own changes back; so a later edit of the same record
   * would be merged against a base older than what the server holds, and the device's own earlier
   * edit would look like a conflicting one. Bounded.
   */
  private final ArrayDeque<InDoubt> inDoubt = new ArrayDeque<>();
  private long inDoubtChars;

  /** The changes of a push that got no clear answer. */
  void unanswered(List<Change> changes) {
    for (Change c : changes) {
      unanswered.add(Protocol.recordKey(c.type(), c.id()));
    }
  }

  /** The server has answered for this record: its base now says the server has it. */
  void answered(String recordKey) {
    unanswered.remove(recordKey);
  }

  /** Whether a push of this record went without a clear answer. */
  boolean mayBeOnServer(String recordKey) {
    return unanswered.contains(recordKey);
  }

  /**
   * Remembers a push request that got no answer at all, with the unredacted versions it carried;
   * the oldest are forgotten past the bounds.
   */
  void remember(PushRequest request, Map<String, Record> versions, long chars) {
    synchronized (inDoubt) {
      inDoubt.addLast(new InDoubt(request, versions, chars));
      inDoubtChars += chars;
      while (inDoubt.size() > MAX_IN_DOUBT || inDoubtChars > MAX_IN_DOUBT_CHARS) {
        inDoubtChars -= inDoubt.removeFirst().chars;
      }
    }
  }

  /** The remembered requests whose every change is conditional, oldest first. */
  List<InDoubt> askable() {
    List<InDoubt> ask = new ArrayList<>();
    synchronized (inDoubt) {
      for (InDoubt d : inDoubt) {
        if (d.askable) {
          ask.add(d);
        }
      }
    }
    return ask;
  }

  void forget(InDoubt d) {
    synchronized (inDoubt) {
      if (inDoubt.remove(d)) {
        inDoubtChars -= d.chars;
      }
    }
  }

  /**
   * The version of the record with clock {@code hlcText} that this device pushed without hearing
   * back, or null. A remote version whose base it is proves the server stored it.
   */
  Record version(String recordKey, String hlcText) {
    synchronized (inDoubt) {
      for (InDoubt d : inDoubt) {
        Record r = d.versions.get(recordKey);
        if (r != null && r.hlc().toString().equals(hlcText)) {
          return r;
        }
      }
    }
    return null;
  }

  /** The unredacted versions an unanswered push carried, by record key. */
  static final class InDoubt {
    final PushRequest request;
    final Map<String, Record> versions;
    final long chars;
    /** Every change conditional: sending it again can store nothing made without the latest. */
    final boolean askable;

    InDoubt(PushRequest request, Map<String, Record> versions, long chars) {
      this.request = request;
      this.versions = versions;
      this.chars = chars;
      boolean all = true;
      for (Change c : request.changes()) {
        all &= c.ifBase();
      }
      this.askable = all;
    }
  }
}
