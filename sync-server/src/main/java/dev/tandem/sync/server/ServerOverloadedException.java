package dev.tandem.sync.server;

/**
 * The store could not take the work right now (every connection of its pool was busy for longer
 * than it is willing to wait). It is load, not a fault: the server answers 503 {@code overloaded}
 * with {@code Retry-After}, never 500.
 */
public class ServerOverloadedException extends ServerStoreException {
  private static final long serialVersionUID = 1L;

  public ServerOverloadedException(String message) {
    super(message, null);
  }
}
