package dev.tandem.bench.wire;

import com.github.luben.zstd.ZstdDictTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds the wire dictionary ({@code dev/tandem/sync/protocol/agent-1.zdict} in sync-core) from
 * the agent history in {@code sync-history/src/test/resources}: the training units of {@link
 * WireCorpus} (every third unit is held out, for {@link WireSavings}), their push bodies and pull
 * pages cut into {@value #SLICE}-byte samples, trained with zstd-jni's {@code ZstdDictTrainer}.
 * The same input gives the same bytes. Run from the repository root:
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.wire.TrainDictionary --check
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.wire.TrainDictionary --write
 * </pre>
 *
 * {@code --check} (the default) exits 1 if the committed dictionary is not what this builds;
 * {@code --write} replaces it. A changed dictionary must get a new id (see {@code
 * WireDictionary}): devices and servers with the old one would otherwise disagree on the bytes.
 */
public final class TrainDictionary {
  /** The dictionary's size: large enough for the records' shared vocabulary, small to ship. */
  static final int DICT_BYTES = 96 * 1024;
  /** Sample size: a dictionary helps a frame's first kilobytes most, so it learns from those. */
  static final int SLICE = 4096;
  static final Path RESOURCE =
      Paths.get("sync-core/src/main/resources/dev/tandem/sync/protocol/agent-1.zdict");

  private TrainDictionary() {}

  public static void main(String[] args) throws Exception {
    boolean write = Arrays.asList(args).contains("--write");
    Path resources = Paths.get("sync-history/src/test/resources");
    byte[] dict = train(resources);
    System.out.printf("trained %d bytes, sha256 %s%n", dict.length, sha256(dict));
    if (write) {
      Files.createDirectories(RESOURCE.getParent());
      Files.write(RESOURCE, dict);
      System.out.println("wrote " + RESOURCE);
      return;
    }
    byte[] committed = Files.exists(RESOURCE) ? Files.readAllBytes(RESOURCE) : new byte[0];
    if (!Arrays.equals(committed, dict)) {
      System.out.printf("MISMATCH: %s is %d bytes, sha256 %s%n", RESOURCE, committed.length,
          sha256(committed));
      System.exit(1);
    }
    System.out.println("OK: " + RESOURCE + " is what this builds");
  }

  /** Trains on the training units of the corpus under {@code resources}. */
  static byte[] train(Path resources) throws IOException {
    Path work = Files.createTempDirectory("tandem-dict");
    try {
      List<WireCorpus.Unit> units = WireCorpus.build(resources, work);
      long total = 0;
      for (WireCorpus.Unit u : units) {
        if (!u.heldOut) {
          total += u.rawBytes();
        }
      }
      ZstdDictTrainer trainer = new ZstdDictTrainer((int) total + SLICE, DICT_BYTES);
      for (WireCorpus.Unit u : units) {
        if (u.heldOut) {
          continue;
        }
        for (List<byte[]> bodies : List.of(u.pushes, u.pulls)) {
          for (byte[] body : bodies) {
            for (int from = 0; from < body.length; from += SLICE) {
              trainer.addSample(Arrays.copyOfRange(body, from,
                  Math.min(body.length, from + SLICE)));
            }
          }
        }
      }
      return trainer.trainSamples();
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    StringBuilder sb = new StringBuilder();
    for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }
}
