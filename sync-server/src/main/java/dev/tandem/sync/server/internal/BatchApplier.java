package dev.tandem.sync.server.internal;

import dev.tandem.sync.Clock;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ChangeError;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.protocol.Protocol;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.protocol.Resolution;
import dev.tandem.sync.server.ServerStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Applies a push batch with the server's rules, the same for every {@link ServerStore}:
 * per-entry validation (clock bounds included), idempotency by {@code batchId} per (team,
 * device), and last-write-wins by HLC with every decided conflict reported.
 */
public final class BatchApplier {
  /** What applying a batch did. */
  public record Outcome(byte[] responseJson, long seqBefore, long seqAfter, boolean replayed) {
    public boolean seqMoved() {
      return seqAfter > seqBefore;
    }
  }

  private final ServerStore store;
  private final long maxRecordBytes;
  private final Clock clock;
  private final long maxSkewMillis;

  /**
   * @param clock the server's wall clock
   * @param maxSkewMillis how far ahead of {@code clock} an {@code hlc} may be (PROTOCOL "Clock
   *     bounds")
   */
  public BatchApplier(ServerStore store, long maxRecordBytes, Clock clock, long maxSkewMillis) {
    this.store = store;
    this.maxRecordBytes = maxRecordBytes;
    this.clock = clock;
    this.maxSkewMillis = maxSkewMillis;
  }

  /** The entries of a batch that passed the per-entry checks, and an error for each other. */
  public record Checked(List<Change> valid, List<PushResponse.EntryError> errors) {}

  /**
   * Runs the per-entry checks of {@code request} as sent by {@code deviceId}: format, size and
   * clock bounds. They need no store, so {@link #apply} runs them before its transaction.
   */
  public Checked check(String deviceId, PushRequest request) {
    List<Change> valid = new ArrayList<>(request.changes().size());
    List<PushResponse.EntryError> errors = new ArrayList<>();
    long latestAllowed = clock.millis() + maxSkewMillis;
    for (Change c : request.changes()) {
      ChangeError error = c.validate(maxRecordBytes);
      if (error == null) {
        error = clockError(Hlc.parse(c.hlc()), deviceId, latestAllowed);
      }
      if (error == null) {
        valid.add(c);
      } else {
        errors.add(new PushResponse.EntryError(c.type(), c.id(), error.code(), error.message()));
      }
    }
    return new Checked(valid, errors);
  }

  /** Applies {@code request} for {@code teamId} as sent by {@code deviceId}, in one transaction. */
  public Outcome apply(String teamId, String deviceId, PushRequest request) {
    Checked checked = check(deviceId, request);
    List<Change> valid = checked.valid();
    List<PushResponse.EntryError> errors = checked.errors();
    return store.inTeamTransaction(teamId, tx -> {
      long before = tx.seq();
      String prior = tx.batchResponse(deviceId, request.batchId());
      if (prior != null) {
        return new Outcome(prior.getBytes(StandardCharsets.UTF_8), before, before, true);
      }
      Map<String, Integer> synced = new LinkedHashMap<>();
      // Stored together after the loop: the decisions only need the clocks map below.
      List<Change> winners = new ArrayList<>(valid.size());
      List<PushResponse.Conflict> conflicts = new ArrayList<>();
      // One lookup for the whole batch; what this batch stores updates it, so a record sent
      // twice in one batch compares with its first copy, as with one lookup per change.
      Map<String, String> clocks = new java.util.HashMap<>(tx.currentHlcs(valid));
      // What this batch stores, by record: the current version of a record sent twice.
      Map<String, Change> storedHere = new java.util.HashMap<>();
      for (Change c : valid) {
        synced.putIfAbsent(c.type(), 0);
        String key = Protocol.recordKey(c.type(), c.id());
        String currentHlc = clocks.get(key);
        int order = currentHlc == null ? 1 : Hlc.parse(c.hlc()).compareTo(Hlc.parse(currentHlc));
        if (c.ifBase() && order != 0 && currentHlc != null && !currentHlc.equals(c.baseHlc())) {
          // Made without the stored version: refused, and the stored version sent to merge with.
          Change current = storedHere.containsKey(key) ? storedHere.get(key)
              : tx.current(c.type(), c.id());
          conflicts.add(new PushResponse.Conflict(c.type(), c.id(),
              Resolution.REMOTE_WINS.wireName(), currentHlc, current));
          continue;
        }
        if (order == 0) {
          // The server already has exactly this version (a retry under a new batch id).
          synced.merge(c.type(), 1, Integer::sum);
        } else if (order > 0) {
          winners.add(c);
          clocks.put(key, c.hlc());
          storedHere.put(key, c.withIfBase(false).withSeq(0, deviceId));
          synced.merge(c.type(), 1, Integer::sum);
          if (currentHlc != null && !Objects.equals(c.baseHlc(), currentHlc)) {
            // The sender edited a version older than the stored one and still won on clock.
            conflicts.add(new PushResponse.Conflict(c.type(), c.id(),
                Resolution.LOCAL_WINS.wireName(), c.hlc()));
          }
        } else {
          conflicts.add(
              new PushResponse.Conflict(c.type(), c.id(), Resolution.REMOTE_WINS.wireName(),
                  currentHlc));
        }
      }
      tx.putAll(winners, deviceId);
      PushResponse response =
          new PushResponse(true, synced, conflicts, errors, Cursors.format(tx.seq()));
      byte[] json = ProtocolCodec.writePushResponse(response);
      tx.saveBatchResponse(deviceId, request.batchId(), new String(json, StandardCharsets.UTF_8));
      return new Outcome(json, before, tx.seq(), false);
    });
  }

  /**
   * The clock bounds of a change's own {@code hlc}: it must name the pushing device (a device
   * cannot stamp in another's name, which would also let it pick the tie-break) and must not be
   * further ahead of the server than the configured skew (a far-future clock would win every
   * later edit of the record). A {@code baseHlc} is another device's clock, so only its format is
   * checked, by {@link Change#validate}.
   */
  private ChangeError clockError(Hlc hlc, String deviceId, long latestAllowed) {
    if (!hlc.deviceId().equals(deviceId)) {
      return new ChangeError(ErrorCode.INVALID_HLC, "hlc names device \"" + hlc.deviceId()
          + "\" but the batch comes from \"" + deviceId + "\"");
    }
    if (hlc.wallMillis() > latestAllowed) {
      long ahead = hlc.wallMillis() - (latestAllowed - maxSkewMillis);
      return new ChangeError(ErrorCode.CLOCK_SKEW, "hlc is " + ahead / 1000
          + " s ahead of the server's"
          + " clock (at most " + maxSkewMillis / 1000 + " s allowed); re-stamp the change with a"
          + " corrected clock");
    }
    return null;
  }
}
