package dev.tandem.bench.wire;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * CPU per body of each coding, compressing and inflating, on held-out bodies of {@link
 * WireCorpus}: the largest backlog push body, and the median single-record live push. The calls
 * are the ones the transport and the server make (a shared digested dictionary, a stream to
 * inflate). Run from the repository root (the corpus is read from there):
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar WireCodecBench -f 1 -wi 3 -w 2s -i 5 -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WireCodecBench {
  @Param({"backlog", "live"})
  public String shape;

  @Param({"gzip1", "zstd1", "zstd3", "dict3"})
  public String coding;

  private byte[] body;
  private byte[] compressed;
  private ZstdDictCompress dictCompress;
  private ZstdDictDecompress dictDecompress;

  @Setup
  public void setUp() throws IOException {
    byte[] dict = Files.readAllBytes(TrainDictionary.RESOURCE);
    dictCompress = new ZstdDictCompress(dict, 3);
    dictDecompress = new ZstdDictDecompress(dict);
    Path work = Files.createTempDirectory("tandem-codec-bench");
    try {
      List<byte[]> bodies = new ArrayList<>();
      for (WireCorpus.Unit u : WireCorpus.build(Paths.get("sync-history/src/test/resources"),
          work)) {
        if (u.heldOut) {
          bodies.addAll(shape.equals("backlog") ? u.pushes : u.livePushes());
        }
      }
      bodies.sort(Comparator.comparingInt(b -> b.length));
      body = shape.equals("backlog") ? bodies.get(bodies.size() - 1)
          : bodies.get(bodies.size() / 2);
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    compressed = compress();
    System.out.printf("%n%s %s: %d B -> %d B%n", shape, coding, body.length, compressed.length);
  }

  @TearDown
  public void tearDown() {
    dictCompress.close();
    dictDecompress.close();
  }

  @Benchmark
  public byte[] compress() {
    switch (coding) {
      case "gzip1":
        return WireSavings.gzip(body);
      case "zstd1":
        return Zstd.compress(body, 1);
      case "zstd3":
        return Zstd.compress(body, 3);
      default:
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
          return ctx.loadDict(dictCompress).compress(body);
        }
    }
  }

  @Benchmark
  public long inflate() throws IOException {
    InputStream raw = new ByteArrayInputStream(compressed);
    InputStream in = coding.equals("gzip1") ? new GZIPInputStream(raw, 8192)
        : coding.equals("dict3") ? new ZstdInputStream(raw).setDict(dictDecompress)
        : new ZstdInputStream(raw);
    try (in) {
      byte[] buf = new byte[8192];
      long n = 0;
      int r;
      while ((r = in.read(buf)) != -1) {
        n += r;
      }
      return n;
    }
  }
}
