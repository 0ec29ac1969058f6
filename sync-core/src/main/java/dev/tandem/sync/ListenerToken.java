package dev.tandem.sync;

/** Removes a listener when closed. Closing twice is harmless. */
public interface ListenerToken extends AutoCloseable {
  @Override
  void close();
}
