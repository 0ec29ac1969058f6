package dev.tandem.sync.internal;

import dev.tandem.sync.Clock;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncException;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.protocol.Op;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.protocol.Resolution;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.OutboxEntry;
import dev.tandem.sync.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the outbox: sends due entries in batches (larger ones while a backlog waits), isolates
 * a poisonous entry by halving a refused batch, backs off on server trouble and parks an entry as
 * failed after {@link Backoff#MAX_TRIES}. Network failures count against no entry. It also keeps
 * the memory of pushes that got no answer ({@link UnansweredPushes}) and asks the server about
 * them again. Runs only inside a cycle, under the engine's cycle lock.
 */
final class Pusher {
  /** The engine's logger name, as before the split, so a host's log settings still apply. */
  private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
  /**
   * Past {@link EngineSettings#batchSize} entries, a backlog request takes no more records once
   * their JSON reaches this many characters: far below the server's body limit (16 MiB by
   * default).
   */
  static final long BACKLOG_BATCH_CHARS = 4L * 1024 * 1024;

  private final LocalStore store;
  private final Transport transport;
  private final HlcClock hlc;
  private final Clock clock;
  private final EngineSettings settings;
  private final Backoff backoff;
  private final UnansweredPushes unanswered;
  private final PrivacyFilter privacy;
  private final Puller puller;
  private final ListenerRegistry listeners;
  private final BooleanSupplier closed;

  Pusher(LocalStore store, Transport transport, HlcClock hlc, Clock clock,
      EngineSettings settings, Backoff backoff, UnansweredPushes unanswered,
      PrivacyFilter privacy, Puller puller, ListenerRegistry listeners, BooleanSupplier closed) {
    this.store = store;
    this.transport = transport;
    this.hlc = hlc;
    this.clock = clock;
    this.settings = settings;
    this.backoff = backoff;
    this.unanswered = unanswered;
    this.privacy = privacy;
    this.puller = puller;
    this.listeners = listeners;
    this.closed = closed;
  }

  void pushAll(Cycle cycle) {
    int pendingCount = store.countOutbox(OutboxEntry.Status.PENDING);
    int maxBatches = pendingCount / settings.batchSize + 2;
    // A backlog goes in fewer, larger requests: each request costs a round trip, a server
    // transaction and a local one to mark it synced, whatever its size.
    int batchSize = Math.max(settings.batchSize,
        Math.min(settings.backlogBatchSize, pendingCount));
    for (int i = 0; i < maxBatches && !closed.getAsBoolean(); i++) {
      List<OutboxEntry> due = store.duePending(clock.millis(), batchSize);
      due.removeAll(cycle.lostOnServer.values());
      if (restampForeign(due)) {
        due = store.duePending(clock.millis(), batchSize);
        due.removeAll(cycle.lostOnServer.values());
      }
      if (due.isEmpty()) {
        return;
      }
      List<OutboxEntry> toSend = new ArrayList<>(due.size());
      List<Change> changes = new ArrayList<>(due.size());
      List<OutboxEntry> filtered = new ArrayList<>();
      List<OutboxEntry> orphans = new ArrayList<>();
      long batchChars = 0;
      for (OutboxEntry e : due) {
        if (toSend.size() >= settings.batchSize && batchChars >= BACKLOG_BATCH_CHARS) {
          // Large records: the rest wait for the next request, as they would have at batchSize.
          break;
        }
        LocalRecord lr = store.get(e.type(), e.entityId());
        if (lr == null) {
          orphans.add(e);
          continue;
        }
        Record rec = lr.current();
        if (!privacy.shouldLeaveDevice(lr, cycle.localOnly)) {
          filtered.add(e);
          continue;
        }
        String json = rec.deleted() ? null : settings.redactor.redact(rec.type(), rec.id(),
            rec.json());
        Hlc base = lr.base() == null ? null : lr.base().hlc();
        changes.add(new Change(rec.type(), rec.id(), Op.of(rec.deleted()).wireName(),
            rec.hlc().toString(), base == null ? null : base.toString(), json, 0, null)
            .withIfBase(settings.resolverFor(rec.type()).mergesFromBase()));
        toSend.add(e);
        batchChars += json == null ? 0 : json.length();
      }
      // Entries that must not leave the device are settled locally: nothing to send, ever.
      if (!filtered.isEmpty()) {
        store.markSynced(filtered);
      }
      for (OutboxEntry e : orphans) {
        store.markFailed(e, "record not found in the local store", Long.MAX_VALUE, true);
        cycle.failed++;
      }
      if (!toSend.isEmpty()) {
        sendBatch(cycle, toSend, changes);
        listeners.handOff(cycle);
      }
    }
  }

  /**
   * Conditional changes the server refused because they were not made from the version it holds
   * (sent with the refusal): each is resolved against that version now, as a pull would, and
   * stays pending with it as base, so the next batch of this cycle pushes the result.
   */
  private void mergeRefused(Cycle cycle, Collection<Change> currents) {
    List<Record> applied = new ArrayList<>();
    List<Conflict> conflicts = new ArrayList<>();
    store.inTransaction(tx -> {
      for (Change current : currents) {
        if (!hlc.deviceId().equals(current.deviceId())) {
          puller.applyChange(tx, current, applied, conflicts);
          continue;
        }
        // Our own version, stored by a push whose answer was lost: the base we lacked.
        if (current.validate(Long.MAX_VALUE) != null) {
          continue;
        }
        String key = Protocol.recordKey(current.type(), current.id());
        Record ours = unanswered.version(key, current.hlc());
        LocalRecord lr = tx.get(current.type(), current.id());
        if (lr != null) {
          tx.setBase(ours != null ? ours : current.toRecord());
        }
      }
      return null;
    });
    cycle.pulled += applied.size();
    cycle.conflicts.addAll(conflicts);
    for (Conflict c : conflicts) {
      listeners.event(cycle, l -> l.onConflict(c));
    }
    for (Record r : applied) {
      listeners.event(cycle, l -> l.onRemoteChange(r));
    }
  }

  /**
   * Asks the server about unanswered conditional pushes by sending each again exactly as it was:
   * a batch id the server has seen gets its first answer, so every version it stored then becomes
   * the base of its record (the device's later edit merges from it, not from an older base). A
   * batch the server never saw is applied now, which is safe because every change in it is
   * conditional: stored only if nobody changed the record since. Refusals are left to the pull,
   * which brings the records as they are now (a replayed answer's versions may be old).
   */
  void settleInDoubt() {
    for (UnansweredPushes.InDoubt d : unanswered.askable()) {
      PushResponse response;
      try {
        response = transport.push(d.request);
      } catch (TransportException e) {
        if (e.isRetryable()) {
          return; // still no answer: ask again next cycle
        }
        unanswered.forget(d);
        continue;
      }
      Set<String> notStored = new HashSet<>();
      for (PushResponse.EntryError err : response.errors()) {
        notStored.add(Protocol.recordKey(err.type(), err.id()));
      }
      for (PushResponse.Conflict c : response.conflicts()) {
        if (Resolution.REMOTE_WINS.is(c.resolution())) {
          notStored.add(Protocol.recordKey(c.type(), c.id()));
        }
      }
      store.inTransaction(tx -> {
        for (Map.Entry<String, Record> e : d.versions.entrySet()) {
          Record pushed = e.getValue();
          if (notStored.contains(e.getKey())) {
            continue;
          }
          LocalRecord lr = tx.get(pushed.type(), pushed.id());
          if (lr == null || !tx.hasUnsyncedChanges(pushed.type(), pushed.id())
              || lr.current().equals(pushed)) {
            continue; // settled since, or unchanged: the push below settles it
          }
          if (lr.base() == null || pushed.hlc().isAfter(lr.base().hlc())) {
            tx.setBase(pushed);
          }
        }
        return null;
      });
      unanswered.forget(d);
    }
  }

  private void sendBatch(Cycle cycle, List<OutboxEntry> entries, List<Change> changes) {
    PushResponse response;
    PushRequest request = new PushRequest(batchId(entries, changes), hlc.deviceId(), changes);
    try {
      response = transport.push(request);
    } catch (TransportException e) {
      SyncException.Reason r = e.reason();
      if (e.isRetryable()) {
        unanswered.unanswered(changes);
      }
      if (e.isRetryable() && r == SyncException.Reason.NETWORK) {
        // No answer at all (an error status is an answer: the batch was not applied).
        Map<String, Record> versions = new HashMap<>();
        long chars = 0;
        for (Change c : changes) {
          LocalRecord lr = store.get(c.type(), c.id());
          if (lr != null && lr.current().hlc().toString().equals(c.hlc())) {
            long size = lr.current().deleted() ? 0 : lr.current().json().length();
            if (chars + size > UnansweredPushes.MAX_IN_DOUBT_CHARS) {
              break; // a huge batch: remember what fits, the rest merges as before
            }
            chars += size;
            versions.put(Protocol.recordKey(c.type(), c.id()), lr.current());
          }
        }
        unanswered.remember(request, versions, chars);
        throw e;
      }
      if (e.isRetryable() || r == SyncException.Reason.UNAUTHORIZED
          || r == SyncException.Reason.FORBIDDEN) {
        // Server trouble or a credential problem: every entry waits; auth errors stop the cycle.
        if (r != SyncException.Reason.UNAUTHORIZED && r != SyncException.Reason.FORBIDDEN) {
          for (OutboxEntry entry : entries) {
            failWithBackoff(cycle, entry, e.getMessage(), e.retryAfterMillis());
          }
        }
        throw e;
      }
      // The server refused the batch as a whole: isolate the poisonous entries by halving.
      if (entries.size() > 1) {
        int mid = entries.size() / 2;
        sendBatch(cycle, entries.subList(0, mid), changes.subList(0, mid));
        sendBatch(cycle, entries.subList(mid, entries.size()),
            changes.subList(mid, changes.size()));
      } else {
        store.markFailed(entries.get(0), describe(e), clock.millis(), true);
        cycle.failed++;
      }
      return;
    }
    Map<String, PushResponse.EntryError> errors = new HashMap<>();
    for (PushResponse.EntryError err : response.errors()) {
      errors.put(Protocol.recordKey(err.type(), err.id()), err);
    }
    Set<String> lost = new HashSet<>();
    Map<String, Change> refused = new LinkedHashMap<>();
    List<Conflict> serverConflicts = new ArrayList<>();
    for (PushResponse.Conflict c : response.conflicts()) {
      String key = Protocol.recordKey(c.type(), c.id());
      if (Resolution.REMOTE_WINS.is(c.resolution()) && c.current() != null) {
        refused.put(key, c.current());
      } else if (Resolution.REMOTE_WINS.is(c.resolution())) {
        lost.add(key);
      } else {
        serverConflicts.add(new Conflict(c.type(), c.id(), "", null, null, c.resolution(),
            null, parseHlcOrNull(c.winnerHlc()), clock.millis()));
      }
    }
    List<OutboxEntry> synced = new ArrayList<>(entries.size());
    List<OutboxEntry> skewed = new ArrayList<>();
    for (OutboxEntry e : entries) {
      String key = Protocol.recordKey(e.type(), e.entityId());
      PushResponse.EntryError err = errors.get(key);
      if (err != null) {
        String message = err.code() + ": " + err.message();
        ErrorCode code = err.errorCode();
        if (code == ErrorCode.CLOCK_SKEW && cycle.restamped.add(key)) {
          skewed.add(e);
        } else if (code != null && code.isPermanent()) {
          store.markFailed(e, message, clock.millis(), true);
          cycle.failed++;
        } else {
          failWithBackoff(cycle, e, message, -1);
        }
      } else if (refused.containsKey(key)) {
        continue; // merged below with the version the server holds; still pending
      } else if (lost.contains(key)) {
        // The server kept a newer version we have not pulled yet: keep ours pending so that the
        // next pull hands both to the resolver.
        cycle.lostOnServer.put(key, e);
      } else {
        synced.add(e);
      }
    }
    store.markSynced(synced);
    cycle.pushed += synced.size();
    for (OutboxEntry e : synced) {
      unanswered.answered(Protocol.recordKey(e.type(), e.entityId()));
    }
    Hlc newestAccepted = null;
    for (OutboxEntry e : synced) {
      if (newestAccepted == null || e.hlc().isAfter(newestAccepted)) {
        newestAccepted = e.hlc();
      }
    }
    if (newestAccepted != null) {
      // What the server accepted is a floor the clock must never come back below.
      hlc.receive(newestAccepted);
    }
    if (!skewed.isEmpty()) {
      restamp(skewed);
    }
    if (!refused.isEmpty()) {
      mergeRefused(cycle, refused.values());
    }
    if (!serverConflicts.isEmpty()) {
      store.inTransaction(tx -> {
        for (Conflict c : serverConflicts) {
          tx.recordConflict(c);
        }
        return null;
      });
      cycle.conflicts.addAll(serverConflicts);
      for (Conflict c : serverConflicts) {
        listeners.event(cycle, l -> l.onConflict(c));
      }
    }
  }

  /**
   * Entries the server refused as {@code clock_skew}: this device's clock is too far ahead of the
   * server's. The clock has learned the server's time from this cycle's pull, so each record is
   * stamped again (after its base, so it still supersedes the version it edited) and stays
   * pending; the same push loop sends it again. A second refusal in one cycle backs off.
   */
  private void restamp(List<OutboxEntry> entries) {
    log.warn("{} changes refused: this device's clock is ahead of the server's by more than the"
        + " bound (offset learned: {} ms); stamping them again", entries.size(),
        hlc.offsetMillis());
    restampAll(entries);
  }

  /** Gives each entry's record a fresh clock after its base, unless it changed meanwhile. */
  private void restampAll(List<OutboxEntry> entries) {
    store.inTransaction(tx -> {
      for (OutboxEntry e : entries) {
        LocalRecord lr = tx.get(e.type(), e.entityId());
        if (lr == null || !lr.current().hlc().equals(e.hlc())) {
          continue; // Changed since it was read: the newer version is pending anyway.
        }
        if (lr.base() != null) {
          hlc.receive(lr.base().hlc());
        }
        tx.writeLocal(lr.current().withHlc(hlc.now()));
      }
      return null;
    });
  }

  /**
   * Pending entries are local writes, but a database written before the host set this device id
   * (or by a tool that opened it without one) holds clocks naming another device, which the
   * server refuses ({@code invalid_hlc}). This device is their author now: they are stamped
   * again under its id. Returns true if any was.
   */
  private boolean restampForeign(List<OutboxEntry> due) {
    List<OutboxEntry> foreign = new ArrayList<>();
    for (OutboxEntry e : due) {
      if (e.hlc() != null && !hlc.deviceId().equals(e.hlc().deviceId())) {
        foreign.add(e);
      }
    }
    if (foreign.isEmpty()) {
      return false;
    }
    log.info("{} local changes carry the clock of device {}; stamping them as {}",
        foreign.size(), foreign.get(0).hlc().deviceId(), hlc.deviceId());
    restampAll(foreign);
    return true;
  }

  private void failWithBackoff(Cycle cycle, OutboxEntry e, String message, long retryAfter) {
    int tries = e.retryCount() + 1;
    boolean terminal = tries >= Backoff.MAX_TRIES;
    // A server that says when to come back is obeyed, but never sooner than our own backoff.
    long delay = Math.max(backoff.delayMillis(tries), retryAfter);
    store.markFailed(e, message, clock.millis() + delay, terminal);
    if (terminal) {
      cycle.failed++;
    }
  }

  /** Entries the server kept pending against a newer version that no pull resolved. */
  void settleLost(Cycle cycle) {
    if (cycle.lostOnServer.isEmpty()) {
      return;
    }
    List<OutboxEntry> unresolved = new ArrayList<>();
    for (OutboxEntry e : cycle.lostOnServer.values()) {
      LocalRecord lr = store.get(e.type(), e.entityId());
      if (lr != null && lr.current().hlc().equals(e.hlc())) {
        unresolved.add(e);
      }
    }
    // The server's decision stands for versions it already ranked as older.
    store.markSynced(unresolved);
  }

  private static String batchId(List<OutboxEntry> entries, List<Change> changes) {
    // Deterministic: a batch re-sent after a lost response carries the same idempotency key.
    // The entries' update times change when an attempt fails or is retried by hand, so a retry
    // after a refusal is a new batch rather than a replay of the server's stored refusal.
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < changes.size(); i++) {
      Change c = changes.get(i);
      sb.append(c.type()).append('/').append(c.id()).append('@').append(c.hlc()).append('#')
          .append(entries.get(i).updatedAt()).append('\n');
    }
    return UUID.nameUUIDFromBytes(sb.toString().getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static Hlc parseHlcOrNull(String s) {
    try {
      return s == null ? null : Hlc.parse(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String describe(TransportException e) {
    return e.errorCode() == null ? e.getMessage() : e.errorCode() + ": " + e.getMessage();
  }
}
