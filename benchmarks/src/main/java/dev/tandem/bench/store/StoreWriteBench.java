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
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmarks (a) and (b) of the store: one message written through Tandem (record + outbox entry
 * + search index + conversation activity, one transaction) against a bare sqlite-jdbc INSERT of
 * the same row into a table of the same shape, with the same pragmas (WAL, synchronous=NORMAL);
 * then 100 messages per transaction, both ways. Scores are per message.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@State(Scope.Benchmark)
public class StoreWriteBench {
  static final String TEXT = "Please refactor the tokenizer so that it streams its input instead"
      + " of reading the whole file; keep the public API and add a test for the empty file."
      + " The current implementation allocates a char array per line, which shows up in the"
      + " profiler when importing large histories. ";

  Path dir;
  HybridStorageBackend store;
  HlcClock hlc;
  Connection bare;
  PreparedStatement bareInsert;
  long n;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("tandem-store-bench");
    store = HybridStorageBackend.open(new StoreConfig(dir.resolve("tandem.db"),
        StoreConfig.DEFAULT_MAX_RECORD_BYTES, false, Clock.SYSTEM, Set.of()));
    hlc = new HlcClock(Clock.SYSTEM, "bench-1");
    store.inTransaction(tx -> {
      for (int c = 0; c < 100; c++) {
        tx.writeLocal(Record.of("conversation", "c-" + c, hlc.now(),
            "{\"title\":\"conversation " + c + "\",\"updatedAt\":1}"));
      }
      return null;
    });
    bare = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bare.db"));
    try (Statement st = bare.createStatement()) {
      st.execute("PRAGMA journal_mode = WAL");
      st.execute("PRAGMA synchronous = NORMAL");
      st.execute("PRAGMA temp_store = MEMORY");
      st.execute("CREATE TABLE messages (id TEXT NOT NULL, hlc TEXT NOT NULL,"
          + " deleted INTEGER NOT NULL DEFAULT 0, data TEXT, base_hlc TEXT, base_deleted INTEGER,"
          + " base_data TEXT, conversation_id TEXT, ts INTEGER NOT NULL DEFAULT 0, role TEXT,"
          + " PRIMARY KEY (id))");
      st.execute("CREATE INDEX messages_conversation ON messages(conversation_id, deleted, ts, id)");
    }
    bareInsert = bare.prepareStatement("INSERT INTO messages (id, hlc, deleted, data,"
        + " conversation_id, ts, role) VALUES (?, ?, 0, ?, ?, ?, ?)");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    store.close();
    bareInsert.close();
    bare.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String json(long i, String conversation) {
    return "{\"conversationId\":\"" + conversation + "\",\"role\":\"user\",\"ts\":" + i
        + ",\"content\":\"" + TEXT + i + "\"}";
  }

  private Record nextRecord() {
    long i = ++n;
    return Record.of("message", "m-" + i, hlc.now(), json(i, "c-" + (i % 100)));
  }

  private void bareInsertOne() throws SQLException {
    long i = ++n;
    String c = "c-" + (i % 100);
    bareInsert.setString(1, "m-" + i);
    bareInsert.setString(2, hlc.now().toString());
    bareInsert.setString(3, json(i, c));
    bareInsert.setString(4, c);
    bareInsert.setLong(5, i);
    bareInsert.setString(6, "user");
    bareInsert.executeUpdate();
  }

  /** (a) Tandem: one message, its outbox entry, index and activity, in one transaction. */
  @Benchmark
  public void a_tandemOneMessage() {
    Record r = nextRecord();
    store.inTransaction(tx -> {
      tx.writeLocal(r);
      return null;
    });
  }

  /** (a) Baseline: one autocommitted INSERT of the same row. */
  @Benchmark
  public void a_bareInsertOneMessage() throws SQLException {
    bareInsertOne();
  }

  /** (b) Tandem: 100 messages in one transaction; the score is per message. */
  @Benchmark
  @OperationsPerInvocation(100)
  public void b_tandem100PerTransaction() {
    store.inTransaction(tx -> {
      for (int k = 0; k < 100; k++) {
        tx.writeLocal(nextRecord());
      }
      return null;
    });
  }

  /** (b) Baseline: 100 INSERTs between BEGIN and COMMIT; the score is per message. */
  @Benchmark
  @OperationsPerInvocation(100)
  public void b_bareInsert100PerTransaction() throws SQLException {
    try (Statement st = bare.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      for (int k = 0; k < 100; k++) {
        bareInsertOne();
      }
      st.execute("COMMIT");
    }
  }
}
