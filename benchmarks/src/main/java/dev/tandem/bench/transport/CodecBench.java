package dev.tandem.bench.transport;

import dev.tandem.sync.Clock;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.server.internal.BatchApplier;
import dev.tandem.sync.transport.internal.ZstdCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The protocol codec's CPU per call, no network: what the push and pull paths spend turning
 * changes into bodies and back. {@code n} message records of ~640 bytes (chat text with JSON
 * escapes and quotes, one in nine with non-ASCII, like agent history):
 *
 * <ul>
 *   <li>{@code encodePush}: the device writes a push body ({@code POST /sync/batch});
 *   <li>{@code encodePushZstd}: the same, compressed as the transport sends it;
 *   <li>{@code decodePush}: the server reads that body and runs the per-entry checks
 *       {@link BatchApplier} makes before its transaction (ids, op, clocks, size, clock bounds);
 *   <li>{@code encodePull}: the server writes a pull page of {@code n} changes;
 *   <li>{@code decodePull}: the device reads it.
 * </ul>
 *
 * Divide a score by {@code n} for the cost per record.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar CodecBench -f 1 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBench {
  @Param({"500", "1000"})
  public int n;

  private static final String DEVICE = "laptop-1";
  private static final long NOW = 1_700_000_000_000L + 10_000_000L;

  private PushRequest push;
  private byte[] pushBody;
  private PullResponse page;
  private byte[] pageBody;
  private BatchApplier applier;

  private static final String ASCII_WORDS = "the a build test failed passed because function "
      + "returns null when cursor is empty so we retry after backoff and the server answers "
      + "with conflict resolution remote wins local device laptop sync pull push batch outbox "
      + "message conversation tool call audit log token error timeout \\\"quoted\\\" path "
      + "C:\\\\Users\\\\dev line\\nbreak tab\\there `code` {braces} [list]";
  private static final String[] WORDS = ASCII_WORDS.split(" ");
  private static final String[] WORDS_NON_ASCII =
      (ASCII_WORDS + " café naïve → ✓ café naïve → ✓").split(" ");

  /**
   * A message record of ~640 bytes, shaped like {@code UserPathBench}'s. One in nine has
   * non-ASCII text, as in that benchmark's corpus (Roo Code / Cline history): in Java such a
   * string is stored as UTF-16, which costs more to convert from and to UTF-8 than ASCII.
   */
  static String message(int i, Random random) {
    String[] words = i % 9 == 0 ? WORDS_NON_ASCII : WORDS;
    StringBuilder sb = new StringBuilder(720);
    sb.append("{\"conversationId\":\"c-").append(i / 100).append("\",\"role\":\"")
        .append(i % 2 == 0 ? "user" : "assistant").append("\",\"ts\":")
        .append(1_700_000_000_000L + i).append(",\"model\":\"claude-sonnet\",\"tokensIn\":")
        .append(random.nextInt(5000)).append(",\"tokensOut\":").append(random.nextInt(900))
        .append(",\"cost\":0.00").append(random.nextInt(1000)).append(",\"content\":\"");
    while (sb.length() < 630) {
      sb.append(words[random.nextInt(words.length)]).append(' ');
    }
    return sb.append("\"}").toString();
  }

  static List<Change> changes(int n, boolean fromServer) {
    Random random = new Random(42);
    List<Change> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String hlc = String.format("%012x-%04x-%s", 1_700_000_000_000L + i, i % 7, DEVICE);
      list.add(new Change("message", "m-" + i, Change.UPSERT, hlc, i % 3 == 0 ? null : hlc,
          message(i, random), fromServer ? i + 1 : 0, fromServer ? DEVICE : null));
    }
    return list;
  }

  @Setup(Level.Trial)
  public void setUp() {
    push = new PushRequest("6f1c2b9e-7d4a-4e8b-9c3f-1a2b3c4d5e6f", DEVICE, changes(n, false));
    pushBody = ProtocolCodec.writePushRequest(push);
    page = new PullResponse(changes(n, true), "c-" + n, true, NOW);
    pageBody = ProtocolCodec.writePullResponse(page);
    Clock clock = () -> NOW;
    // Only the checks before the transaction run here: they need no store.
    applier = new BatchApplier(null, 4L * 1024 * 1024, clock, 300_000);
    if (applier.check(DEVICE, ProtocolCodec.readPushRequest(pushBody)).valid().size() != n) {
      throw new IllegalStateException("the benchmark's changes must all be valid");
    }
    System.out.printf("%n[sizes] push body %,d B (%d B per change); pull page %,d B%n",
        pushBody.length, pushBody.length / n, pageBody.length);
  }

  @Benchmark
  public byte[] encodePush() {
    return ProtocolCodec.writePushRequest(push);
  }

  @Benchmark
  public byte[] encodePushZstd() {
    return ZstdCodec.compress(ProtocolCodec.writePushRequest(push));
  }

  @Benchmark
  public BatchApplier.Checked decodePush() {
    return applier.check(DEVICE, ProtocolCodec.readPushRequest(pushBody));
  }

  @Benchmark
  public byte[] encodePull() {
    return ProtocolCodec.writePullResponse(page);
  }

  @Benchmark
  public PullResponse decodePull() {
    return ProtocolCodec.readPullResponse(pageBody);
  }
}
