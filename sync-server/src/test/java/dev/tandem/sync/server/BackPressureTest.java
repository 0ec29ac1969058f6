package dev.tandem.sync.server;

import static dev.tandem.sync.server.ServerTestSupport.assertError;
import static dev.tandem.sync.server.ServerTestSupport.send;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.server.ServerTestSupport.Device;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load becomes 503 {@code overloaded} with {@code Retry-After}, never 500; stalled bodies and
 * idle sockets time out.
 */
class BackPressureTest {
  @TempDir Path dir;
  private TandemServer server;
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch entered = new CountDownLatch(1);
  /** What {@code pullPage} does instead of reading: null = read normally. */
  private final AtomicReference<Runnable> onPull = new AtomicReference<>();

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.close();
    }
  }

  /** A SQLite store whose pulls run {@link #onPull} first; a proxy, so new methods pass through. */
  private ServerStore store() {
    SqliteServerStore real = SqliteServerStore.open(dir);
    return (ServerStore) Proxy.newProxyInstance(ServerStore.class.getClassLoader(),
        new Class<?>[] {ServerStore.class}, (proxy, method, args) -> {
          Runnable hook = onPull.get();
          if (hook != null && method.getName().equals("pullPage")) {
            hook.run();
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private void blockPulls() {
    onPull.set(() -> {
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  @Test
  void pullBeyondTheLimit_is503OverloadedWithRetryAfter_andHealthStillAnswers() throws Exception {
    server = TandemServer.builder().port(0).store(store()).maxConcurrentRequests(1)
        .maxQueuedRequests(0).overloadRetryAfter(Duration.ofMillis(2500)).build().start();
    Device laptop = Device.create(server, "team-1", "laptop-1");
    blockPulls();
    CompletableFuture<HttpResponse<byte[]>> first =
        CompletableFuture.supplyAsync(() -> laptop.pull(null));
    assertTrue(entered.await(20, TimeUnit.SECONDS), "first pull never reached the store");

    HttpResponse<byte[]> second = laptop.pull(null);
    assertError(second, 503, "overloaded");
    assertEquals("3", second.headers().firstValue("Retry-After").orElse(""));
    assertEquals(200, send(server, "GET", "/health", null).statusCode());

    release.countDown();
    assertEquals(200, first.get(20, TimeUnit.SECONDS).statusCode());
    assertEquals(200, laptop.pull(null).statusCode());
    assertEquals(1, server.peakRequestsAtWork());
  }

  @Test
  void queuedPull_getsThePlace_whenItFreesWithinTheQueueTimeout() throws Exception {
    server = TandemServer.builder().port(0).store(store()).maxConcurrentRequests(1)
        .maxQueuedRequests(1).queueTimeout(Duration.ofSeconds(20)).build().start();
    Device laptop = Device.create(server, "team-1", "laptop-1");
    blockPulls();
    CompletableFuture<HttpResponse<byte[]>> first =
        CompletableFuture.supplyAsync(() -> laptop.pull(null));
    assertTrue(entered.await(20, TimeUnit.SECONDS));
    CompletableFuture<HttpResponse<byte[]>> second =
        CompletableFuture.supplyAsync(() -> laptop.pull(null));
    await().atMost(Duration.ofSeconds(20)).until(() -> server.requestsWaiting() == 1);
    // The queue is full now: a third is refused at once rather than waiting 20 s.
    long t0 = System.nanoTime();
    assertError(laptop.pull(null), 503, "overloaded");
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 10_000);

    release.countDown();
    assertEquals(200, first.get(20, TimeUnit.SECONDS).statusCode());
    assertEquals(200, second.get(20, TimeUnit.SECONDS).statusCode());
  }

  @Test
  void storeWithNoConnectionFree_is503Overloaded_not500() {
    server = TandemServer.builder().port(0).store(store()).build().start();
    Device laptop = Device.create(server, "team-1", "laptop-1");
    onPull.set(() -> {
      throw new ServerOverloadedException("no read connection free after 2000 ms");
    });

    HttpResponse<byte[]> r = laptop.pull(null);

    assertError(r, 503, "overloaded");
    assertEquals("2", r.headers().firstValue("Retry-After").orElse(""));
  }

  @Test
  void stalledBody_isAnswered408AndClosed_afterTheBodyReadTimeout() throws IOException {
    server = TandemServer.builder().port(0).dataDir(dir)
        .bodyReadTimeout(Duration.ofMillis(300)).build().start();
    Device laptop = Device.create(server, "team-1", "laptop-1");
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /sync/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + laptop.token() + "\r\nX-Team-ID: team-1\r\nX-Device-ID: laptop-1\r\n"
          + "Content-Length: 5000\r\n\r\n{\"batch").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long t0 = System.nanoTime();
      String answer = readToEnd(s.getInputStream());
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

      assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
      assertTrue(answer.contains("request_timeout"), answer);
      // Closed by the server soon after the timeout, not after the 30 s idle timeout.
      assertTrue(took < 15_000, "took " + took + " ms");
    }
    assertEquals(200, laptop.pull(null).statusCode());
  }

  @Test
  void idleConnection_isClosedAfterTheIdleTimeout() throws IOException {
    server = TandemServer.builder().port(0).dataDir(dir).idleTimeout(Duration.ofMillis(300))
        .build().start();
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(20_000);
      // Half a request line, then silence: no thread is held, and the socket is closed.
      s.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII));
      long t0 = System.nanoTime();
      readToEnd(s.getInputStream());
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 15_000);
    }
  }

  @Test
  void build_refusesAThreadPoolTheLimitersCouldExhaust() {
    TandemServer.Builder b = TandemServer.builder().dataDir(dir).maxConcurrentRequests(100)
        .maxQueuedRequests(100).maxConcurrentUploads(10).maxThreads(200);
    IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
    assertTrue(e.getMessage().contains("maxThreads 200 is too small"), e.getMessage());
  }

  private static String readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[4096];
    try {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        buf.write(chunk, 0, n);
      }
    } catch (java.net.SocketException e) {
      // A reset after the answer is a close too.
    }
    return buf.toString(StandardCharsets.US_ASCII);
  }
}
