package dev.tandem.sync.server;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A {@link ServerStore} in front of another that remembers live tokens for a short time: every
 * request authenticates, and a token's row changes only when it is replaced or revoked.
 * {@link TandemServer} puts one in front of every store, its own and a host's alike.
 *
 * <p>An entry is dropped at once when the device's tokens change through this cache, through the
 * store behind it, or on another server node that tells the store ({@link
 * ServerStore#addTokenListener}; PostgreSQL's {@code tandem_tokens} notices). A change nobody
 * tells, such as another process writing the same SQLite file, counts after the time to live at
 * most. Every other call goes to the store unchanged ({@link #store()} is that store).
 * Thread-safe.
 */
public final class CachingServerStore extends ForwardingServerStore {
  /** How long an entry is trusted without a notice, unless told otherwise. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(2);
  /** Entries kept at most; past it the cache starts again empty (a flood of new tokens). */
  static final int MAX_ENTRIES = 10_000;

  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
  // Moved before every invalidation; a lookup that saw it move meanwhile does not keep its answer.
  private final AtomicLong invalidations = new AtomicLong();

  CachingServerStore(ServerStore store, Duration ttl, LongSupplier nanoTime) {
    super(store);
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("ttl must not be negative: " + ttl);
    }
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
    store.addTokenListener(new TokenListener() {
      @Override
      public void tokensChanged(String teamId, String deviceId) {
        forget(teamId, deviceId);
      }

      @Override
      public void anyTokenMayHaveChanged() {
        forgetAll();
      }
    });
  }

  /**
   * Returns {@code store} with a token cache of {@link #DEFAULT_TTL} in front, or {@code store}
   * itself if it is a {@code CachingServerStore} already.
   */
  public static CachingServerStore wrap(ServerStore store) {
    return store instanceof CachingServerStore c ? c : wrap(store, DEFAULT_TTL);
  }

  /** Returns {@code store} with a token cache that trusts an entry for {@code ttl} at most. */
  public static CachingServerStore wrap(ServerStore store, Duration ttl) {
    return new CachingServerStore(store, ttl, System::nanoTime);
  }

  @Override
  public TokenOwner findToken(String tokenHash) {
    Entry cached = cache.get(tokenHash);
    if (cached != null && nanoTime.getAsLong() - cached.checkedAt < ttlNanos) {
      return cached.owner;
    }
    long before = invalidations.get();
    long checkedAt = nanoTime.getAsLong();
    TokenOwner owner = super.findToken(tokenHash);
    if (owner == null) {
      cache.remove(tokenHash);
      return null;
    }
    if (cache.size() >= MAX_ENTRIES) {
      cache.clear();
    }
    cache.put(tokenHash, new Entry(owner, checkedAt));
    // An invalidation during the lookup may have run before this put: the answer may predate it.
    if (invalidations.get() != before) {
      cache.remove(tokenHash);
    }
    return owner;
  }

  @Override
  public void replaceToken(String tokenHash, String teamId, String deviceId, long expiresAt) {
    try {
      super.replaceToken(tokenHash, teamId, deviceId, expiresAt);
    } finally {
      forget(teamId, deviceId);
    }
  }

  @Override
  public int revokeTokens(String teamId, String deviceId) {
    try {
      return super.revokeTokens(teamId, deviceId);
    } finally {
      forget(teamId, deviceId);
    }
  }

  private void forget(String teamId, String deviceId) {
    invalidations.incrementAndGet();
    cache.values().removeIf(e -> e.owner.isDevice(teamId, deviceId));
  }

  private void forgetAll() {
    invalidations.incrementAndGet();
    cache.clear();
  }

  @Override
  public void close() {
    cache.clear();
    super.close();
  }

  private record Entry(TokenOwner owner, long checkedAt) {}
}
