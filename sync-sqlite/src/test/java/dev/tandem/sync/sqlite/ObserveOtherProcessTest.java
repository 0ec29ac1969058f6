package dev.tandem.sync.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.DataChange;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.testing.ManualClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.Tandem;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Tandem.observe} hears writes another process makes to the same SQLite file, through
 * {@code PRAGMA data_version}, and only those: this store's own writes leave the version alone.
 */
class ObserveOtherProcessTest {
  private static final long WAIT_SECONDS = 60;
  @TempDir Path dir;

  @Test
  void dataVersion_movesForAnotherConnectionsCommit_notForThisStoresOwn() {
    Path db = dir.resolve("v.db");
    ManualClock clock = new ManualClock(TestStores.START);
    try (HybridStorageBackend mine = HybridStorageBackend.open(TestStores.config(db, clock));
        HybridStorageBackend other = HybridStorageBackend.open(TestStores.config(db, clock))) {
      HlcClock hlc = new HlcClock(clock, "dev-1");
      long before = mine.dataVersion();
      mine.inTransaction(tx -> {
        tx.writeLocal(Record.of("message", "m-1", hlc.now(), "{}"));
        return null;
      });
      assertEquals(before, mine.dataVersion(), "an own write is not another's");

      other.inTransaction(tx -> {
        tx.writeLocal(Record.of("message", "m-2", hlc.now(), "{}"));
        return null;
      });
      long after = mine.dataVersion();
      assertNotEquals(before, after);
      assertEquals(after, mine.dataVersion(), "unchanged until the next foreign commit");
    }
  }

  @Test
  void aWriteByAnotherProcess_reachesTheObserverAsExternal() throws Exception {
    Path db = dir.resolve("shared.db");
    try (Tandem tandem = Tandem.builder().database(db).deviceId("dev-1")
        .observeInterval(Duration.ofMillis(20)).build()) {
      BlockingQueue<DataChange> heard = new LinkedBlockingQueue<>();
      tandem.observe(heard::add);
      tandem.records("message").put("m-own", "{}");
      assertEquals(DataChange.Source.LOCAL, heard.poll(WAIT_SECONDS, TimeUnit.SECONDS).source());

      Process child = new ProcessBuilder(
          Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          System.getProperty("java.class.path"), ExternalWriter.class.getName(), db.toString(),
          "m-ext").redirectErrorStream(true).start();
      String output = readAll(child.getInputStream());
      assertTrue(child.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "the writer did not end");
      assertEquals(0, child.exitValue(), output);

      List<DataChange> seen = new ArrayList<>();
      DataChange external = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (external == null && seen.size() < 100 && System.nanoTime() < deadline) {
        DataChange c = heard.poll(1, TimeUnit.SECONDS);
        if (c != null) {
          seen.add(c);
          external = c.source() == DataChange.Source.EXTERNAL ? c : null;
        }
      }
      assertNotNull(external, "no external change heard; heard " + seen);
      assertTrue(external.affects("message"));
      assertNotNull(tandem.records("message").get("m-ext"), "the observer can read it now");
    }
  }

  private static String readAll(InputStream in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }
}
