package dev.tandem.sync.internal;

import dev.tandem.sync.Clock;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ChangeError;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.LocalStore;
import dev.tandem.sync.spi.StoreTransaction;
import dev.tandem.sync.spi.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings remote changes in: pulls page by page from the cursor and applies each page, with its
 * cursor, in one store transaction, handing a pending local edit and the remote version it meets
 * to the resolver. The pusher uses {@link #applyChange} too, for versions the server sends back
 * with a refusal. Runs only inside a cycle, under the engine's cycle lock.
 */
final class Puller {
  /** The engine's logger name, as before the split, so a host's log settings still apply. */
  private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);

  private final LocalStore store;
  private final Transport transport;
  private final HlcClock hlc;
  private final Clock clock;
  private final EngineSettings settings;
  private final UnansweredPushes unanswered;
  private final ListenerRegistry listeners;
  private final BooleanSupplier closed;

  Puller(LocalStore store, Transport transport, HlcClock hlc, Clock clock,
      EngineSettings settings, UnansweredPushes unanswered, ListenerRegistry listeners,
      BooleanSupplier closed) {
    this.store = store;
    this.transport = transport;
    this.hlc = hlc;
    this.clock = clock;
    this.settings = settings;
    this.unanswered = unanswered;
    this.listeners = listeners;
    this.closed = closed;
  }

  /** Pulls until the server has nothing more; each page's events go to listeners once applied. */
  void pullAll(Cycle cycle) {
    String cursor = store.state(SyncEngine.CURSOR_KEY);
    boolean resetOnce = false;
    for (int page = 0; page < 1_000_000 && !closed.getAsBoolean(); page++) {
      PullResponse response;
      long sentAt = clock.millis();
      try {
        response = transport.pull(cursor, settings.pullPageSize);
        // Before applying the page, so that its clocks are bounded by the corrected wall clock.
        hlc.observeServerTime(response.serverTimestamp(), sentAt, clock.millis());
      } catch (TransportException e) {
        if (!ErrorCode.BAD_CURSOR.is(e.errorCode()) || resetOnce) {
          throw e;
        }
        // The server does not know our cursor (it was reset or restored from a backup): pull
        // everything again. Records we already have are recognised by their clocks.
        log.warn("server refused cursor {}; pulling from the beginning", cursor);
        resetOnce = true;
        cursor = null;
        page--;
        continue;
      }
      List<Record> applied = new ArrayList<>();
      List<Conflict> conflicts = new ArrayList<>();
      String next = response.cursor();
      store.inTransaction(tx -> {
        for (Change change : response.changes()) {
          applyChange(tx, change, applied, conflicts);
        }
        if (next != null) {
          tx.putState(SyncEngine.CURSOR_KEY, next);
        }
        return null;
      });
      cycle.pulled += applied.size();
      for (Record r : applied) {
        cycle.remoteTypes.add(r.type());
      }
      cycle.conflicts.addAll(conflicts);
      for (Conflict c : conflicts) {
        listeners.event(cycle, l -> l.onConflict(c));
      }
      for (Record r : applied) {
        listeners.event(cycle, l -> l.onRemoteChange(r));
      }
      // The page is committed: its events need not wait for the rest of the pull.
      listeners.handOff(cycle);
      if (next != null) {
        cursor = next;
      }
      if (!response.hasMore() || response.changes().isEmpty()) {
        return;
      }
    }
  }

  /**
   * A settled tombstone met by an older remote version: the server ranks by clock and keeps one
   * version per record, so it would never hand out an older one had it taken this tombstone. So
   * the delete was withheld (the record seemed never to have reached the server).
   */
  private static boolean deletedOnlyHere(LocalRecord lr) {
    return lr.current().deleted() && lr.current().equals(lr.base());
  }

  /**
   * Applies one remote change in {@code tx}: stored as it is when nothing local is pending,
   * else resolved against the pending version. What changed the store goes to {@code applied},
   * what the resolver decided to {@code conflicts}.
   */
  void applyChange(StoreTransaction tx, Change change, List<Record> applied,
      List<Conflict> conflicts) {
    if (hlc.deviceId().equals(change.deviceId())) {
      return;
    }
    ChangeError invalid = change.validate(Long.MAX_VALUE);
    if (invalid != null) {
      log.warn("skipping invalid change from server {}: {}", change, invalid);
      return;
    }
    Record remote = change.toRecord();
    hlc.receive(remote.hlc());
    LocalRecord lr;
    try {
      lr = tx.get(remote.type(), remote.id());
    } catch (IllegalArgumentException unknownType) {
      log.warn("skipping change of a type this device does not know: {}", change);
      return;
    }
    if (lr == null) {
      tx.applyRemote(remote);
      applied.add(remote);
      return;
    }
    Record local = lr.current();
    if (local.hlc().equals(remote.hlc())) {
      return;
    }
    // Our own masked text coming back must not replace the secrets this device still holds.
    remote = UnredactedCopy.restore(settings.redactor, local, lr.base(), remote);
    boolean withheld = false;
    if (!tx.hasUnsyncedChanges(remote.type(), remote.id())) {
      if (remote.hlc().isAfter(local.hlc())) {
        tx.applyRemote(remote);
        applied.add(remote);
        return;
      }
      if (!deletedOnlyHere(lr)) {
        return;
      }
      // A delete kept home because the record seemed never to have reached the server; another
      // device's version under the same id shows it has. The delete is an unsynced change after
      // all: the resolver decides, and if it keeps the delete, the delete goes out.
      withheld = true;
    }
    ConflictResolver resolver = settings.resolverFor(remote.type());
    Record base = withheld ? null : lr.base();
    String remoteBase = change.baseHlc();
    if (remoteBase != null && (base == null || !remoteBase.equals(base.hlc().toString()))) {
      // Built on a version of ours we never heard back about: the true common ancestor.
      Record ours = unanswered.version(Protocol.recordKey(remote.type(), remote.id()),
          remoteBase);
      if (ours != null) {
        base = ours;
      }
    }
    ConflictResolver.Resolution res = resolver.resolve(base, local, remote);
    switch (res.outcome()) {
      case REMOTE:
        tx.applyRemote(remote);
        applied.add(remote);
        break;
      case LOCAL:
        tx.setBase(remote);
        if (!local.hlc().isAfter(remote.hlc())) {
          // Keep our version, but make it newer than the remote so the server ranks it last.
          tx.writeLocal(local.withHlc(hlc.now()));
        } else if (withheld) {
          tx.writeLocal(local);
        }
        break;
      case MERGED:
      default:
        tx.setBase(remote);
        Record merged = res.deleted() ? Record.tombstone(remote.type(), remote.id(), hlc.now())
            : Record.of(remote.type(), remote.id(), hlc.now(), res.json());
        tx.writeLocal(merged);
        applied.add(merged);
        break;
    }
    long now = clock.millis();
    for (Conflict c : res.conflicts()) {
      Conflict stamped = c.decidedAt() == 0 ? c.withDecidedAt(now) : c;
      tx.recordConflict(stamped);
      conflicts.add(stamped);
    }
  }
}
