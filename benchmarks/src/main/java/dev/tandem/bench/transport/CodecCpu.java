package dev.tandem.bench.transport;

import dev.tandem.sync.Clock;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.server.internal.BatchApplier;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link CodecBench}'s operations timed in this thread's CPU time instead of wall time: on a
 * machine shared with other work, wall time counts the waits for a core, CPU time mostly does
 * not. Each operation runs in rounds of {@code n}-record calls; the best round is reported, per
 * record, after a warm-up.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.transport.CodecCpu [n] [rounds]
 * </pre>
 */
public final class CodecCpu {
  private CodecCpu() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    PushRequest push = new PushRequest("6f1c2b9e-7d4a-4e8b-9c3f-1a2b3c4d5e6f", "laptop-1",
        CodecBench.changes(n, false));
    byte[] pushBody = ProtocolCodec.writePushRequest(push);
    PullResponse page = new PullResponse(CodecBench.changes(n, true), "c-" + n, true, 0);
    byte[] pageBody = ProtocolCodec.writePullResponse(page);
    long now = 1_700_000_000_000L + 10_000_000L;
    Clock clock = () -> now;
    // Only the checks before the transaction run here: they need no store.
    BatchApplier applier = new BatchApplier(null, 4L * 1024 * 1024, clock, 300_000);
    Map<String, Supplier<Object>> ops = new LinkedHashMap<>();
    ops.put("encodePush", () -> ProtocolCodec.writePushRequest(push));
    ops.put("decodePush (+ checks)", () -> applier.check("laptop-1",
        ProtocolCodec.readPushRequest(pushBody)));
    ops.put("encodePull", () -> ProtocolCodec.writePullResponse(page));
    ops.put("decodePull", () -> ProtocolCodec.readPullResponse(pageBody));
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    System.out.printf("n=%d, %d rounds; push body %,d B, pull page %,d B; load average %s%n", n,
        rounds, pushBody.length, pageBody.length, loadAverage());
    Object sink = null;
    for (Map.Entry<String, Supplier<Object>> op : ops.entrySet()) {
      // Warm-up: enough calls for the JIT to compile the paths.
      long warmEnd = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < warmEnd) {
        sink = op.getValue().get();
      }
      long best = Long.MAX_VALUE;
      long[] all = new long[rounds];
      for (int r = 0; r < rounds; r++) {
        long t0 = threads.getCurrentThreadCpuTime();
        for (int k = 0; k < 5; k++) {
          sink = op.getValue().get();
        }
        all[r] = (threads.getCurrentThreadCpuTime() - t0) / 5;
        best = Math.min(best, all[r]);
      }
      java.util.Arrays.sort(all);
      System.out.printf("  %-24s best %7.2f µs per record, median %7.2f (CPU time)%n",
          op.getKey(), best / 1e3 / n, all[rounds / 2] / 1e3 / n);
    }
    if (sink == null) {
      throw new IllegalStateException();
    }
  }

  private static String loadAverage() {
    try {
      return new String(java.nio.file.Files.readAllBytes(
          java.nio.file.Paths.get("/proc/loadavg"))).trim();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
