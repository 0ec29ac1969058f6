package dev.tandem.bench.e2e;

import dev.tandem.sync.Record;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Device B of {@link UserPathBench}, in its own JVM: default builder settings (worker on, live
 * channel on), counts the changes it receives through a listener and prints, on standard output:
 * {@code READY} once its live channel is up, {@code PHASE <n> <epoch micros>} as soon as it has
 * received {@code n} records, and finally {@code DONE <epoch micros of the last record> <VmHWM kB>
 * <peak heap bytes>}.
 *
 * <p>Arguments: server URI, token, team, database path, then the cumulative record counts that
 * end each phase.
 */
public final class UserPathDevice {
  private UserPathDevice() {}

  public static void main(String[] args) throws Exception {
    long[] phases = new long[args.length - 4];
    for (int i = 0; i < phases.length; i++) {
      phases[i] = Long.parseLong(args[4 + i]);
    }
    AtomicLong received = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    long[] reachedAt = new long[phases.length];
    try (Tandem b = Tandem.builder().database(Paths.get(args[3])).deviceId("b")
        .server(URI.create(args[0]), args[1], args[2]).build()) {
      b.addListener(new SyncListener() {
        private int phase;

        @Override
        public void onRemoteChange(Record record) {
          long n = received.incrementAndGet();
          while (phase < phases.length && n >= phases[phase]) {
            reachedAt[phase] = UserPathBench.epochMicros();
            System.out.println("PHASE " + phases[phase] + " " + reachedAt[phase]);
            System.out.flush();
            if (++phase == phases.length) {
              done.countDown();
            }
          }
        }
      }, Runnable::run);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (b.status().mode() != SyncStatus.Mode.LIVE) {
        if (System.nanoTime() > deadline) {
          System.out.println("FAILED live channel not up: " + b.status());
          System.exit(1);
        }
        Thread.sleep(10);
      }
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        pool.resetPeakUsage();
      }
      System.out.println("READY");
      System.out.flush();
      // Bounded: a run that loses records must end, not hang the benchmark.
      if (!done.await(30, TimeUnit.MINUTES)) {
        System.out.println("FAILED received " + received.get() + " records");
        System.exit(1);
      }
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.println("DONE " + reachedAt[phases.length - 1] + " "
          + UserPathBench.vmHwmKb(Files.readAllLines(Paths.get("/proc/self/status"))) + " "
          + peak);
      System.out.flush();
    }
  }
}
