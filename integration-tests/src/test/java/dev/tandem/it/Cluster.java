package dev.tandem.it;

import dev.tandem.sync.Clock;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import dev.tandem.sync.spi.Transport;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A real server on a loopback port and devices with their own SQLite files, closed together. */
final class Cluster implements AutoCloseable {
  static final String TEAM = "team-1";

  private final Path dir;
  private final List<Tandem> devices = new ArrayList<>();
  private TandemServer server;
  private int port;

  Cluster(Path dir) {
    this.dir = dir;
    startServer(0);
  }

  void startServer(int onPort) {
    server = TandemServer.builder().port(onPort).dataDir(dir.resolve("server")).build();
    server.start();
    port = server.port();
  }

  void stopServer() {
    server.close();
  }

  /** Restarts the server on the same port and data directory. */
  void restartServer() {
    stopServer();
    startServer(port);
  }

  TandemServer server() {
    return server;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  Tandem device(String id) {
    return device(id, b -> b);
  }

  Tandem device(String id, UnaryOperator<Tandem.Builder> customize) {
    Tandem t = customize.apply(Tandem.builder()
        .database(dir.resolve(id + ".db"))
        .deviceId(id)
        .server(uri(), server.createToken(TEAM, id), TEAM)
        .autoSync(false))
        .build();
    devices.add(t);
    return t;
  }

  /** A device whose transport is wrapped, e.g. to lose responses. */
  Tandem device(String id, Clock clock, UnaryOperator<Transport> wrap) {
    return device(id, clock, wrap, b -> b);
  }

  /** A device whose transport is wrapped and whose builder is customised further. */
  Tandem device(String id, Clock clock, UnaryOperator<Transport> wrap,
      UnaryOperator<Tandem.Builder> customize) {
    Tandem t = customize.apply(Tandem.builder()
        .database(dir.resolve(id + ".db"))
        .deviceId(id)
        .transport(wrap.apply(transport(id)))
        .clock(clock)
        .autoSync(false))
        .build();
    devices.add(t);
    return t;
  }

  /** A transport of device {@code id} straight to the server, with a token of its own. */
  Transport transport(String id) {
    return new dev.tandem.sync.transport.OkHttpTransportProvider()
        .create(uri(), server.createToken(TEAM, id), TEAM, id);
  }

  @Override
  public void close() {
    for (Tandem t : devices) {
      t.close();
    }
    server.close();
  }
}
