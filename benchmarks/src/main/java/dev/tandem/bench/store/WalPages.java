package dev.tandem.bench.store;

import dev.tandem.sync.Clock;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.StoreConfig;
import dev.tandem.sync.sqlite.HybridStorageBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Set;

/**
 * Counts the WAL pages each commit writes, Tandem against the bare insert of {@link
 * StoreWriteBench}: a load-independent measure of what one write costs the disk. Run with {@code
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.store.WalPages}.
 */
public final class WalPages {
  private static final double FRAME = 4096 + 24;

  private WalPages() {}

  public static void main(String[] args) throws Exception {
    for (int perTx : new int[] {1, 100}) {
      run(perTx);
    }
  }

  static void run(int perTx) throws Exception {
    Path dir = Files.createTempDirectory("tandem-wal-pages");
    HybridStorageBackend store = HybridStorageBackend.open(new StoreConfig(dir.resolve("t.db"),
        StoreConfig.DEFAULT_MAX_RECORD_BYTES, false, Clock.SYSTEM, Set.of()));
    HlcClock hlc = new HlcClock(Clock.SYSTEM, "bench-1");
    store.inTransaction(tx -> {
      for (int c = 0; c < 100; c++) {
        tx.writeLocal(Record.of("conversation", "c-" + c, hlc.now(),
            "{\"title\":\"x\",\"updatedAt\":1}"));
      }
      return null;
    });
    store.execute("PRAGMA wal_autocheckpoint = 0");
    try (Connection bare = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bare.db"));
        Statement st = bare.createStatement()) {
      st.execute("PRAGMA journal_mode = WAL");
      st.execute("PRAGMA synchronous = NORMAL");
      st.execute("CREATE TABLE messages (id TEXT NOT NULL, hlc TEXT NOT NULL,"
          + " deleted INTEGER NOT NULL DEFAULT 0, data TEXT, base_hlc TEXT, base_deleted INTEGER,"
          + " base_data TEXT, conversation_id TEXT, ts INTEGER NOT NULL DEFAULT 0, role TEXT,"
          + " PRIMARY KEY (id))");
      st.execute("CREATE INDEX messages_conversation ON messages(conversation_id, deleted, ts, id)");
      st.execute("PRAGMA wal_autocheckpoint = 0");
      long tandem0 = Files.size(dir.resolve("t.db-wal"));
      long bare0 = Files.size(dir.resolve("bare.db-wal"));
      int commits = 300;
      long n = 0;
      for (int t = 0; t < commits; t++) {
        long base = n;
        store.inTransaction(tx -> {
          for (int i = 1; i <= perTx; i++) {
            long k = base + i;
            tx.writeLocal(Record.of("message", "m-" + k, hlc.now(), json(k)));
          }
          return null;
        });
        n += perTx;
      }
      // New messages reach the search index in batches; a search indexes what is still waiting,
      // so that the pages counted are all the work the writes caused.
      store.history().search("tokenizer", 1);
      n = 0;
      try (PreparedStatement ins = bare.prepareStatement("INSERT INTO messages (id, hlc, deleted,"
          + " data, conversation_id, ts, role) VALUES (?, ?, 0, ?, ?, ?, ?)")) {
        for (int t = 0; t < commits; t++) {
          if (perTx > 1) {
            st.execute("BEGIN IMMEDIATE");
          }
          for (int i = 0; i < perTx; i++) {
            long k = ++n;
            ins.setString(1, "m-" + k);
            ins.setString(2, hlc.now().toString());
            ins.setString(3, json(k));
            ins.setString(4, "c-" + (k % 100));
            ins.setLong(5, k);
            ins.setString(6, "user");
            ins.executeUpdate();
          }
          if (perTx > 1) {
            st.execute("COMMIT");
          }
        }
      }
      double tandem = (Files.size(dir.resolve("t.db-wal")) - tandem0) / FRAME / commits;
      double bareP = (Files.size(dir.resolve("bare.db-wal")) - bare0) / FRAME / commits;
      System.out.printf("%d message(s) per commit: Tandem %.1f WAL pages/commit, bare INSERT %.1f,"
          + " ratio %.2f%n", perTx, tandem, bareP, tandem / bareP);
    } finally {
      store.close();
    }
  }

  static String json(long k) {
    return "{\"conversationId\":\"c-" + (k % 100) + "\",\"role\":\"user\",\"ts\":" + k
        + ",\"content\":\"" + StoreWriteBench.TEXT + k + "\"}";
  }
}
