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
 * WireCorpus} (every third unit is held out, for {@link WireSavings}), trained with zstd-jni's
 * {@code ZstdDictTrainer}. The same input gives the same bytes.
 *
 * <p><b>No personal data.</b> The corpus holds real users' history (names, e-mail addresses,
 * local paths), and a dictionary is made of substrings of its samples; it ships in a published
 * jar. So the samples are {@link Scrubber scrubbed} first: a string value, or a line of a long
 * one, is kept only if it occurs in the history of at least {@value Scrubber#OWNERS} different
 * owners (tool boilerplate, enumerations, common words), and an object key only if it looks
 * like a field name and occurs in at least two files; everything else becomes empty. The tool
 * then refuses a dictionary that still holds an e-mail address or a home folder.
 *
 * <p>The samples: the scrubbed changes as push bodies (batches of up to 1,000) and pull pages
 * (500), cut into {@value #SLICE}-byte slices, and as one-change push bodies and pull pages, the
 * live path's bodies, where a dictionary helps most. Run from the repository root:
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
      Scrubber scrubber = new Scrubber(units);
      ZstdDictTrainer trainer = new ZstdDictTrainer((int) (3 * total) + SLICE, DICT_BYTES);
      for (WireCorpus.Unit u : units) {
        if (u.heldOut) {
          continue;
        }
        WireCorpus.Unit clean = scrubber.scrub(u);
        for (List<byte[]> bodies : List.of(clean.pushes, clean.pulls)) {
          for (byte[] body : bodies) {
            for (int from = 0; from < body.length; from += SLICE) {
              trainer.addSample(Arrays.copyOfRange(body, from,
                  Math.min(body.length, from + SLICE)));
            }
          }
        }
        for (List<byte[]> bodies : List.of(clean.livePushes(), clean.livePulls())) {
          for (byte[] body : bodies) {
            trainer.addSample(Arrays.copyOf(body, Math.min(body.length, SLICE)));
          }
        }
      }
      byte[] dict = trainer.trainSamples();
      Scrubber.refusePersonalData(dict);
      return dict;
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
