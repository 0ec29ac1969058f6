package dev.tandem.bench.history;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.HistoryImporter;
import dev.tandem.sync.history.MappedTask;
import dev.tandem.sync.history.TaskImportException;
import dev.tandem.sync.history.TaskMapper;
import dev.tandem.sync.history.TaskRecord;
import dev.tandem.sync.internal.Json;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The first import of the Roo / Cline corpus split by thread CPU time, which a loaded machine
 * disturbs far less than wall time: Jackson over every file, the mapping alone, the whole
 * import, and the store alone for the same records (one batch per task, and one batch for all).
 * Medians of N rounds after two warm-ups. Run from the repository root:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.history.HistoryImportCpu [DIR] [N]
 * </pre>
 *
 * DIR is a {@code tasks/} folder (default as {@link HistoryImportBenchmark}), N defaults to 9.
 */
public final class HistoryImportCpu {
  private static final String[] NAMES = {"Jackson readTree of every file",
      "mapping (TaskMapper.map + TaskRecord.json)", "first import (HistoryImporter)",
      "store alone, one batch per task", "store alone, one batch for all"};

  private HistoryImportCpu() {}

  public static void main(String[] args) throws Exception {
    Path corpus = args.length > 0 ? Paths.get(args[0]) : HistoryImportBenchmark.findCorpus();
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    List<Path> files;
    try (Stream<Path> s = Files.walk(corpus)) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    List<Path> tasks;
    try (Stream<Path> s = Files.list(corpus)) {
      tasks = s.filter(Files::isDirectory).filter(TaskMapper::looksLikeTask).sorted().toList();
    }
    Path work = Files.createTempDirectory("tandem-history-cpu");
    long[][] cpu = new long[NAMES.length][rounds];
    try {
      for (int i = 0; i < rounds + 2; i++) {
        long[] t = new long[NAMES.length + 1];
        t[0] = mx.getCurrentThreadCpuTime();
        for (Path p : files) {
          Json.MAPPER.readTree(p.toFile());
        }
        t[1] = mx.getCurrentThreadCpuTime();
        List<List<String[]>> serialised = map(tasks);
        t[2] = mx.getCurrentThreadCpuTime();
        try (Tandem db = open(work, "import" + i)) {
          new HistoryImporter(db, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
              .importDir(corpus, null, null);
        }
        t[3] = mx.getCurrentThreadCpuTime();
        try (Tandem db = open(work, "store" + i)) {
          for (List<String[]> task : serialised) {
            db.batch(b -> task.forEach(r -> b.put(r[0], r[1], r[2])));
          }
        }
        t[4] = mx.getCurrentThreadCpuTime();
        try (Tandem db = open(work, "one" + i)) {
          db.batch(b -> serialised.forEach(task -> task.forEach(r -> b.put(r[0], r[1], r[2]))));
        }
        t[5] = mx.getCurrentThreadCpuTime();
        for (int k = 0; i >= 2 && k < NAMES.length; k++) {
          cpu[k][i - 2] = t[k + 1] - t[k];
        }
      }
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.printf("%s: %d files, %d tasks; thread CPU, median of %d%n", corpus,
        files.size(), tasks.size(), rounds);
    for (int k = 0; k < NAMES.length; k++) {
      Arrays.sort(cpu[k]);
      System.out.printf("| %s | %.0f ms |%n", NAMES[k], cpu[k][rounds / 2] / 1e6);
    }
  }

  private static Tandem open(Path work, String name) {
    return Tandem.builder().database(work.resolve(name + ".db")).autoSync(false).build();
  }

  /** Every task mapped, as type, id and JSON per record, its conversation first. */
  private static List<List<String[]>> map(List<Path> tasks) throws TaskImportException {
    TaskMapper mapper = new TaskMapper(HistoryImporter.DEFAULT_MAX_FILE_BYTES);
    List<List<String[]>> out = new ArrayList<>();
    for (Path f : tasks) {
      MappedTask m = mapper.map(f, null, null);
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"conversation", m.conversationId(), Json.write(m.conversation())});
      for (TaskRecord r : m.records()) {
        rows.add(new String[] {r.type(), r.id(), r.json()});
      }
      out.add(rows);
    }
    return out;
  }
}
