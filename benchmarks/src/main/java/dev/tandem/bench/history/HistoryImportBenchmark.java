package dev.tandem.bench.history;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.HistoryImporter;
import dev.tandem.sync.history.ImportReport;
import dev.tandem.sync.history.MappedTask;
import dev.tandem.sync.history.TaskMapper;
import dev.tandem.sync.history.TaskRecord;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Import of Roo/Cline task folders against plain Jackson parsing of the same files, and re-import
 * of an unchanged history. The corpus is {@code -Dtandem.corpus=DIR} (a {@code tasks/} folder),
 * else {@code ../shared/corpus/tasks}, else the test subset in sync-cli. Each benchmark's time is
 * for the whole corpus; MB/s = corpus bytes (printed at setup) / time.
 *
 * <p>{@code mapOnly} and {@code storeOnly} split the first import in two: the mapping of every
 * task folder without a store, and the store's write path alone (the same records, already
 * serialised, one {@link Tandem#batch} per task, as the importer writes them).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class HistoryImportBenchmark {
  private Path corpus;
  private List<Path> jsonFiles;
  private Path work;
  private Path warmDb;
  private Tandem warm;
  private Path freshDb;
  private List<Path> taskFolders;
  /** Per task: type, id and JSON of every record, conversation first. */
  private List<List<String[]>> serialised;

  static Path findCorpus() {
    String prop = System.getProperty("tandem.corpus");
    if (prop != null) {
      return Paths.get(prop);
    }
    Path shared = Paths.get("").toAbsolutePath().resolveSibling("shared").resolve("corpus")
        .resolve("tasks");
    if (Files.isDirectory(shared)) {
      return shared;
    }
    return Paths.get("sync-history/src/test/resources/corpus/tasks");
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    corpus = findCorpus();
    try (Stream<Path> s = Files.walk(corpus)) {
      jsonFiles = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    long bytes = 0;
    for (Path p : jsonFiles) {
      bytes += Files.size(p);
    }
    System.out.printf("%ncorpus %s: %d JSON files, %d bytes%n", corpus, jsonFiles.size(), bytes);
    work = Files.createTempDirectory("tandem-bench-history");
    warmDb = work.resolve("warm.db");
    warm = Tandem.builder().database(warmDb).autoSync(false).build();
    new HistoryImporter(warm, HistoryImporter.DEFAULT_MAX_FILE_BYTES).importDir(corpus, null, null);
    try (Stream<Path> s = Files.list(corpus)) {
      taskFolders = s.filter(Files::isDirectory).filter(TaskMapper::looksLikeTask).sorted()
          .toList();
    }
    serialised = new ArrayList<>();
    for (MappedTask m : mapAll()) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"conversation", m.conversationId(), Json.write(m.conversation())});
      for (TaskRecord r : m.records()) {
        rows.add(new String[] {r.type(), r.id(), r.json()});
      }
      serialised.add(rows);
    }
  }

  private List<MappedTask> mapAll() throws IOException {
    TaskMapper mapper = new TaskMapper(HistoryImporter.DEFAULT_MAX_FILE_BYTES);
    List<MappedTask> out = new ArrayList<>();
    for (Path f : taskFolders) {
      try {
        out.add(mapper.map(f, null, null));
      } catch (dev.tandem.sync.history.TaskImportException e) {
        throw new IOException(e);
      }
    }
    return out;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    warm.close();
    try (Stream<Path> s = Files.walk(work)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Setup(Level.Invocation)
  public void freshDatabase() throws IOException {
    freshDb = Files.createTempFile(work, "fresh", ".db");
    Files.delete(freshDb);
  }

  /** Baseline: parse every JSON file of the corpus into a Jackson tree. */
  @Benchmark
  public void jacksonParseOnly(Blackhole bh) throws IOException {
    for (Path p : jsonFiles) {
      bh.consume(Json.MAPPER.readTree(p.toFile()));
    }
  }

  /** First import of the whole corpus into an empty database. */
  @Benchmark
  public ImportReport firstImport() throws IOException {
    try (Tandem t = Tandem.builder().database(freshDb).autoSync(false).build()) {
      return new HistoryImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
          .importDir(corpus, null, null);
    }
  }

  /** Part of the first import: mapping every task folder to records, no store. */
  @Benchmark
  public void mapOnly(Blackhole bh) throws IOException {
    for (MappedTask m : mapAll()) {
      for (TaskRecord r : m.records()) {
        bh.consume(r.json());
      }
    }
  }

  /** Part of the first import: the store's write path alone, for records already serialised. */
  @Benchmark
  public void storeOnly() throws IOException {
    try (Tandem t = Tandem.builder().database(freshDb).autoSync(false).build()) {
      for (List<String[]> task : serialised) {
        t.batch(b -> {
          for (String[] r : task) {
            b.put(r[0], r[1], r[2]);
          }
        });
      }
    }
  }

  /** Re-import of the same, unchanged corpus: every task skipped by its fingerprint. */
  @Benchmark
  public ImportReport reimportUnchanged() throws IOException {
    ImportReport r = new HistoryImporter(warm, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
        .importDir(corpus, null, null);
    if (r.recordsWritten() != 0) {
      throw new IllegalStateException("re-import wrote records: " + r);
    }
    return r;
  }
}
