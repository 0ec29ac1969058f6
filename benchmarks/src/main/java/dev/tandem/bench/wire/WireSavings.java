package dev.tandem.bench.wire;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Bytes saved on the wire by gzip, zstd and zstd with the shipped dictionary, on the push bodies
 * and pull pages of {@link WireCorpus}, at the levels the transport and the server use (requests:
 * gzip 1, zstd 3; pull pages: gzip 1, zstd 1). Rows: the held-out units (not trained on), all
 * units (training data included), and optionally a second corpus folder given as the argument,
 * laid out the same way. Run from the repository root after {@code mvn -B -q -pl benchmarks -am
 * package -DskipTests}:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.wire.WireSavings [other-corpus]
 * </pre>
 */
public final class WireSavings {
  private WireSavings() {}

  public static void main(String[] args) throws Exception {
    byte[] dict = Files.readAllBytes(TrainDictionary.RESOURCE);
    System.out.println("| part | bodies | raw | gzip | zstd | zstd + dictionary |");
    System.out.println("|---|---|---|---|---|---|");
    report("held out (not trained on)", Paths.get("sync-history/src/test/resources"),
        u -> u.heldOut, dict);
    report("all (training data included)", Paths.get("sync-history/src/test/resources"),
        u -> true, dict);
    if (args.length > 0) {
      report("other corpus " + args[0], Paths.get(args[0]), u -> true, dict);
    }
  }

  private static void report(String label, Path resources, Predicate<WireCorpus.Unit> which,
      byte[] dict) throws IOException {
    Path work = Files.createTempDirectory("tandem-wire");
    try (ZstdDictCompress push = new ZstdDictCompress(dict, 3);
        ZstdDictCompress pull = new ZstdDictCompress(dict, 1)) {
      List<WireCorpus.Unit> units = WireCorpus.build(resources, work);
      long[] pushes = new long[4];
      long[] pulls = new long[4];
      int nPush = 0;
      int nPull = 0;
      for (WireCorpus.Unit u : units) {
        if (!which.test(u)) {
          continue;
        }
        for (byte[] b : u.pushes) {
          add(pushes, b, 3, push);
          nPush++;
        }
        for (byte[] b : u.pulls) {
          add(pulls, b, 1, pull);
          nPull++;
        }
      }
      row(label + ", push bodies", nPush, pushes);
      row(label + ", pull pages", nPull, pulls);
      long[] both = new long[4];
      for (int i = 0; i < 4; i++) {
        both[i] = pushes[i] + pulls[i];
      }
      row(label + ", both", nPush + nPull, both);
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void add(long[] sums, byte[] body, int level, ZstdDictCompress dict) {
    sums[0] += body.length;
    sums[1] += gzip(body).length;
    sums[2] += Zstd.compress(body, level).length;
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      sums[3] += ctx.loadDict(dict).compress(body).length;
    }
  }

  private static void row(String label, int n, long[] s) {
    System.out.printf("| %s | %d | %,d B | %.1f %% saved | %.1f %% saved | %.1f %% saved |%n",
        label, n, s[0], saved(s[1], s[0]), saved(s[2], s[0]), saved(s[3], s[0]));
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
