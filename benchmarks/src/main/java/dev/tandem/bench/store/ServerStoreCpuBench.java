package dev.tandem.bench.store;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.server.ServerStore;
import dev.tandem.sync.server.SqliteServerStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CPU time of the calling thread (SQLite runs on it, through JNI) for the SQLite server store's
 * batch, token and pull paths: {@code batches} batches of 100 new records (~600 B each) in one
 * team transaction apiece (clock lookup, upsert, batch answer), 10 token lookups after each, then
 * pull pages of 500 ({@code -Dpulls}, default 180). The first third of each series is warm-up.
 * With {@code wrap}, lookups go through the token cache {@code TandemServer} puts in front of the
 * store (found by name, so that the same source also runs against a server jar from before it).
 *
 * <pre>java -Dpulls=900 -cp benchmarks/target/benchmarks.jar dev.tandem.bench.store.ServerStoreCpuBench 1000 wrap</pre>
 */
public final class ServerStoreCpuBench {
  private ServerStoreCpuBench() {}

  public static void main(String[] args) throws Exception {
    int batches = Integer.parseInt(args[0]);
    boolean wrap = args.length > 1 && args[1].equals("wrap");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Path dir = Files.createTempDirectory("storecpu");
    ServerStore raw = SqliteServerStore.open(dir);
    ServerStore store = wrap
        ? (ServerStore) Class.forName("dev.tandem.sync.server.CachingServerStore")
            .getMethod("wrap", ServerStore.class).invoke(null, raw)
        : raw;
    store.replaceToken("h", "t", "d", 0);
    String data = "{\"content\":\"" + "x".repeat(580) + "\"}";
    long[] apply = new long[batches];
    long[] token = new long[batches];
    int n = 0;
    for (int b = 0; b < batches; b++) {
      List<Change> changes = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        n++;
        changes.add(new Change("message", "m-" + n, Change.UPSERT,
            String.format("%012x-0000-d", 1_700_000_000_000L + n), null, data, 0, null));
      }
      long t0 = mx.getCurrentThreadCpuTime();
      store.inTeamTransaction("t", tx -> {
        tx.currentHlcs(changes);
        tx.putAll(changes, "w");
        tx.saveBatchResponse("w", "b-" + tx.seq(), "{}");
        return null;
      });
      apply[b] = mx.getCurrentThreadCpuTime() - t0;
      t0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < 10; i++) {
        store.findToken("h");
      }
      token[b] = (mx.getCurrentThreadCpuTime() - t0) / 10;
    }
    int pulls = Integer.parseInt(System.getProperty("pulls", "180"));
    long[] pull = new long[pulls];
    for (int p = 0; p < pulls; p++) {
      long after = (long) (p % 60) * 500;
      long t0 = mx.getCurrentThreadCpuTime();
      store.pullPage("t", after, 500, "reader");
      pull[p] = mx.getCurrentThreadCpuTime() - t0;
    }
    System.out.printf("apply 100: p50 %.3f ms | findToken: p50 %.4f ms | pull 500: p50 %.3f ms%n",
        p50(apply) / 1e6, p50(token) / 1e6, p50(pull) / 1e6);
    store.close();
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  static double p50(long[] v) {
    long[] w = Arrays.copyOfRange(v, v.length / 3, v.length);
    Arrays.sort(w);
    return w[w.length / 2];
  }
}
