package dev.tandem.bench.e2e;

import dev.tandem.sync.Record;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Device B of {@link UserPathBench}, in its own JVM: default builder settings (worker and live
 * channel on). Prints on standard output {@code READY} once its live channel is up, {@code PHASE
 * <id> <epoch micros>} as soon as message {@code id} is in its store, and finally {@code DONE
 * <epoch micros of the last phase> <VmHWM kB> <peak heap bytes>} after checking that it holds
 * exactly the number of messages expected after the last phase.
 *
 * <p>It polls for the last message of each phase instead of counting listener events: A sends
 * its outbox oldest first and B applies pages in the server's order, so the last message
 * arriving means every earlier one has. (A listener also makes the engine keep every event of a
 * sync cycle until the cycle ends, which is not what a device without one pays.)
 *
 * <p>Arguments: server URI, token, team, database path, then per phase the id of its last
 * message and the number of messages B must hold after it.
 */
public final class UserPathDevice {
  private UserPathDevice() {}

  public static void main(String[] args) throws Exception {
    int phases = (args.length - 4) / 2;
    try (Tandem b = Tandem.builder().database(Paths.get(args[3])).deviceId("b")
        .server(URI.create(args[0]), args[1], args[2]).build()) {
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
      long reached = 0;
      for (int p = 0; p < phases; p++) {
        String lastId = args[4 + 2 * p];
        long expected = Long.parseLong(args[5 + 2 * p]);
        // Bounded: a run that loses records must end, not hang the benchmark.
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (b.records("message").get(lastId) == null) {
          if (System.nanoTime() > until) {
            System.out.println("FAILED " + lastId + " never arrived: " + b.status());
            System.exit(1);
          }
          Thread.sleep(2);
        }
        reached = UserPathBench.epochMicros();
        System.out.println("PHASE " + lastId + " " + reached);
        System.out.flush();
        if (p == phases - 1) {
          // Once, at the end: counting while a later phase arrives would delay seeing it.
          long held = countMessages(b);
          if (held != expected) {
            System.out.println("FAILED holds " + held + " messages, expected " + expected);
            System.exit(1);
          }
        }
      }
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.println("DONE " + reached + " "
          + UserPathBench.vmHwmKb(Files.readAllLines(Paths.get("/proc/self/status"))) + " "
          + peak);
      System.out.flush();
    }
  }

  private static long countMessages(Tandem b) {
    long n = 0;
    String after = null;
    while (true) {
      List<Record> page = b.records("message").list(after, 1000);
      n += page.size();
      if (page.size() < 1000) {
        return n;
      }
      after = page.get(page.size() - 1).id();
    }
  }
}
