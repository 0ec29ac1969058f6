package dev.tandem.sync.testing;

import dev.tandem.sync.Hlc;
import dev.tandem.sync.SyncException;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ChangeError;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory sync server with the reference server's rules (LWW by HLC, one latest row per
 * record with a team sequence, idempotent batch ids), reached through {@link Transport}s that
 * encode and decode every body with the real codec. Faults can be switched on per device.
 *
 * <pre>{@code
 * FakeSyncServer server = new FakeSyncServer();
 * try (Tandem a = Tandem.builder().store(new InMemoryStore(clock))
 *         .transport(server.transport("device-a")).clock(clock).build()) {
 *   a.conversations().save(Conversation.builder("c-1").title("t").build());
 *   a.syncNow();
 * }
 * assertEquals(1, server.changes().size());
 * }</pre>
 *
 * <p>One server stands for one team; every device gets its own {@link #transport(String)}. All
 * methods are thread-safe. Nothing runs in the background and nothing needs closing.
 */
public final class FakeSyncServer {
  private static final class Stored {
    Change change;
    long seq;
  }

  private final dev.tandem.sync.Clock clock;
  private final Map<String, Stored> latest = new HashMap<>();
  private final TreeMap<Long, String> bySeq = new TreeMap<>();
  private final Map<String, byte[]> batches = new HashMap<>();
  private final Set<String> offline = new HashSet<>();
  private final Set<String> loseNextResponse = new HashSet<>();
  private final Set<String> rejectIds = new HashSet<>();
  private int failNextPushesWith500;
  private long seq;
  private int pushCount;
  private int storedWrites;

  /**
   * A server that does not tell its time ({@code serverTimestamp} 0): devices keep their own
   * clocks uncorrected, so tests on a manual clock stay deterministic.
   */
  public FakeSyncServer() {
    this(null);
  }

  /** A server whose pulls report {@code clock} as the server's time, as the real one does. */
  public FakeSyncServer(dev.tandem.sync.Clock clock) {
    this.clock = clock;
  }

  /**
   * Makes every call from {@code deviceId} fail as a refused connection ({@code NETWORK}), or
   * stops it.
   */
  public synchronized void setOffline(String deviceId, boolean isOffline) {
    if (isOffline) {
      offline.add(deviceId);
    } else {
      offline.remove(deviceId);
    }
  }

  /** The next push from {@code deviceId} is applied, but its response never arrives. */
  public synchronized void loseNextResponse(String deviceId) {
    loseNextResponse.add(deviceId);
  }

  /** Every change with this id is refused with {@code invalid_data}. */
  public synchronized void rejectId(String id) {
    rejectIds.add(id);
  }

  /** Stops refusing {@code id}. */
  public synchronized void acceptId(String id) {
    rejectIds.remove(id);
  }

  private boolean refuseNextCursor;

  /** The next pull with a cursor is answered 400 {@code bad_cursor}, as after a server reset. */
  public synchronized void refuseNextCursor() {
    refuseNextCursor = true;
  }

  /** Answers the next {@code n} pushes, from any device, with 500 before applying them. */
  public synchronized void failNextPushesWith500(int n) {
    failNextPushesWith500 = n;
  }

  private long rateLimitRetryAfter = -2;

  /** The next push answers 429 asking to wait {@code retryAfterMillis}. */
  public synchronized void rateLimitNextPush(long retryAfterMillis) {
    rateLimitRetryAfter = retryAfterMillis;
  }

  /** Returns the latest change of every record, keyed "type/id". */
  public synchronized Map<String, Change> contents() {
    Map<String, Change> out = new TreeMap<>();
    for (Map.Entry<String, Stored> e : latest.entrySet()) {
      out.put(e.getKey(), e.getValue().change);
    }
    return out;
  }

  /** Returns the number of pushes that reached the server, refused ones included. */
  public synchronized int pushCount() {
    return pushCount;
  }

  /** Returns the number of changes the server stored (winning writes; re-sends not counted). */
  public synchronized int storedWrites() {
    return storedWrites;
  }

  /**
   * Returns a transport for {@code deviceId}: pushes and pulls go through the real codec, a pull
   * leaves out the device's own changes as the reference server does. {@code close()} does
   * nothing, so a device can be restarted on the same transport.
   */
  public Transport transport(String deviceId) {
    return new Transport() {
      @Override
      public PushResponse push(PushRequest request) {
        byte[] body = ProtocolCodec.writePushRequest(request);
        byte[] answer = handlePush(deviceId, body);
        return ProtocolCodec.readPushResponse(answer);
      }

      @Override
      public PullResponse pull(String cursor, int limit) {
        return ProtocolCodec.readPullResponse(handlePull(deviceId, cursor, limit));
      }

      @Override
      public void health() {
        checkOnline(deviceId);
      }

      @Override
      public void close() {}
    };
  }

  private synchronized void checkOnline(String deviceId) {
    if (offline.contains(deviceId)) {
      throw new TransportException(SyncException.Reason.NETWORK, 0, null,
          "connection refused (simulated)");
    }
  }

  private synchronized byte[] handlePush(String deviceId, byte[] body) {
    checkOnline(deviceId);
    pushCount++;
    if (rateLimitRetryAfter > -2) {
      long wait = rateLimitRetryAfter;
      rateLimitRetryAfter = -2;
      throw new TransportException(SyncException.Reason.RATE_LIMITED, 429, "rate_limited",
          "slow down") {
        private static final long serialVersionUID = 1L;

        @Override
        public long retryAfterMillis() {
          return wait;
        }
      };
    }
    if (failNextPushesWith500 > 0) {
      failNextPushesWith500--;
      throw new TransportException(SyncException.Reason.SERVER_ERROR, 500, "internal",
          "simulated server error");
    }
    PushRequest req = ProtocolCodec.readPushRequest(body);
    byte[] cached = batches.get(req.batchId());
    if (cached == null) {
      Map<String, Integer> synced = new LinkedHashMap<>();
      List<PushResponse.Conflict> conflicts = new ArrayList<>();
      List<PushResponse.EntryError> errors = new ArrayList<>();
      for (Change c : req.changes()) {
        ChangeError err = c.validate(4L << 20);
        if (err == null && rejectIds.contains(c.id())) {
          err = new ChangeError("invalid_data", "rejected by test");
        }
        if (err != null) {
          errors.add(new PushResponse.EntryError(c.type(), c.id(), err.code(), err.message()));
          continue;
        }
        String key = c.type() + "/" + c.id();
        Stored cur = latest.get(key);
        Hlc incoming = Hlc.parse(c.hlc());
        if (cur != null) {
          Hlc current = Hlc.parse(cur.change.hlc());
          if (current.equals(incoming)) {
            synced.merge(c.type(), 1, Integer::sum);
            continue;
          }
          if (c.ifBase() && !current.toString().equals(c.baseHlc())) {
            // Like the reference server: a conditional change not made from the stored version
            // is refused, with that version to merge with.
            conflicts.add(new PushResponse.Conflict(c.type(), c.id(), "remote_wins",
                current.toString(), cur.change));
            continue;
          }
          if (current.isAfter(incoming)) {
            conflicts.add(new PushResponse.Conflict(c.type(), c.id(), "remote_wins",
                current.toString()));
            continue;
          }
          if (c.baseHlc() == null || !c.baseHlc().equals(current.toString())) {
            conflicts.add(new PushResponse.Conflict(c.type(), c.id(), "local_wins",
                incoming.toString()));
          }
          bySeq.remove(cur.seq);
        }
        Stored s = new Stored();
        s.seq = ++seq;
        s.change = c.withSeq(s.seq, deviceId);
        latest.put(key, s);
        bySeq.put(s.seq, key);
        storedWrites++;
        synced.merge(c.type(), 1, Integer::sum);
      }
      cached = ProtocolCodec.writePushResponse(
          new PushResponse(true, synced, conflicts, errors, Long.toString(seq)));
      batches.put(req.batchId(), cached);
    }
    if (loseNextResponse.remove(deviceId)) {
      throw new TransportException(SyncException.Reason.NETWORK, 0, null,
          "connection reset (simulated lost response)");
    }
    return cached;
  }

  private synchronized byte[] handlePull(String deviceId, String cursor, int limit) {
    checkOnline(deviceId);
    if (refuseNextCursor && cursor != null && !cursor.isEmpty()) {
      refuseNextCursor = false;
      throw new TransportException(SyncException.Reason.BAD_REQUEST, 400, "bad_cursor",
          "cursor is ahead of this server");
    }
    long since = cursor == null || cursor.isEmpty() ? 0 : Long.parseLong(cursor);
    List<Change> out = new ArrayList<>();
    long last = since;
    boolean more = false;
    for (Map.Entry<Long, String> e : bySeq.tailMap(since, false).entrySet()) {
      Change c = latest.get(e.getValue()).change;
      // Like the reference server: the puller's own changes are left out, the cursor passes them.
      if (deviceId.equals(c.deviceId())) {
        last = e.getKey();
        continue;
      }
      if (out.size() == limit) {
        more = true;
        break;
      }
      out.add(c);
      last = e.getKey();
    }
    return ProtocolCodec.writePullResponse(
        new PullResponse(out, Long.toString(last), more,
            clock == null ? 0 : clock.millis()));
  }

  /** Returns every stored change in sequence order. */
  public synchronized List<Change> changes() {
    List<Change> out = new ArrayList<>();
    for (String k : bySeq.values()) {
      out.add(latest.get(k).change);
    }
    return Collections.unmodifiableList(out);
  }
}
