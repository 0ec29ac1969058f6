package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.SyncResult;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.ServerOverloadedException;
import dev.tandem.sync.server.ServerStore;
import dev.tandem.sync.server.SqliteServerStore;
import dev.tandem.sync.server.TandemServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that cannot take a push answers 503 {@code overloaded} with {@code Retry-After}; the
 * device then waits at least that long before sending those changes again, exactly as after a
 * 429 — and not the ~30 s of its own first backoff, as after a plain server error.
 */
class OverloadBackoffTest {
  /** The device's clock stands still here, so that the next attempt times are exact. */
  private final long now = System.currentTimeMillis();

  @TempDir Path dir;
  private TandemServer server;
  /** Thrown by the store's write transactions while set. */
  private final AtomicReference<RuntimeException> writeFailure = new AtomicReference<>();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void startServer() {
    SqliteServerStore real = SqliteServerStore.open(dir.resolve("server"));
    // A proxy, so that methods added to ServerStore later pass through untouched.
    ServerStore store = (ServerStore) Proxy.newProxyInstance(ServerStore.class.getClassLoader(),
        new Class<?>[] {ServerStore.class}, (proxy, method, args) -> {
          RuntimeException failure = writeFailure.get();
          if (failure != null && method.getName().equals("inTeamTransaction")) {
            throw failure;
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    server = TandemServer.builder().port(0).store(store)
        .overloadRetryAfter(Duration.ofSeconds(120)).build().start();
  }

  @Test
  void pushRefusedAsOverloaded_waitsOutRetryAfter() {
    startServer();
    writeFailure.set(new ServerOverloadedException("no write connection free"));
    try (Tandem device = device("laptop")) {
      device.records("message").put("m-1", "{\"text\":\"hello\"}");

      SyncResult r = device.syncNow();

      assertFalse(r.ok(), "the push should have been refused");
      // Our own first backoff is at most 36 s; Retry-After asked for 120 s, and wins.
      assertEquals(0, device.store().duePending(now + 119_000, 10).size());
      assertEquals(1, device.store().duePending(now + 121_000, 10).size());
      assertTrue(device.status().lastError().contains("503"), device.status().lastError());
    }
  }

  @Test
  void pushFailingWithABug_usesTheDevicesOwnBackoff() {
    startServer();
    writeFailure.set(new IllegalStateException("a bug"));
    try (Tandem device = device("laptop")) {
      device.records("message").put("m-1", "{\"text\":\"hello\"}");

      assertFalse(device.syncNow().ok());

      // 500: no Retry-After, so the first step of the device's backoff (30 s ± 20 %).
      assertEquals(1, device.store().duePending(now + 36_001, 10).size());
    }
  }

  private Tandem device(String id) {
    return Tandem.builder().database(dir.resolve(id + ".db")).deviceId(id)
        .server(server.uri(), server.createToken("team-1", id), "team-1")
        .clock(() -> now).autoSync(false).live(false).build();
  }
}
