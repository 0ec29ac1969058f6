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

  /**
   * Calls one of the server's JSON endpoints beside sync (PROTOCOL "Devices and presence",
   * "Remote commands") with the sync headers, and returns the response body. The default
   * implementation does not support them.
   *
   * @param method {@code GET}, {@code PUT} or {@code POST}
   * @param path the path and query, such as {@code commands?status=queued}, without a leading
   *     slash
   * @param jsonBody the request body, or null for none
   * @throws dev.tandem.sync.TransportException if the call fails or the server refuses it
   * @throws UnsupportedOperationException if this transport has no such calls
   */
  default byte[] call(String method, String path, byte[] jsonBody) {
    throw new UnsupportedOperationException(getClass().getName()
        + " does not support device and command calls");
  }

  @Override
  void close();

  /** Events of the live channel. Called on the transport's threads; must not block. */
  interface LiveListener {
    /** The server says the team's sequence moved to {@code cursor}: time to pull. */
    void onChanges(@Nullable String cursor);

    /** The channel is open. */
    default void onOpen() {}

    /**
     * A frame other than {@code changes}, {@code ping} and {@code pong} arrived ({@code presence},
     * {@code command}, {@code command_update}, or one of a later protocol version); {@code json}
     * is the whole frame. The default ignores it.
     */
    default void onFrame(String type, String json) {}

    /** The channel closed or failed; the engine falls back to polling and reconnects later. */
    void onClosed(@Nullable Throwable cause);
  }

  /** An open live channel. */
  interface LiveConnection extends AutoCloseable {
    @Override
    void close();
  }
}
