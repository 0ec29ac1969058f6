package dev.tandem.sync.internal;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.SyncException;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.spi.OutboxEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What one sync cycle has done so far, shared by the pusher and the puller while the cycle lock
 * is held: the counts and conflicts the result reports, the entries the server kept pending, and
 * the listener events not yet handed on. Confined to the thread running the cycle.
 */
final class Cycle {
  int pushed;
  int pulled;
  int failed;
  /** True while pushing: a failure then is an upload error, else a download error. */
  boolean uploading;
  SyncException uploadError;
  SyncException downloadError;
  final List<Conflict> conflicts = new ArrayList<>();
  /**
   * Events of the page (or push batch) being applied; {@link ListenerRegistry#handOff} empties it
   * once that page's transaction has committed.
   */
  final List<Consumer<SyncListener>> events = new ArrayList<>();
  /** Events for listeners on a host's executor, delivered once the cycle lock is released. */
  final List<Consumer<SyncListener>> deferred = new ArrayList<>();
  final Map<String, OutboxEntry> lostOnServer = new HashMap<>();
  /** Whether a conversation is local-only, by id: one lookup per conversation and cycle. */
  final Map<String, Boolean> localOnly = new HashMap<>();
  /** Types of the records pulled (or merged) in this cycle, for the change stream. */
  final Set<String> remoteTypes = new LinkedHashSet<>();
  /** Records stamped again after a clock_skew refusal in this cycle: once each. */
  final Set<String> restamped = new HashSet<>();

  void fail(SyncException e) {
    if (uploading) {
      uploadError = e;
    } else {
      downloadError = e;
    }
  }
}
