package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.send;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.internal.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /health}, {@code /health/live} and {@code /health/ready} (PROTOCOL "Operations"). */
class HealthEndpointsTest {
  @TempDir Path dir;
  private TandemServer server;
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.close();
    }
  }

  private static JsonNode json(HttpResponse<byte[]> r) throws Exception {
    return Json.MAPPER.readTree(r.body());
  }

  @Test
  void healthyServer_isLiveAndReady_andHealthKeepsItsBody() throws Exception {
    server = TandemServer.builder().port(0).dataDir(dir).build().start();
    HttpResponse<byte[]> live = send(server, "GET", "/health/live", null);
    assertEquals(200, live.statusCode(), text(live));
    assertEquals("ok", json(live).path("status").asText());
    HttpResponse<byte[]> ready = send(server, "GET", "/health/ready", null);
    assertEquals(200, ready.statusCode(), text(ready));
    assertEquals("ready", json(ready).path("status").asText());
    HttpResponse<byte[]> health = send(server, "GET", "/health", null);
    assertEquals(200, health.statusCode());
    assertEquals("ok", json(health).path("status").asText());
    assertEquals(TandemServer.PROTOCOL, json(health).path("protocol").asInt());
    assertEquals(TandemServer.VERSION, json(health).path("version").asText());
  }

  @Test
  void storeThatDoesNotAnswer_makesReady503WithinTheBound_whileLiveStays200() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    ServerStore hanging = new ForwardingStore(SqliteServerStore.open(dir)) {
      @Override
      public void ping() {
        entered.countDown();
        try {
          // Bounded so that a broken test cannot hang the build.
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    server = TandemServer.builder().port(0).store(hanging).readyTimeout(Duration.ofMillis(300))
        .build().start();
    HttpResponse<byte[]> ready = send(server, "GET", "/health/ready", null);
    assertTrue(entered.await(10, TimeUnit.SECONDS), "the store was never asked");
    assertEquals(503, ready.statusCode(), text(ready));
    JsonNode body = json(ready);
    assertEquals("unavailable", body.path("status").asText());
    assertEquals("not_ready", body.path("error").path("code").asText());
    assertTrue(body.path("error").path("message").asText().contains("300 ms"), text(ready));
    assertTrue(ready.headers().firstValue("Retry-After").isPresent());
    assertEquals(200, send(server, "GET", "/health/live", null).statusCode());
    assertEquals(200, send(server, "GET", "/health", null).statusCode());
  }

  @Test
  void storeThatFails_makesReady503_namingTheFailure_andReadyAgainOnceItAnswers()
      throws Exception {
    AtomicReference<RuntimeException> failure =
        new AtomicReference<>(new ServerStoreException("disk I/O error", null));
    ServerStore failing = new ForwardingStore(SqliteServerStore.open(dir)) {
      @Override
      public void ping() {
        RuntimeException e = failure.get();
        if (e != null) {
          throw e;
        }
        super.ping();
      }
    };
    server = TandemServer.builder().port(0).store(failing).build().start();
    HttpResponse<byte[]> ready = send(server, "GET", "/health/ready", null);
    assertEquals(503, ready.statusCode(), text(ready));
    assertTrue(json(ready).path("error").path("message").asText().contains("disk I/O error"),
        text(ready));
    failure.set(null);
    assertEquals(200, send(server, "GET", "/health/ready", null).statusCode());
  }

  @Test
  void closedStore_isNotReady() throws Exception {
    ServerStore store = SqliteServerStore.open(dir);
    server = TandemServer.builder().port(0).store(store).build().start();
    // The server closes it again at the end, which a store allows.
    store.close();
    HttpResponse<byte[]> ready = send(server, "GET", "/health/ready", null);
    assertEquals(503, ready.statusCode(), text(ready));
    assertEquals(200, send(server, "GET", "/health/live", null).statusCode());
  }
}
