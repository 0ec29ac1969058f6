package dev.tandem.bench.wire;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Bytes saved on the wire by gzip, zstd and zstd with the shipped dictionary, on the bodies of
 * {@link WireCorpus}, at the levels the transport and the server use (requests: gzip 1, zstd 3,
 * dictionary 3; pull pages: gzip 1, zstd 1, dictionary 3), and with their rule that a body under
 * 1 KiB goes plain (256 bytes with the dictionary). The "zstd 3" column is zstd at the
 * dictionary's level and threshold without the dictionary: the dictionary's own share. Two shapes: the backlog (an import pushed in batches of up to 1,000 records,
 * pulled in pages of 500) and live (each record pushed alone and pulled alone). Parts: the
 * held-out units (not trained on), all units (training data included), and optionally another
 * corpus's task folders ({@code <dir>/tasks/<owner>__<repo>__<taskId>/}, those not copied into
 * this repository, so never trained on), given as the argument. Run from the repository root after
 * {@code mvn -B -q -pl benchmarks -am package -DskipTests}:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.wire.WireSavings [other-corpus]
 * </pre>
 */
public final class WireSavings {
  /** The transport's and the server's defaults: smaller bodies go plain. */
  private static final int MIN_COMPRESS = 1024;
  private static final int MIN_DICTIONARY = 256;

  private WireSavings() {}

  public static void main(String[] args) throws Exception {
    byte[] dict = Files.readAllBytes(TrainDictionary.RESOURCE);
    System.out.println("| part | bodies | n | raw | gzip | zstd | zstd 3 | zstd 3 + dictionary |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    Path here = Paths.get("sync-history/src/test/resources");
    report("held out", here, u -> u.heldOut, dict);
    report("all (incl. training)", here, u -> true, dict);
    if (args.length > 0) {
      // The task folders of the larger corpus that are not copied here: never trained on.
      Set<String> copied = new HashSet<>();
      try (Stream<Path> s = Files.list(Paths.get("sync-history/src/test/resources/corpus/tasks"))) {
        s.forEach(p -> copied.add(p.getFileName().toString()));
      }
      report("other tasks", work -> WireCorpus.otherTasks(Paths.get(args[0], "tasks"), copied,
          work), u -> true, dict);
    }
  }

  private interface Units {
    List<WireCorpus.Unit> build(Path work) throws IOException;
  }

  private static void report(String label, Path resources, Predicate<WireCorpus.Unit> which,
      byte[] dict) throws IOException {
    report(label, work -> WireCorpus.build(resources, work), which, dict);
  }

  private static void report(String label, Units source, Predicate<WireCorpus.Unit> which,
      byte[] dict) throws IOException {
    Path work = Files.createTempDirectory("tandem-wire");
    try (ZstdDictCompress dictionary = new ZstdDictCompress(dict, 3)) {
      List<WireCorpus.Unit> units = new ArrayList<>(source.build(work));
      units.removeIf(which.negate());
      long[] all = new long[6];
      add(all, row(label, "backlog push bodies", units, u -> u.pushes, 3, dictionary));
      add(all, row(label, "backlog pull pages", units, u -> u.pulls, 1, dictionary));
      add(all, row(label, "live pushes (1 record)", units, WireCorpus.Unit::livePushes, 3,
          dictionary));
      add(all, row(label, "live pulls (1 record)", units, WireCorpus.Unit::livePulls, 1,
          dictionary));
      print(label, "**all four**", all);
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static long[] row(String label, String what, List<WireCorpus.Unit> units,
      Function<WireCorpus.Unit, List<byte[]>> bodies, int zstdLevel, ZstdDictCompress dict) {
    long[] s = new long[6];
    for (WireCorpus.Unit u : units) {
      for (byte[] b : bodies.apply(u)) {
        s[0]++;
        s[1] += b.length;
        boolean worth = b.length >= MIN_COMPRESS;
        s[2] += worth ? gzip(b).length : b.length;
        s[3] += worth ? Zstd.compress(b, zstdLevel).length : b.length;
        // The dictionary's level without it, and with its lower threshold: what the dictionary
        // itself saves.
        if (b.length >= MIN_DICTIONARY) {
          s[4] += Zstd.compress(b, 3).length;
          try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            s[5] += ctx.loadDict(dict).compress(b).length;
          }
        } else {
          s[4] += b.length;
          s[5] += b.length;
        }
      }
    }
    print(label, what, s);
    return s;
  }

  private static void add(long[] sum, long[] s) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += s[i];
    }
  }

  private static void print(String label, String what, long[] s) {
    System.out.printf("| %s | %s | %,d | %,d B | %.1f %% | %.1f %% | %.1f %% | %.1f %% |%n",
        label, what, s[0], s[1], saved(s[2], s[1]), saved(s[3], s[1]), saved(s[4], s[1]),
        saved(s[5], s[1]));
  }

  private static double saved(long compressed, long raw) {
    return raw == 0 ? 0 : 100.0 * (raw - compressed) / raw;
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
