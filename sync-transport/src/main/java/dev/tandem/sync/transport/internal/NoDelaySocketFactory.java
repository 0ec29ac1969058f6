package dev.tandem.sync.transport.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Makes sockets with {@code TCP_NODELAY}. A request goes out in several writes (headers, then
 * the body in 8 KiB chunks); with Nagle's algorithm the last small write waits for the server's
 * ACK, which the server delays (40 ms on Linux) because it has nothing to send yet. Measured on
 * loopback: a 17 KB gzipped push took ~50 ms with Nagle and ~2 ms without.
 */
public final class NoDelaySocketFactory extends SocketFactory {
  private final SocketFactory delegate;

  public NoDelaySocketFactory(SocketFactory delegate) {
    this.delegate = delegate;
  }

  @Override
  public Socket createSocket() throws IOException {
    return noDelay(delegate.createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return noDelay(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return noDelay(delegate.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return noDelay(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
      int localPort) throws IOException {
    return noDelay(delegate.createSocket(address, port, localAddress, localPort));
  }

  private static Socket noDelay(Socket socket) throws IOException {
    socket.setTcpNoDelay(true);
    return socket;
  }
}
