package dev.tandem.sync.spi;

import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import org.jspecify.annotations.Nullable;

/**
 * Carries the sync protocol to a server. {@code tandem-sync-transport}'s {@code OkHttpTransport}
 * is the default; tests and hosts may plug in their own.
 *
 * <p>Every method throws {@link dev.tandem.sync.TransportException} on failure, whose {@code
 * isRetryable()} separates network trouble, 5xx and 429 from refusals. Implementations are
 * thread-safe.
 */
public interface Transport extends AutoCloseable {
  /** Sends one batch ({@code POST /sync/batch}). */
  PushResponse push(PushRequest request);

  /** Fetches one page of changes after {@code cursor} (null: from the beginning). */
  PullResponse pull(@Nullable String cursor, int limit);

  /** Checks {@code GET /health}; returns normally if the server is up. */
  void health();

  /**
   * Opens the live channel ({@code /sync/live}) and returns a handle to close it. The default
   * implementation does not support live sync and returns null.
   *
   * @param cursor the device's current cursor, sent in {@code hello}
   */
  default @Nullable LiveConnection openLive(@Nullable String cursor, LiveListener listener) {
    return null;
  }

  @Override
  void close();

  /** Events of the live channel. Called on the transport's threads; must not block. */
  interface LiveListener {
    /** The server says the team's sequence moved to {@code cursor}: time to pull. */
    void onChanges(@Nullable String cursor);

    /** The channel is open. */
    default void onOpen() {}

    /** The channel closed or failed; the engine falls back to polling and reconnects later. */
    void onClosed(@Nullable Throwable cause);
  }

  /** An open live channel. */
  interface LiveConnection extends AutoCloseable {
    @Override
    void close();
  }
}
