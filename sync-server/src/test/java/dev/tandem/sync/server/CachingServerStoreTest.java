package dev.tandem.sync.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.server.ServerStore.TokenOwner;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token cache in front of a store: lookups answered from memory, dropped at once on every
 * change it can hear of, and after its time to live on one it cannot.
 */
class CachingServerStoreTest {
  private static final TokenOwner PHONE = new TokenOwner("t", "phone");

  @TempDir Path dir;
  private final AtomicLong nanos = new AtomicLong(1_000);
  private SqliteServerStore sqlite;
  private CountingStore counting;
  private CachingServerStore cache;

  /** The store behind the cache, counting the lookups that reach it. */
  private static final class CountingStore extends ForwardingStore {
    final AtomicInteger lookups = new AtomicInteger();

    CountingStore(ServerStore inner) {
      super(inner);
    }

    @Override
    public TokenOwner findToken(String tokenHash) {
      lookups.incrementAndGet();
      return inner.findToken(tokenHash);
    }

  }

  @BeforeEach
  void open() {
    sqlite = SqliteServerStore.open(dir);
    counting = new CountingStore(sqlite);
    cache = new CachingServerStore(counting, Duration.ofSeconds(2), nanos::get);
    sqlite.replaceToken("h-phone", "t", "phone", 0);
    sqlite.replaceToken("h-desk", "t", "desk", 0);
  }

  @AfterEach
  void close() {
    cache.close();
  }

  @Test
  void aLiveToken_isLookedUpOnce_withinItsTimeToLive() {
    assertEquals(PHONE, cache.findToken("h-phone"));
    assertEquals(PHONE, cache.findToken("h-phone"));
    nanos.addAndGet(Duration.ofMillis(1999).toNanos());
    assertEquals(PHONE, cache.findToken("h-phone"));
    assertEquals(1, counting.lookups.get());
    nanos.addAndGet(Duration.ofMillis(2).toNanos());
    assertEquals(PHONE, cache.findToken("h-phone"));
    assertEquals(2, counting.lookups.get());
  }

  @Test
  void tokenRevokedThroughTheCache_isRefusedAtOnce_andOtherDevicesStayCached() {
    cache.findToken("h-phone");
    cache.findToken("h-desk");
    assertEquals(1, cache.revokeTokens("t", "phone"));
    assertNull(cache.findToken("h-phone"));
    assertEquals(new TokenOwner("t", "desk"), cache.findToken("h-desk"));
    assertEquals(3, counting.lookups.get(), "desk still cached, phone looked up again");
  }

  @Test
  void tokenRevokedOrReplacedBehindTheCache_isRefusedAtOnce() {
    cache.findToken("h-phone");
    sqlite.revokeTokens("t", "phone");
    assertNull(cache.findToken("h-phone"));

    cache.findToken("h-desk");
    sqlite.replaceToken("h-desk-2", "t", "desk", 0);
    assertNull(cache.findToken("h-desk"));
    assertEquals(new TokenOwner("t", "desk"), cache.findToken("h-desk-2"));
  }

  @Test
  void aChangeNobodyTells_countsAfterTheTimeToLive() throws Exception {
    cache.findToken("h-phone");
    // Another process on the same file: no listener hears it.
    try (Connection c = DriverManager.getConnection(
            "jdbc:sqlite:" + dir.resolve(SqliteServerStore.FILE_NAME));
        Statement s = c.createStatement()) {
      s.execute("UPDATE tokens SET revoked = 1 WHERE hash = 'h-phone'");
    }
    assertEquals(PHONE, cache.findToken("h-phone"), "trusted within the time to live");
    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertNull(cache.findToken("h-phone"));
  }

  @Test
  void storeThatSaysAnyTokenMayHaveChanged_emptiesTheCache() {
    cache.findToken("h-phone");
    cache.findToken("h-desk");
    sqlite.anyTokenMayHaveChanged();
    cache.findToken("h-phone");
    cache.findToken("h-desk");
    assertEquals(4, counting.lookups.get());
  }

  @Test
  void hostStoreThatHearsNothing_stillSeesItsOwnRevocationsAtOnce() {
    // A host's store without addTokenListener: only the cache's own calls invalidate.
    ServerStore deaf = new ForwardingStore(sqlite) {
      @Override
      public void addTokenListener(TokenListener listener) {}
    };
    CachingServerStore front = CachingServerStore.wrap(deaf);
    assertEquals(PHONE, front.findToken("h-phone"));
    front.revokeTokens("t", "phone");
    assertNull(front.findToken("h-phone"));
  }

  @Test
  void wrap_keepsACacheAsItIs() {
    assertSame(cache, CachingServerStore.wrap(cache));
    assertSame(counting, cache.store());
  }

  @Test
  void serverPutsTheCacheInFrontOfAHostsStore_andRevokesAtOnce() {
    try (TandemServer server = TandemServer.builder().port(0).store(counting).build().start()) {
      ServerTestSupport.Device tablet = ServerTestSupport.Device.create(server, "t", "tablet");
      for (int i = 0; i < 3; i++) {
        assertEquals(200, tablet.pull("since=0").statusCode());
      }
      // One lookup, then the cache (a second only if the machine stalled past the 2 s TTL).
      assertTrue(counting.lookups.get() < 3, "lookups: " + counting.lookups.get());
      assertSame(counting, server.store());
      server.revokeToken("t", "tablet");
      assertEquals(401, tablet.pull("since=0").statusCode());
    }
  }
}
