package dev.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.sync.Record;
import dev.tandem.sync.Tandem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Three devices with real SQLite stores make random edits and deletes through the real server,
 * going offline at random, losing responses at random, and syncing in random order. After all
 * are online and have synced, every replica holds the same records and tombstones.
 */
class ConvergenceWithServerProperties {
  private static final String[] IDS = {"r1", "r2", "r3"};

  @Property(tries = 8)
  void replicasConverge(@ForAll long seed) throws IOException {
    Random rnd = new Random(seed);
    Path dir = Files.createTempDirectory("tandem-prop");
    try (Cluster cluster = new Cluster(dir)) {
      List<Tandem> devices = new ArrayList<>();
      List<AtomicBoolean> offline = new ArrayList<>();
      List<AtomicBoolean> lose = new ArrayList<>();
      AtomicLong wall = new AtomicLong(System.currentTimeMillis());
      for (String name : new String[] {"a", "b", "c"}) {
        AtomicBoolean off = new AtomicBoolean();
        AtomicBoolean loseNext = new AtomicBoolean();
        long skew = rnd.nextInt(2000) - 1000;
        devices.add(cluster.device(name, () -> wall.get() + skew,
            real -> new FlakyTransport(real, off, loseNext)));
        offline.add(off);
        lose.add(loseNext);
      }
      int steps = 15 + rnd.nextInt(30);
      for (int i = 0; i < steps; i++) {
        int d = rnd.nextInt(devices.size());
        Tandem t = devices.get(d);
        wall.addAndGet(rnd.nextInt(30));
        switch (rnd.nextInt(6)) {
          case 0, 1 -> t.records("conversation").put(IDS[rnd.nextInt(IDS.length)],
              "{\"v\":" + rnd.nextInt(100) + "}");
          case 2 -> t.records("conversation").delete(IDS[rnd.nextInt(IDS.length)]);
          case 3 -> offline.get(d).set(rnd.nextBoolean());
          case 4 -> {
            lose.get(d).set(rnd.nextInt(3) == 0);
            t.syncNow();
          }
          default -> t.syncNow();
        }
      }
      offline.forEach(o -> o.set(false));
      lose.forEach(l -> l.set(false));
      for (int round = 0; round < 3; round++) {
        for (Tandem t : devices) {
          t.syncNow();
        }
      }
      List<String> expected = state(devices.get(0));
      for (Tandem t : devices) {
        assertEquals(0, t.status().pending(), "seed " + seed);
        assertEquals(expected, state(t), "seed " + seed);
      }
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static List<String> state(Tandem t) {
    List<String> out = new ArrayList<>();
    for (String id : IDS) {
      var r = t.store().get("conversation", id);
      Record c = r == null ? null : r.current();
      out.add(id + "=" + (c == null ? "absent" : c.hlc() + (c.deleted() ? " deleted" : " " + c.json())));
    }
    return out;
  }
}
