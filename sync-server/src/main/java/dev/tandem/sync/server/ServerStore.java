package dev.tandem.sync.server;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.Protocol;
import java.util.List;

/**
 * Where the sync server keeps its data: the latest version of every record of every team, a
 * sequence per team, the answers of applied batches and the device tokens (as hashes).
 *
 * <p>The server's rules (last-write-wins, idempotency, validation) live above this interface, in
 * the server, so every store decides conflicts the same way. A store only has to offer a
 * per-team transaction in which the team's sequence cannot move underneath the caller. On SQLite
 * that is the single writer; on PostgreSQL it is a row lock on the team's sequence row
 * ({@code SELECT ... FOR UPDATE}), which also serializes server nodes that share the database.
 *
 * <p>Devices and remote commands are kept through the methods of {@link CommandStore}.
 *
 * <p>Implementations are thread-safe. {@link #close()} releases connections and files.
 */
public interface ServerStore extends AutoCloseable {

  /**
   * Runs {@code work} in one transaction for {@code teamId}: everything it writes commits
   * together or not at all, and no other transaction of the same team interleaves with it.
   *
   * @throws RuntimeException whatever {@code work} throws, after rolling back
   */
  <T> T inTeamTransaction(String teamId, TeamWork<T> work);

  /**
   * Returns up to {@code limit} records of {@code teamId} whose sequence is greater than
   * {@code afterSeq}, in sequence order, each with its {@code seq} and origin device.
   */
  List<Change> changesSince(String teamId, long afterSeq, int limit);

  /**
   * Returns one page of a pull for {@code deviceId}: up to {@code limit} records of
   * {@code teamId} after {@code afterSeq} in sequence order, leaving out those whose origin is
   * {@code deviceId} (a device has its own changes already; sending them back made a device
   * download every push of its own again). The page's cursor moves past the skipped records too:
   * when the page is not full it is the team's sequence as read before the records, so nothing
   * another device stored is skipped, and a record moved past that sequence meanwhile comes with
   * the next pull.
   *
   * <p>A store that purges deletes ({@link #applyRetention}) refuses a cursor that a purged
   * delete came after: the page would silently lack that delete. It checks after reading the
   * records, so that a purge committed between the two reads is seen.
   *
   * @throws CursorExpiredException if {@code afterSeq > 0} and a delete of the team with a
   *     sequence above {@code afterSeq} was purged
   */
  PullPage pullPage(String teamId, long afterSeq, int limit, String deviceId);

  /**
   * A page of {@link #pullPage}: the changes, whether more may follow, the cursor to pull from
   * next, and the team's sequence that bounded the page (a cursor beyond it is not this server's).
   */
  record PullPage(List<Change> changes, boolean hasMore, long cursor, long teamSeq) {}

  /** Returns the team's current sequence: 0 for a team that never stored anything. */
  long currentSeq(String teamId);

  /**
   * Retention, for every team (DESIGN "Server"; docs/server.md "Retention"):
   *
   * <ul>
   *   <li><b>Compaction:</b> only the latest version of each record is kept. A store whose change
   *       log keeps older versions (an append-only log) removes them here; the SQLite store keeps
   *       one row per record at all times, so it has nothing to compact.
   *   <li><b>Deletes:</b> a tombstone (an {@code op = delete} record) stored by this server before
   *       {@code tombstonesStoredBefore} (epoch milliseconds on the server's clock, not the
   *       change's own clock, which a device that was offline for long may have set long ago) is
   *       removed. Per team, the highest sequence of a removed tombstone is remembered, in the
   *       same transaction, and from then on {@link #pullPage} refuses a cursor below it.
   *   <li><b>Batch answers:</b> answers saved before {@code batchesStoredBefore} are removed; a
   *       batch sent again after that is applied again, which the per-record clock comparison
   *       turns into "already stored".
   * </ul>
   *
   * <p>It may work in several short transactions, so that pushes are not held up for long; each
   * leaves the store consistent. The default removes nothing, which is always safe (a store that
   * never purges never needs to refuse a cursor).
   *
   * @return what was removed
   */
  default RetentionResult applyRetention(long tombstonesStoredBefore, long batchesStoredBefore) {
    return RetentionResult.NONE;
  }

  /** What one {@link #applyRetention} removed. */
  record RetentionResult(long compactedVersions, long purgedTombstones, long purgedBatches) {
    /** Nothing removed. */
    public static final RetentionResult NONE = new RetentionResult(0, 0, 0);
  }

  /**
   * Asks the database a trivial question, for {@code GET /health/ready}: returns when it answers,
   * throws whatever the failure is otherwise. The server bounds the wait itself, so this may
   * block. The default reads a team's sequence, which every store can answer; a store may
   * override it with a cheaper query.
   */
  /** The device registry and command queue this store keeps (see {@link CommandStore}). */
  CommandStore commands();

  default void ping() {
    currentSeq("health-check");
  }

  /**
   * Tells the other server nodes sharing this store something about a team's devices (a
   * command to deliver, a frame for a device connected elsewhere); each hears it through its
   * {@link LiveHub#announced}. The notice is short text (under {@link #MAX_NOTICE_CHARS}). A
   * store no other node shares does nothing, the default.
   */
  default void announce(String teamId, String notice) {}

  /** The longest notice {@link #announce} carries (PostgreSQL's NOTIFY takes 8,000 bytes). */
  int MAX_NOTICE_CHARS = 2000;

  /**
   * Stores a device token, identified by the SHA-256 hash of the token only, as the device's one
   * live token: in the same transaction every other token of that device is revoked, so a
   * replaced token is refused from then on (by every server sharing the store, at the latest
   * once their short token caches expire).
   *
   * @param expiresAt when the token stops working, in epoch milliseconds; 0 for never
   */
  void replaceToken(String tokenHash, String teamId, String deviceId, long expiresAt);

  /**
   * Returns the owner of a token that exists and is not revoked, or null. An expired token is
   * still returned, with its {@link TokenOwner#expiresAt()}: the caller's clock decides.
   */
  TokenOwner findToken(String tokenHash);

  /** Revokes every token of that device; returns how many were live before. */
  int revokeTokens(String teamId, String deviceId);

  /**
   * Registers {@code listener} to hear that tokens changed out of sight of a cache in front of
   * this store ({@link CachingServerStore}): through this store directly, or on another server
   * node sharing it. The default hears nothing, which is right for a store no other node shares
   * and that is only written through its cache; a cache still trusts an entry for a short time
   * only.
   */
  default void addTokenListener(TokenListener listener) {}

  /** Hears of token changes, see {@link #addTokenListener}. Called on the store's threads. */
  interface TokenListener {
    /** The tokens of that device changed (replaced or revoked). */
    void tokensChanged(String teamId, String deviceId);

    /** Any token may have changed unheard (notices from other nodes may have been lost). */
    void anyTokenMayHaveChanged();
  }

  @Override
  void close();

  /** The work done in {@link #inTeamTransaction}. */
  @FunctionalInterface
  interface TeamWork<T> {
    T run(TeamTransaction tx);
  }

  /** The operations of one team inside a transaction. */
  interface TeamTransaction {
    /**
     * Returns the stored answer of a batch {@code deviceId} already sent, or null. Batch ids are
     * scoped to (team, device): another device's batch with the same id is a different batch.
     */
    String batchResponse(String deviceId, String batchId);

    /** Remembers the answer of {@code deviceId}'s {@code batchId} so that a retry gets it again. */
    void saveBatchResponse(String deviceId, String batchId, String responseJson);

    /** Returns the stored latest version of a record (with seq and origin device), or null. */
    Change current(String type, String id);

    /**
     * Returns the clock of the latest version of a record, or null if the team has none. The
     * batch path needs only this, so stores can skip reading the data.
     */
    default String currentHlc(String type, String id) {
      Change c = current(type, id);
      return c == null ? null : c.hlc();
    }

    /**
     * Returns the clocks of the latest versions of several records at once, keyed by
     * {@link #recordKey}; records the team does not have are absent. Same meaning as calling
     * {@link #currentHlc} for each; stores override it to answer a whole batch in one query.
     */
    default java.util.Map<String, String> currentHlcs(List<Change> changes) {
      java.util.Map<String, String> out = new java.util.HashMap<>();
      for (Change c : changes) {
        String hlc = currentHlc(c.type(), c.id());
        if (hlc != null) {
          out.put(recordKey(c.type(), c.id()), hlc);
        }
      }
      return out;
    }

    /** The key of a record in {@link #currentHlcs}: {@link Protocol#recordKey}. */
    static String recordKey(String type, String id) {
      return Protocol.recordKey(type, id);
    }

    /**
     * Stores {@code change} as the record's latest version, from {@code originDevice}, under the
     * team's next sequence number, which it returns.
     */
    long put(Change change, String originDevice);

    /**
     * Stores each of {@code changes} in order, exactly as {@link #put} one after the other;
     * stores override it to write several rows per statement.
     */
    default void putAll(List<Change> changes, String originDevice) {
      for (Change c : changes) {
        put(c, originDevice);
      }
    }

    /** Returns the team's sequence as seen inside this transaction. */
    long seq();
  }

  /**
   * The team and device a live token belongs to, and when it expires (epoch milliseconds; 0 for
   * never).
   */
  record TokenOwner(String teamId, String deviceId, long expiresAt) {
    /** An owner whose token never expires. */
    public TokenOwner(String teamId, String deviceId) {
      this(teamId, deviceId, 0);
    }

    /** Returns true if the token has expired at {@code nowMillis}. */
    public boolean expiredAt(long nowMillis) {
      return expiresAt > 0 && nowMillis >= expiresAt;
    }

    /** Returns true if this token belongs to that device of that team. */
    public boolean isDevice(String team, String device) {
      return teamId.equals(team) && deviceId.equals(device);
    }
  }
}
