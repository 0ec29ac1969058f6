package dev.tandem.bench.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback that counts the bytes between the devices and the server, both ways:
 * the bytes a user's network would carry (HTTP headers, compressed bodies, WebSocket frames), with
 * no help from the code under test. Each connection costs two copying threads.
 */
final class WireCounter implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final AtomicLong up = new AtomicLong();
  private final AtomicLong down = new AtomicLong();
  private final Thread acceptor;

  WireCounter(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    acceptor = new Thread(this::acceptLoop, "wire-counter");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Bytes sent by the devices to the server. */
  long up() {
    return up.get();
  }

  /** Bytes sent by the server to the devices. */
  long down() {
    return down.get();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        pipe(client, server, up);
        pipe(server, client, down);
      } catch (IOException e) {
        if (!listener.isClosed()) {
          System.err.println("wire counter: " + e);
        }
      }
    }
  }

  private static void pipe(Socket from, Socket to, AtomicLong counter) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          out.write(buf, 0, n);
          counter.addAndGet(n);
        }
      } catch (IOException closed) {
        // One side went away; closing both below ends the other direction too.
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "wire-pipe");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
