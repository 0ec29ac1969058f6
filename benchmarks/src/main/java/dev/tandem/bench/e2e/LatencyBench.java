package dev.tandem.bench.e2e;

import dev.tandem.sync.Record;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Write on device A → visible in device B's store, through the real server on loopback, with the
 * live channel on and with polling only (the default 10 s sweep), in the same run.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.e2e.LatencyBench 500 10
 * </pre>
 * Arguments: number of writes (default 500), milliseconds between writes (default 10).
 */
public final class LatencyBench {
  private LatencyBench() {}

  public static void main(String[] args) throws Exception {
    int writes = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    long spacing = args.length > 1 ? Long.parseLong(args[1]) : 10;
    System.out.printf("%d writes spaced %d ms, write on A -> applied in B's store%n", writes,
        spacing);
    System.out.printf("%-14s %8s %8s %8s %8s%n", "mode", "p50 ms", "p90 ms", "p99 ms", "max ms");
    // Warm up both code paths once so that class loading is not measured.
    run(true, 50, spacing, false);
    run(true, writes, spacing, true);
    run(false, writes, spacing, true);
  }

  private static void run(boolean live, int writes, long spacing, boolean print)
      throws Exception {
    Path dir = Files.createTempDirectory("tandem-latency");
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir.resolve("server"))
        .build()) {
      server.start();
      String team = "bench";
      try (Tandem a = Tandem.builder().database(dir.resolve("a.db")).deviceId("a")
              .server(server.uri(), server.createToken(team, "a"), team).live(live).build();
          Tandem b = Tandem.builder().database(dir.resolve("b.db")).deviceId("b")
              .server(server.uri(), server.createToken(team, "b"), team).live(live).build()) {
        Map<String, Long> writtenAt = new ConcurrentHashMap<>();
        long[] latencies = new long[writes];
        CountDownLatch all = new CountDownLatch(writes);
        b.addListener(new SyncListener() {
          @Override
          public void onRemoteChange(Record record) {
            Long t0 = writtenAt.get(record.id());
            if (t0 != null) {
              int i = Integer.parseInt(record.id().substring(2));
              latencies[i] = System.nanoTime() - t0;
              all.countDown();
            }
          }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        SyncStatus.Mode want = live ? SyncStatus.Mode.LIVE : SyncStatus.Mode.POLLING;
        while ((a.status().mode() != want || b.status().mode() != want)
            && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        for (int i = 0; i < writes; i++) {
          String id = "m-" + i;
          writtenAt.put(id, System.nanoTime());
          a.records("message").put(id, SyncBench.payload(i, 600));
          Thread.sleep(spacing);
        }
        if (!all.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("only " + (writes - all.getCount()) + " of " + writes
              + " arrived");
        }
        if (print) {
          long[] sorted = latencies.clone();
          Arrays.sort(sorted);
          System.out.printf("%-14s %8.1f %8.1f %8.1f %8.1f%n", live ? "live" : "polling (10 s)",
              ms(sorted, 0.50), ms(sorted, 0.90), ms(sorted, 0.99), sorted[writes - 1] / 1e6);
        }
      }
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static double ms(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, i)] / 1e6;
  }
}
