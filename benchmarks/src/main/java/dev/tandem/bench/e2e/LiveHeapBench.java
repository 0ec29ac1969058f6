package dev.tandem.bench.e2e;

import dev.tandem.sync.server.TandemServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Heap the sync server spends per idle live connection. The server runs in its own JVM (so the
 * clients' memory is not counted) and reports its used heap after a full GC; this process opens
 * idle WebSocket connections to {@code /sync/live} in steps.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tandem.bench.e2e.LiveHeapBench 1000 5000
 * </pre>
 */
public final class LiveHeapBench {
  private LiveHeapBench() {}

  /** The server side: prints its port and token, then answers "heap" with used heap bytes. */
  public static final class ServerMain {
    public static void main(String[] args) throws Exception {
      Path dir = Files.createTempDirectory("tandem-heap");
      try (TandemServer server = TandemServer.builder().port(0).dataDir(dir).build()) {
        server.start();
        System.out.println("PORT " + server.port() + " " + server.createToken("t", "d"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
            StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("quit")) {
          for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
          }
          Runtime rt = Runtime.getRuntime();
          System.out.println("HEAP " + (rt.totalMemory() - rt.freeMemory()) + " "
              + server.liveConnections());
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    String javaBin = System.getProperty("java.home") + File.separator + "bin" + File.separator
        + "java";
    Process p = new ProcessBuilder(javaBin, "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), ServerMain.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
    PrintWriter cmd = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8);
    String[] hello = out.readLine().split(" ");
    URI uri = URI.create("ws://127.0.0.1:" + hello[1] + "/sync/live");
    String token = hello[2];
    HttpClient client = HttpClient.newHttpClient();
    List<WebSocket> sockets = new ArrayList<>();
    cmd.println("heap");
    String[] base = out.readLine().split(" ");
    long baseline = Long.parseLong(base[1]);
    System.out.printf("server heap with no connections: %.1f MB%n", baseline / 1048576.0);
    System.out.printf("%12s %14s %18s%n", "connections", "server heap", "per connection");
    for (String a : args) {
      int target = Integer.parseInt(a);
      while (sockets.size() < target) {
        List<CompletableFuture<WebSocket>> batch = new ArrayList<>();
        for (int i = 0; i < 200 && sockets.size() + batch.size() < target; i++) {
          batch.add(client.newWebSocketBuilder()
              .header("Authorization", "Bearer " + token)
              .header("X-Team-ID", "t").header("X-Device-ID", "d")
              .buildAsync(uri, new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                  ws.request(1);
                  return null;
                }
              }));
        }
        for (CompletableFuture<WebSocket> f : batch) {
          WebSocket ws = f.get(30, TimeUnit.SECONDS);
          ws.sendText("{\"type\":\"hello\",\"cursor\":\"\"}", true);
          sockets.add(ws);
        }
      }
      Thread.sleep(1000);
      cmd.println("heap");
      String[] h = out.readLine().split(" ");
      long heap = Long.parseLong(h[1]);
      System.out.printf("%12s %11.1f MB %15.1f KB%n", h[2], heap / 1048576.0,
          (heap - baseline) / 1024.0 / sockets.size());
    }
    cmd.println("quit");
    for (WebSocket ws : sockets) {
      ws.abort();
    }
    p.waitFor(30, TimeUnit.SECONDS);
    p.destroy();
  }
}
