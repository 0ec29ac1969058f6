package dev.tandem.bench.e2e;

import dev.tandem.sync.SyncResult;
import dev.tandem.sync.Tandem;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Paths;

/**
 * The pulling device of {@link SyncBench}, run in its own JVM so that its heap is measured
 * alone. Prints {@code RESULT <pull nanos> <records> <peak heap bytes>}.
 */
public final class PullDevice {
  private PullDevice() {}

  public static void main(String[] args) {
    try (Tandem b = Tandem.builder().database(Paths.get(args[3])).deviceId("b")
        .server(URI.create(args[0]), args[1], args[2]).autoSync(false).build()) {
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        pool.resetPeakUsage();
      }
      long t0 = System.nanoTime();
      SyncResult r = b.syncNow();
      long nanos = System.nanoTime() - t0;
      if (!r.ok()) {
        System.out.println("FAILED " + r);
        System.exit(1);
      }
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.println("RESULT " + nanos + " " + r.pulled() + " " + peak);
    }
  }
}
