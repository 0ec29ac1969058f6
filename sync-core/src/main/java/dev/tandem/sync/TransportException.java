package dev.tandem.sync;

import org.jspecify.annotations.Nullable;

/**
 * A call to the sync server failed. {@link #isRetryable()} tells the engine whether to back off
 * and try again (network, 5xx, 429) or to give up on the request (other 4xx).
 */
public class TransportException extends SyncException {
  private static final long serialVersionUID = 1L;
  private final int httpStatus;
  private final @Nullable String errorCode;

  /**
   * @param httpStatus the HTTP status, or 0 when no response arrived
   * @param errorCode the protocol's machine code from the error body, or null
   */
  public TransportException(Reason reason, int httpStatus, @Nullable String errorCode,
      String message) {
    super(reason, message);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  public TransportException(Reason reason, int httpStatus, @Nullable String errorCode,
      String message, @Nullable Throwable cause) {
    super(reason, message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /** Returns the HTTP status, or 0 when no response arrived. */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * Returns how long the server asked the client to wait ({@code Retry-After}), in
   * milliseconds, or -1 if it did not ask. Transports that read the header override this.
   */
  public long retryAfterMillis() {
    return -1;
  }

  /** Returns the protocol error code (such as {@code invalid_id}), or null. */
  public @Nullable String errorCode() {
    return errorCode;
  }
}
