package dev.tandem.bench.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 between devices and the server that breaks connections on purpose.
 * Each accepted connection draws one {@link Fault} from a seeded random source, and the byte at
 * which it strikes, so that a run's faults follow from its seed.
 */
final class FaultProxy implements AutoCloseable {
  /** What happens to one proxied connection. */
  enum Fault {
    /** Passed through untouched. */
    NONE,
    /** Part of the request reaches the server, then both sides are closed. */
    DROP_REQUEST,
    /** The whole request reaches the server, then the connection closes before any answer. */
    DROP_RESPONSE,
    /** Every chunk of the answer is held back a while. */
    DELAY,
    /** Part of the answer arrives, then the client gets a TCP reset. */
    RESET_MID_RESPONSE,
    /** Part of the answer arrives, then a clean close, as if the answer had ended there. */
    TRUNCATE
  }

  private final ServerSocket listener;
  private final int targetPort;
  private final Random random;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Map<Fault, AtomicLong> counts = new EnumMap<>(Fault.class);
  private volatile boolean closed;

  FaultProxy(int targetPort, long seed) throws IOException {
    this.targetPort = targetPort;
    this.random = new Random(seed);
    for (Fault f : Fault.values()) {
      counts.put(f, new AtomicLong());
    }
    this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "fault-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Returns how many connections got each fault so far. */
  Map<Fault, Long> counts() {
    Map<Fault, Long> out = new EnumMap<>(Fault.class);
    counts.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      Fault fault;
      int strikeAt;
      long delayMillis;
      synchronized (random) {
        // A third of the connections are healthy, so that a run makes progress between faults.
        fault = random.nextInt(3) == 0 ? Fault.NONE
            : Fault.values()[1 + random.nextInt(Fault.values().length - 1)];
        strikeAt = random.nextInt(4096);
        delayMillis = 1 + random.nextInt(150);
      }
      counts.get(fault).incrementAndGet();
      try {
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream, fault == Fault.DROP_REQUEST ? strikeAt : -1, fault, 0);
        pump(upstream, client, fault == Fault.DROP_RESPONSE ? 0
            : fault == Fault.RESET_MID_RESPONSE || fault == Fault.TRUNCATE ? strikeAt : -1,
            fault, fault == Fault.DELAY ? delayMillis : 0);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  /**
   * Copies {@code from} to {@code to}; after {@code cutAfter} bytes (-1 = never) both sides are
   * closed, with a reset for {@link Fault#RESET_MID_RESPONSE}.
   */
  private void pump(Socket from, Socket to, int cutAfter, Fault fault, long delayMillis) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      long passed = 0;
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (cutAfter >= 0 && passed + n > cutAfter) {
            int keep = (int) (cutAfter - passed);
            if (keep > 0) {
              out.write(buf, 0, keep);
              out.flush();
            }
            if (fault == Fault.RESET_MID_RESPONSE) {
              to.setSoLinger(true, 0);
            }
            return;
          }
          if (delayMillis > 0) {
            Thread.sleep(delayMillis);
          }
          out.write(buf, 0, n);
          out.flush();
          passed += n;
        }
      } catch (IOException | InterruptedException ignored) {
        // The other direction or close() ended the pair.
      } finally {
        closeQuietly(to);
        closeQuietly(from);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, "fault-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // Best effort.
    }
  }
}
