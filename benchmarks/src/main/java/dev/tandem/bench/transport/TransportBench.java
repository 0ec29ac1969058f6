package dev.tandem.bench.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.transport.Compression;
import dev.tandem.sync.transport.OkHttpTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The OkHttp transport's cost per call on loopback, against a JDK {@code HttpServer} that drains
 * the body and answers a canned response (so the figures are client + loopback, no server work):
 * a push of 100 messages of ~600 bytes with each compression, and a pull of a 500-change page.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar TransportBench -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TransportBench {
  @Param({"NONE", "GZIP", "ZSTD"})
  public String compression;

  private HttpServer server;
  private OkHttpTransport transport;
  private PushRequest batch;

  private static final String[] WORDS = ("the a build test failed passed because function "
      + "returns null when cursor is empty so we retry after backoff and the server answers with "
      + "conflict resolution remote wins local device laptop desk sync pull push batch outbox "
      + "message conversation tool call audit log token team error timeout network socket "
      + "gzip zstd json parse field value string number array object index migration schema "
      + "table column query insert update delete select where order limit offset commit").split(" ");

  /** ~600 bytes of English-like text: compresses about as well as real chat content. */
  static String payload(int i) {
    java.util.Random random = new java.util.Random(i);
    StringBuilder sb = new StringBuilder(700);
    sb.append("{\"conversationId\":\"c-").append(i / 100).append("\",\"role\":\"")
        .append(i % 2 == 0 ? "user" : "assistant").append("\",\"ts\":")
        .append(1_700_000_000_000L + i).append(",\"content\":\"");
    while (sb.length() < 590) {
      sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
      if (random.nextInt(12) == 0) {
        sb.append(random.nextInt(100_000)).append(". ");
      }
    }
    return sb.append("\"}").toString();
  }

  static List<Change> changes(int n, boolean fromServer) {
    List<Change> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String hlc = String.format("%012x-%04x-laptop-1", 1_700_000_000_000L + i, 0);
      list.add(new Change("message", "m-" + i, Change.UPSERT, hlc, null, payload(i),
          fromServer ? i + 1 : 0, fromServer ? "laptop-1" : null));
    }
    return list;
  }

  @Setup(Level.Trial)
  public void start() throws IOException {
    byte[] pushOk = ProtocolCodec.writePushResponse(new PushResponse(true,
        Collections.singletonMap("message", 100), Collections.emptyList(),
        Collections.emptyList(), "c-100"));
    byte[] page = ProtocolCodec.writePullResponse(
        new PullResponse(changes(500, true), "c-500", true, 1_700_000_000_000L));
    // Without it the JDK server's separate header and body writes meet the client's delayed ACK
    // (Nagle): every call then costs ~40 ms of pure waiting, which is not the transport's cost.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext("/sync/batch", ex -> answer(ex, pushOk));
    server.createContext("/sync/pull", ex -> answer(ex, page));
    server.start();
    transport = OkHttpTransport.builder()
        .baseUrl(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .token("bench").teamId("team-1").deviceId("laptop-1")
        .compression(Compression.valueOf(compression))
        .build();
    batch = new PushRequest(UUID.randomUUID().toString(), "laptop-1", changes(100, false));
    byte[] json = ProtocolCodec.writePushRequest(batch);
    System.out.printf("%n[sizes] push body: json %d B, gzip %d B; pull page json %d B%n",
        json.length, gzip(json).length, page.length);
  }

  private static void answer(HttpExchange ex, byte[] body) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  @TearDown(Level.Trial)
  public void stop() {
    transport.close();
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  /** One {@code POST /sync/batch} of 100 messages (~66 KB of JSON before compression). */
  @Benchmark
  public PushResponse push100() {
    return transport.push(batch);
  }

  /** One {@code GET /sync/pull} page of 500 changes (~330 KB), parsed by the codec. */
  @Benchmark
  public PullResponse pull500() {
    return transport.pull("c-0", 500);
  }
}
