package dev.tandem.bench.redact;

import dev.tandem.sync.redact.Redactors;
import dev.tandem.sync.spi.Redactor;
import java.nio.charset.StandardCharsets;
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
 * One {@code redact(type, id, json)} of a message record as the push path sends it: about 600
 * bytes of JSON (ids, role, an assistant reply of prose with a URL and inline code, clock,
 * {@code tokensIn}/{@code tokensOut}, cost, model metadata).
 *
 * <ul>
 *   <li>{@code typical}: no secret, and nothing but ordinary words in it;
 *   <li>{@code mentions}: the reply quotes code that names keys ({@code api_key =
 *       os.getenv(...)}, {@code Authorization: Bearer $TOKEN}), so keywords hit and rules run,
 *       but nothing is masked;
 *   <li>{@code secret}: the typical reply with an OpenAI-style key in it (masked);
 *   <li>{@code agent}: 1,000 messages of {@link dev.tandem.bench.e2e.UserPathBench} (Roo Code /
 *       Cline text from {@code sync-history/src/test/resources/corpus}, full of escapes, tool output,
 *       quoted {@code tokensIn}), one per call in turn; run from the repository's root.
 * </ul>
 *
 * <p>{@code impl=rules} is {@code Redactors.defaults()}; {@code impl=legacy} the previous
 * redactor (regular expressions over the raw document), measured in the same run as baseline.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class RedactorBench {
  @Param({"rules", "legacy"})
  public String impl;

  @Param({"typical", "mentions", "secret", "agent"})
  public String message;

  private Redactor redactor;
  private String json;
  private String[] agent;
  private int next;

  static final String TYPICAL_REPLY = "I updated the sync worker so that a page of pulled "
      + "changes is applied in one transaction, together with the new cursor. The retry loop now "
      + "waits with jittered backoff instead of a fixed delay; see the guide at "
      + "https://docs.example.org/sync/retries for the schedule. Run `mvn -pl sync-core test` to "
      + "check it, then ask me if the logs look wrong. Nothing in the public API changed.";
  static final String MENTIONS_REPLY = "Read the key from the environment instead of the code: "
      + "`api_key = os.getenv(\"OPENAI_API_KEY\")`, and send it as `Authorization: Bearer "
      + "$TOKEN`. In CI use `token: ${{ secrets.GITHUB_TOKEN }}` so no password is committed. "
      + "The retry loop now waits with jittered backoff instead of a fixed delay; run the tests "
      + "again after the change.";
  static final String SECRET_REPLY = TYPICAL_REPLY.replace("to check it",
      "with OPENAI_API_KEY=sk-proj-4fQ9zR2mT7xK1vB8nL3cW6yH0dJ5gS2aE9uP4oI7 to check it");

  static String record(String reply) {
    return "{\"id\":\"m-01HZX3Q9K7\",\"conversationId\":\"c-01HZX3N2B4\",\"role\":\"assistant\","
        + "\"content\":\"" + reply.replace("\"", "\\\"") + "\",\"ts\":1764547200123,"
        + "\"tokensIn\":18342,\"tokensOut\":512,\"cost\":0.0271,"
        + "\"metadata\":{\"model\":\"claude-sonnet-4-5\",\"provider\":\"anthropic\"}}";
  }

  @Setup(Level.Trial)
  public void setUp() {
    redactor = "legacy".equals(impl) ? LegacyRedactor.defaults() : Redactors.defaults();
    switch (message) {
      case "mentions":
        json = record(MENTIONS_REPLY);
        break;
      case "secret":
        json = record(SECRET_REPLY);
        break;
      case "agent":
        agent = dev.tandem.bench.e2e.UserPathBench.agentMessages(1000);
        json = agent[0];
        break;
      default:
        json = record(TYPICAL_REPLY);
    }
    String once = redactor.redact("message", "m", json);
    boolean changed = !once.equals(json);
    if ("secret".equals(message) && !changed) {
      throw new IllegalStateException(impl + " did not mask the secret");
    }
    if (!"secret".equals(message) && !"agent".equals(message) && changed
        && "rules".equals(impl)) {
      throw new IllegalStateException("rules changed a message without a secret: " + once);
    }
  }

  @Benchmark
  public String redact() {
    if (agent != null) {
      next = next + 1 == agent.length ? 0 : next + 1;
      return redactor.redact("message", "m-01HZX3Q9K7", agent[next]);
    }
    return redactor.redact("message", "m-01HZX3Q9K7", json);
  }

  /** Prints the sizes of the three records (for the results table). */
  public static void main(String[] args) {
    for (String r : new String[] {TYPICAL_REPLY, MENTIONS_REPLY, SECRET_REPLY}) {
      System.out.println(record(r).getBytes(StandardCharsets.UTF_8).length + " bytes");
    }
  }
}
