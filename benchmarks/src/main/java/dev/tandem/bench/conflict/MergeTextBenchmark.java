package dev.tandem.bench.conflict;

import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.conflict.MergeResult;
import dev.tandem.sync.conflict.ThreeWayMerge;
import dev.tandem.sync.spi.ConflictResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ThreeWayMerge#mergeText} on texts of 1 KB, 100 KB and 1 MB (lines of about 40 characters
 * drawn from a 200-word vocabulary), each side changing one word in some lines: {@code few} = 3
 * lines per side, scattered; {@code many} = one line in 10 per side (about 10% of lines each,
 * some adjacent to the other side's, which exercises word refinement). Also one record merge.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class MergeTextBenchmark {
  @Param({"1024", "102400", "1048576"})
  public int size;

  @Param({"few", "many"})
  public String edits;

  private String base;
  private String local;
  private String remote;
  private String unrelatedBase;
  private String unrelatedLocal;
  private String unrelatedRemote;

  private final ConflictResolver merge = ThreeWayMerge.create();
  private Record recBase;
  private Record recLocal;
  private Record recRemote;

  @Setup(Level.Trial)
  public void setUp() {
    Random rnd = new Random(42);
    String[] vocab = new String[200];
    for (int i = 0; i < vocab.length; i++) {
      vocab[i] = Integer.toString(i * 7919 % 100_003, 36) + "w" + i;
    }
    List<String> lines = new ArrayList<>();
    int chars = 0;
    while (chars < size) {
      StringBuilder sb = new StringBuilder();
      while (sb.length() < 36) {
        sb.append(vocab[rnd.nextInt(vocab.length)]).append(' ');
      }
      sb.setLength(sb.length() - 1);
      sb.append('\n');
      lines.add(sb.toString());
      chars += sb.length();
    }
    int n = lines.size();
    int perSide = "few".equals(edits) ? Math.min(3, n) : Math.max(1, n / 10);
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      positions.add(i);
    }
    Collections.shuffle(positions, rnd);
    List<String> l = new ArrayList<>(lines);
    List<String> r = new ArrayList<>(lines);
    for (int k = 0; k < 2 * perSide && k < n; k++) {
      int at = positions.get(k);
      List<String> side = k % 2 == 0 ? l : r;
      String[] words = side.get(at).trim().split(" ");
      words[rnd.nextInt(words.length)] = (k % 2 == 0 ? "LOCAL" : "REMOTE") + k;
      side.set(at, String.join(" ", words) + "\n");
    }
    base = String.join("", lines);
    local = String.join("", l);
    remote = String.join("", r);

    Random r2 = new Random(7);
    unrelatedBase = binaryLines(r2, 1 << 20);
    unrelatedLocal = binaryLines(r2, 1 << 20);
    unrelatedRemote = binaryLines(r2, 1 << 20);

    recBase = Record.of("note", "n-1", Hlc.of(1_000, 0, "origin"),
        "{\"title\":\"Groceries\",\"done\":false,\"price\":12.50,"
            + "\"body\":\"milk\\neggs\\nbread\\n\",\"tags\":[\"home\"],\"meta\":{\"v\":1}}");
    recLocal = Record.of("note", "n-1", Hlc.of(2_000, 0, "phone"),
        "{\"title\":\"Groceries!\",\"done\":false,\"price\":12.50,"
            + "\"body\":\"oat milk\\neggs\\nbread\\n\",\"tags\":[\"home\"],\"meta\":{\"v\":2}}");
    recRemote = Record.of("note", "n-1", Hlc.of(2_001, 0, "laptop"),
        "{\"title\":\"Groceries\",\"done\":true,\"price\":12.50,"
            + "\"body\":\"milk\\neggs\\nrye bread\\n\",\"tags\":[\"home\",\"x\"],\"meta\":{\"v\":3}}");
  }

  @Benchmark
  public MergeResult mergeText() {
    return ThreeWayMerge.mergeText(base, local, remote);
  }

  /**
   * The diff's worst case, bounded by its work cap: two unrelated 1 MB texts whose lines are "a"
   * and "b" at random (≈ 500,000 lines a side; an exact diff would take about 10^11 steps).
   * Independent of the parameters (run it with -p size=1024 -p edits=few).
   */
  @Benchmark
  public MergeResult mergeUnrelated() {
    return ThreeWayMerge.mergeText(unrelatedBase, unrelatedLocal, unrelatedRemote);
  }

  private static String binaryLines(Random rnd, int bytes) {
    StringBuilder sb = new StringBuilder(bytes + 2);
    while (sb.length() < bytes) {
      sb.append(rnd.nextBoolean() ? "a\n" : "b\n");
    }
    return sb.toString();
  }

  /** One record merge; independent of the size parameters (run it with -p size=1024). */
  @Benchmark
  public ConflictResolver.Resolution resolveRecord() {
    return merge.resolve(recBase, recLocal, recRemote);
  }
}
