package dev.tandem.sync.server;

/** The server's store failed: I/O, a locked or damaged database, a lost connection. */
public class ServerStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ServerStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
