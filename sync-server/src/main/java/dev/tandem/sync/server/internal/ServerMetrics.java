package dev.tandem.sync.server.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics, one registry per server (several servers in one JVM, as in
 * tests, never mix their figures). Names follow Prometheus conventions once Micrometer has
 * rendered them: {@code tandem_http_requests_seconds_count{route,method,status}}, {@code
 * tandem_push_seconds_bucket}, … (docs/server.md lists them).
 */
public final class ServerMetrics implements AutoCloseable {
  /** Latency buckets: sync calls take milliseconds when all is well, seconds under load. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
    Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
  };
  /** Changes per batch or page: the client sends up to 100 by default, the server takes 1000. */
  private static final double[] SIZE_BUCKETS = {1, 10, 50, 100, 250, 500, 1000, 5000};

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer push;
  private final Timer pull;
  private final DistributionSummary batchChanges;
  private final DistributionSummary batchBytes;
  private final DistributionSummary pullChanges;
  private final Counter pushedChanges;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Counter purgedTombstones;
  private final Counter purgedBatches;
  private final Timer retention;

  /**
   * @param liveConnections the number of open {@code /sync/live} sockets, read at each scrape
   */
  public ServerMetrics(IntSupplier liveConnections, WorkLimiter work, WorkLimiter uploads) {
    push = Timer.builder("tandem.push")
        .description("answered POST /sync/batch, arrival (waits, body) to answer")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    pull = Timer.builder("tandem.pull")
        .description("answered GET /sync/pull, arrival (waits included) to answer")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    batchChanges = DistributionSummary.builder("tandem.push.batch.changes")
        .description("changes per pushed batch").serviceLevelObjectives(SIZE_BUCKETS)
        .register(registry);
    batchBytes = DistributionSummary.builder("tandem.push.batch.bytes").baseUnit("bytes")
        .description("pushed batch bodies after decompression").register(registry);
    pullChanges = DistributionSummary.builder("tandem.pull.page.changes")
        .description("changes per pulled page").serviceLevelObjectives(SIZE_BUCKETS)
        .register(registry);
    pushedChanges = Counter.builder("tandem.push.changes.stored")
        .description("changes stored from pushes (refused and losing ones not counted)")
        .register(registry);
    purgedTombstones = Counter.builder("tandem.retention.purged.tombstones")
        .description("deletes purged by retention").register(registry);
    purgedBatches = Counter.builder("tandem.retention.purged.batches")
        .description("batch answers purged by retention").register(registry);
    retention = Timer.builder("tandem.retention").description("retention runs")
        .register(registry);
    Gauge.builder("tandem.live.connections", liveConnections::getAsInt)
        .description("open /sync/live WebSocket connections").register(registry);
    limiter("work", work);
    limiter("uploads", uploads);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    gc.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  private void limiter(String name, WorkLimiter limiter) {
    Gauge.builder("tandem.limiter.in.flight", limiter::busy).tag("limiter", name)
        .description("places taken: requests at work (work) or bodies arriving (uploads)")
        .register(registry);
    Gauge.builder("tandem.limiter.waiting", limiter::waiting).tag("limiter", name)
        .description("requests waiting for a place").register(registry);
    Gauge.builder("tandem.limiter.capacity", limiter::capacity).tag("limiter", name)
        .description("places in all").register(registry);
    FunctionCounter.builder("tandem.limiter.rejected", limiter, WorkLimiter::rejected)
        .tag("limiter", name).description("requests refused with 503 overloaded")
        .register(registry);
  }

  /**
   * Counts one HTTP request. {@code route} is the matched endpoint ({@code
   * /admin/tokens/{deviceId}}), never the raw path, so that the number of series stays bounded.
   */
  public void request(String method, String route, int status, double millis) {
    Timer.builder("tandem.http.requests")
        .description("HTTP requests by route, method and status")
        .tags("method", method, "route", route, "status", Integer.toString(status))
        .register(registry)
        .record((long) (millis * 1_000_000), TimeUnit.NANOSECONDS);
  }

  /** Records one push's duration, its size, and how many of its changes were stored. */
  public void pushed(long nanos, int changes, int bodyBytes, int stored) {
    push.record(nanos, TimeUnit.NANOSECONDS);
    batchChanges.record(changes);
    batchBytes.record(bodyBytes);
    pushedChanges.increment(stored);
  }

  /** Records one pull's duration and how many changes its page held. */
  public void pulled(long nanos, int changes) {
    pull.record(nanos, TimeUnit.NANOSECONDS);
    pullChanges.record(changes);
  }

  /** Records one retention run. */
  public void retention(dev.tandem.sync.server.ServerStore.RetentionResult r, long nanos) {
    retention.record(nanos, TimeUnit.NANOSECONDS);
    purgedTombstones.increment(r.purgedTombstones());
    purgedBatches.increment(r.purgedBatches());
  }

  /** Returns the Prometheus text exposition format (version 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  /** The content type of {@link #scrape()}. */
  public static String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
