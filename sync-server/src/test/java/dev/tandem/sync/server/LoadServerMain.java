package dev.tandem.sync.server;

import java.io.IOException;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * A server started as a child process by {@link OverloadTest}, so that its memory can be read
 * apart from the load generator's. Prints {@code READY <port> <token>} once serving, and stops
 * when its standard input closes (or when the test kills it).
 *
 * <p>Arguments: data directory, then {@code key=value} limits (see {@link #main}).
 */
public final class LoadServerMain {
  private LoadServerMain() {}

  public static void main(String[] args) throws IOException {
    TandemServer.Builder b = TandemServer.builder().port(0).dataDir(Paths.get(args[0]));
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      int n = Integer.parseInt(kv[1]);
      switch (kv[0]) {
        case "requests" -> b.maxConcurrentRequests(n);
        case "queued" -> b.maxQueuedRequests(n);
        case "queueMs" -> b.queueTimeout(Duration.ofMillis(n));
        case "uploads" -> b.maxConcurrentUploads(n);
        case "bodyMs" -> b.bodyReadTimeout(Duration.ofMillis(n));
        case "idleMs" -> b.idleTimeout(Duration.ofMillis(n));
        case "threads" -> b.maxThreads(n);
        default -> throw new IllegalArgumentException("unknown option " + kv[0]);
      }
    }
    try (TandemServer server = b.build().start()) {
      String token = server.createToken("team-1", "device-1");
      System.out.println("READY " + server.port() + " " + token);
      System.out.flush();
      while (System.in.read() >= 0) {
        // Runs until the parent closes our input.
      }
    }
  }
}
