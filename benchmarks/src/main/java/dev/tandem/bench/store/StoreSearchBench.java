package dev.tandem.bench.store;

import dev.tandem.sync.Clock;
import dev.tandem.sync.HlcClock;
import dev.tandem.sync.Record;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.spi.StoreConfig;
import dev.tandem.sync.sqlite.HybridStorageBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark (c): a search over 100k messages (1000 conversations), FTS5 through {@code
 * store.search} (bm25-ranked, with snippets, top 20) against a {@code LIKE '%word%'} scan of the
 * same messages (newest 20 matches). {@code zeppelin} occurs in 1% of the messages (1000 hits to
 * rank), {@code quasar} in 0.1% (100 hits). Both queries must find 20 results.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@State(Scope.Benchmark)
public class StoreSearchBench {
  static final int MESSAGES = 100_000;
  static final String[] WORDS = ("refactor parser tokenizer build test commit branch merge file"
      + " function class method import export database schema index query cache thread lock"
      + " queue worker retry backoff server client token request response error warning log"
      + " config option flag path directory stream buffer array list map set string number")
      .split(" ");

  @Param({"zeppelin", "quasar"})
  public String word;

  Path dir;
  HybridStorageBackend store;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("tandem-search-bench");
    store = HybridStorageBackend.open(new StoreConfig(dir.resolve("search.db"),
        StoreConfig.DEFAULT_MAX_RECORD_BYTES, false, Clock.SYSTEM, Set.of()));
    HlcClock hlc = new HlcClock(Clock.SYSTEM, "bench-1");
    Random random = new Random(42);
    for (int start = 0; start < MESSAGES; start += 2000) {
      int from = start;
      store.inTransaction(tx -> {
        for (int i = from; i < from + 2000; i++) {
          if (i % 100 == 0) {
            tx.writeLocal(Record.of("conversation", "c-" + i / 100, hlc.now(),
                "{\"title\":\"conversation " + i / 100 + "\",\"updatedAt\":" + i + "}"));
          }
          StringBuilder text = new StringBuilder();
          for (int w = 0; w < 40; w++) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
          }
          if (i % 100 == 7) {
            text.append("zeppelin ");
          }
          if (i % 1000 == 3) {
            text.append("quasar ");
          }
          tx.writeLocal(Record.of("message", "m-" + i, hlc.now(), "{\"conversationId\":\"c-"
              + i / 100 + "\",\"role\":\"user\",\"ts\":" + i + ",\"content\":\"" + text + "\"}"));
        }
        return null;
      });
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** (c) FTS5: ranked top 20 with snippets and conversation titles. */
  @Benchmark
  public List<SearchHit> c_fts() {
    List<SearchHit> hits = store.search(word, 20);
    if (hits.size() != 20) {
      throw new IllegalStateException("expected 20 hits, got " + hits.size());
    }
    return hits;
  }

  /** (c) Baseline: LIKE scan over the message JSON, newest 20 matches. */
  @Benchmark
  public List<Map<String, Object>> c_likeScan() {
    List<Map<String, Object>> rows = store.query("SELECT id, conversation_id, ts FROM messages"
        + " WHERE deleted = 0 AND data LIKE ? ORDER BY ts DESC LIMIT 20", "%" + word + "%");
    if (rows.size() != 20) {
      throw new IllegalStateException("expected 20 rows, got " + rows.size());
    }
    return rows;
  }
}
