package dev.tandem.bench.fault;

import dev.tandem.sync.server.TandemServer;
import java.nio.file.Paths;

/**
 * The server as a child process of {@link FaultSuite}, so that it can be killed with SIGKILL.
 * {@code ServerMain <dataDir> <port> [<team> <device>...]}: serves the SQLite store in {@code
 * dataDir} on {@code port} (0 = any), creates a token for each team/device pair given, prints
 * {@code READY <port> <token>...} and serves until killed or its input closes.
 */
public final class ServerMain {
  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    try (TandemServer server = TandemServer.builder().dataDir(Paths.get(args[0]))
        .port(Integer.parseInt(args[1])).build().start()) {
      StringBuilder ready = new StringBuilder("READY ").append(server.port());
      for (int i = 2; i + 1 < args.length; i += 2) {
        ready.append(' ').append(server.createToken(args[i], args[i + 1]));
      }
      System.out.println(ready);
      System.out.flush();
      while (System.in.read() >= 0) {
        // Serves until the parent closes our input or kills us.
      }
    }
  }
}
