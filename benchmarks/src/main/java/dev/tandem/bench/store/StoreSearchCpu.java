package dev.tandem.bench.store;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The cases of {@link StoreSearchBench} in CPU time of the searching thread (the store reads on
 * the caller's thread), median of alternating rounds: like {@link StoreWriteCpu}, a figure that a
 * busy machine does not inflate. Run with {@code java -cp benchmarks/target/benchmarks.jar
 * dev.tandem.bench.store.StoreSearchCpu [rounds]}.
 */
public final class StoreSearchCpu {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private StoreSearchCpu() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    StoreSearchBench b = new StoreSearchBench();
    b.setUp();
    try {
      String[] words = {"zeppelin", "quasar"};
      for (String w : words) {
        b.word = w;
        fts(b, 200);
        like(b, 3);
      }
      for (String w : words) {
        b.word = w;
        double[] fts = new double[rounds];
        double[] like = new double[rounds];
        for (int i = 0; i < rounds; i++) {
          fts[i] = fts(b, 100);
          like[i] = like(b, 3);
        }
        System.out.printf("%s: FTS %.0f µs CPU per search, LIKE scan %.0f µs, %.0f× faster"
            + " (median of %d rounds)%n", w, StoreWriteCpu.median(fts), StoreWriteCpu.median(like),
            StoreWriteCpu.median(like) / StoreWriteCpu.median(fts), rounds);
      }
    } finally {
      b.tearDown();
    }
  }

  private static double fts(StoreSearchBench b, int calls) {
    long start = THREADS.getCurrentThreadCpuTime();
    for (int i = 0; i < calls; i++) {
      b.c_fts();
    }
    return (THREADS.getCurrentThreadCpuTime() - start) / 1000.0 / calls;
  }

  private static double like(StoreSearchBench b, int calls) {
    long start = THREADS.getCurrentThreadCpuTime();
    for (int i = 0; i < calls; i++) {
      b.c_likeScan();
    }
    return (THREADS.getCurrentThreadCpuTime() - start) / 1000.0 / calls;
  }
}
