package dev.tandem.bench.store;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The cases of {@link StoreWriteBench}, measured in CPU time of the writing thread (user + system,
 * so the write syscalls count) instead of wall time: on a machine shared with other work, wall
 * time mostly measures waiting for a core, CPU time the work itself. Rounds alternate the Tandem
 * and bare cases; the ratio is taken per round and its median printed. Background work of SQLite
 * is all on the calling thread (checkpoints included), so nothing is missed. Run with {@code java
 * -cp benchmarks/target/benchmarks.jar dev.tandem.bench.store.StoreWriteCpu [rounds]}.
 */
public final class StoreWriteCpu {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private StoreWriteCpu() {}

  interface Op {
    void run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    StoreWriteBench b = new StoreWriteBench();
    b.setUp();
    try {
      // Warm-up: JIT and caches, not measured.
      measure(b::a_tandemOneMessage, 3000);
      measure(b::a_bareInsertOneMessage, 3000);
      measure(b::b_tandem100PerTransaction, 30);
      measure(b::b_bareInsert100PerTransaction, 30);
      double[][] r = new double[4][rounds];
      for (int i = 0; i < rounds; i++) {
        r[0][i] = measure(b::a_tandemOneMessage, 2000);
        r[1][i] = measure(b::a_bareInsertOneMessage, 2000);
        r[2][i] = measure(b::b_tandem100PerTransaction, 20) / 100;
        r[3][i] = measure(b::b_bareInsert100PerTransaction, 20) / 100;
      }
      print("1 message per transaction", r[0], r[1]);
      print("100 messages per transaction", r[2], r[3]);
    } finally {
      b.tearDown();
    }
  }

  /** Returns the CPU µs per call of {@code op}. */
  private static double measure(Op op, int calls) throws Exception {
    long start = THREADS.getCurrentThreadCpuTime();
    for (int i = 0; i < calls; i++) {
      op.run();
    }
    return (THREADS.getCurrentThreadCpuTime() - start) / 1000.0 / calls;
  }

  private static void print(String what, double[] tandem, double[] bare) {
    double[] ratio = new double[tandem.length];
    for (int i = 0; i < ratio.length; i++) {
      ratio[i] = tandem[i] / bare[i];
    }
    System.out.printf("%s: Tandem %.1f µs CPU per message, bare INSERT %.1f, ratio %.2f"
        + " (median of %d rounds; ratios %.2f–%.2f)%n", what, median(tandem), median(bare),
        median(ratio), ratio.length, min(ratio), max(ratio));
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(0);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(0);
  }
}
