package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.batch;
import static dev.tandem.sync.server.ServerTestSupport.hlc;
import static dev.tandem.sync.server.ServerTestSupport.send;
import static dev.tandem.sync.server.ServerTestSupport.text;
import static dev.tandem.sync.server.ServerTestSupport.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import dev.tandem.sync.server.ServerTestSupport.Device;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics}: Prometheus text, behind the admin token unless public. */
class MetricsEndpointTest {
  private static final String ADMIN = "metrics-admin-secret";
  @TempDir Path dir;
  private TandemServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<byte[]> scrape() {
    return send(server, "GET", "/metrics", null, "Authorization", "Bearer " + ADMIN);
  }

  /** The value of the sample {@code name{labels}} (labels in Micrometer's sorted order). */
  private static double sample(String metrics, String nameAndLabels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " (\\S+)$")
        .matcher(metrics);
    assertTrue(m.find(), () -> nameAndLabels + " not in\n" + metrics);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void metrics_needTheAdminToken_unlessPublic() {
    server = TandemServer.builder().port(0).dataDir(dir).adminToken(ADMIN).build().start();
    assertError(send(server, "GET", "/metrics", null), 401, "unauthorized");
    assertError(send(server, "GET", "/metrics", null, "Authorization", "Bearer wrong"), 401,
        "unauthorized");
    HttpResponse<byte[]> ok = scrape();
    assertEquals(200, ok.statusCode());
    assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    server.close();

    server = TandemServer.builder().port(0).dataDir(dir).metricsPublic(true).build().start();
    HttpResponse<byte[]> open = send(server, "GET", "/metrics", null);
    assertEquals(200, open.statusCode(), text(open));
    assertTrue(text(open).contains("tandem_live_connections"));
  }

  @Test
  void requestsByRouteAndStatus_batchSizes_latencies_andLimiters_areCounted() {
    server = TandemServer.builder().port(0).dataDir(dir).adminToken(ADMIN)
        .maxConcurrentRequests(3).build().start();
    Device laptop = Device.create(server, "team-1", "laptop");
    Device desk = Device.create(server, "team-1", "desk");
    for (int b = 0; b < 2; b++) {
      String[] entries = new String[3];
      for (int i = 0; i < 3; i++) {
        entries[i] = upsert("note", "n-" + b + "-" + i, hlc(1000 + b, i, "laptop"), null,
            "{\"v\":" + i + "}");
      }
      assertEquals(200, laptop.push(batch("b-" + b, "laptop", entries)).statusCode());
    }
    assertEquals(200, desk.pull(null).statusCode());
    assertEquals(401, send(server, "GET", "/sync/pull", null).statusCode());
    assertEquals(404, send(server, "GET", "/no/such/path/42", null).statusCode());
    assertEquals(204, send(server, "DELETE", "/admin/tokens/desk?teamId=team-1", null,
        "Authorization", "Bearer " + ADMIN).statusCode());

    String routes = "tandem_http_requests_seconds_count{method=\"%s\",route=\"%s\",status=\"%s\"}";
    // A request is counted once its answer is written, so the last one may still be on its way.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      String now = text(scrape());
      assertEquals(2, sample(now, String.format(routes, "POST", "/sync/batch", "200")));
      assertEquals(1, sample(now, String.format(routes, "GET", "/sync/pull", "200")));
      assertEquals(1, sample(now, String.format(routes, "GET", "/sync/pull", "401")));
      assertEquals(1, sample(now, String.format(routes, "GET", "unmatched", "404")));
      // The route, not the path: a device id never becomes a label.
      assertEquals(1, sample(now, String.format(routes, "DELETE", "/admin/tokens/{deviceId}",
          "204")));
    });
    String m = text(scrape());
    assertTrue(!m.contains("/no/such/path"), "raw paths must not become labels");

    assertEquals(2, sample(m, "tandem_push_batch_changes_count"));
    assertEquals(6, sample(m, "tandem_push_batch_changes_sum"));
    assertEquals(2, sample(m, "tandem_push_batch_changes_bucket{le=\"10.0\"}"));
    assertEquals(0, sample(m, "tandem_push_batch_changes_bucket{le=\"1.0\"}"));
    assertEquals(6, sample(m, "tandem_push_changes_stored_total"));
    assertEquals(2, sample(m, "tandem_push_seconds_count"));
    assertEquals(2, sample(m, "tandem_push_seconds_bucket{le=\"+Inf\"}"));
    assertEquals(1, sample(m, "tandem_pull_seconds_count"));
    assertEquals(1, sample(m, "tandem_pull_page_changes_count"));
    assertEquals(6, sample(m, "tandem_pull_page_changes_sum"));
    assertEquals(3, sample(m, "tandem_limiter_capacity{limiter=\"work\"}"));
    assertEquals(0, sample(m, "tandem_limiter_in_flight{limiter=\"work\"}"));
    assertEquals(0, sample(m, "tandem_limiter_rejected_total{limiter=\"work\"}"));
    assertEquals(0, sample(m, "tandem_live_connections"));
    assertTrue(m.contains("jvm_memory_used_bytes"), "JVM memory figures are there too");
  }

  @Test
  void refusedRequests_countAsRejected_inFlightIsAGauge_andSoAreLiveConnections()
      throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ServerStore slow = new ForwardingStore(SqliteServerStore.open(dir)) {
      @Override
      public PullPage pullPage(String teamId, long afterSeq, int limit, String deviceId) {
        entered.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.pullPage(teamId, afterSeq, limit, deviceId);
      }
    };
    // One place, nobody may wait: while one pull holds the place, the next is refused at once.
    server = TandemServer.builder().port(0).store(slow).adminToken(ADMIN)
        .maxConcurrentRequests(1).maxQueuedRequests(0).build().start();
    Device desk = Device.create(server, "team-1", "desk");
    CompletableFuture<HttpResponse<byte[]>> first =
        CompletableFuture.supplyAsync(() -> desk.pull(null));
    try {
      assertTrue(entered.await(30, TimeUnit.SECONDS), "the first pull never reached the store");
      assertError(desk.pull(null), 503, "overloaded");
      String m = text(scrape());
      assertEquals(1, sample(m, "tandem_limiter_rejected_total{limiter=\"work\"}"));
      assertEquals(1, sample(m, "tandem_limiter_in_flight{limiter=\"work\"}"));
    } finally {
      release.countDown();
    }
    assertEquals(200, first.get(30, TimeUnit.SECONDS).statusCode());

    WebSocket ws = ServerTestSupport.HTTP.newWebSocketBuilder()
        .header("Authorization", "Bearer " + desk.token())
        .header("X-Team-ID", "team-1").header("X-Device-ID", "desk")
        .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/sync/live"),
            new WebSocket.Listener() {})
        .get(30, TimeUnit.SECONDS);
    try {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertEquals(1, sample(text(scrape()), "tandem_live_connections")));
    } finally {
      ws.abort();
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertEquals(0, sample(text(scrape()), "tandem_live_connections")));
  }
}
