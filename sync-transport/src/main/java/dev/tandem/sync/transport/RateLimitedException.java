package dev.tandem.sync.transport;

import dev.tandem.sync.TransportException;
import org.jspecify.annotations.Nullable;

/**
 * The server asked the client to slow down: 429 (too many requests), or 503 {@code overloaded}
 * with {@code Retry-After} (PROTOCOL "Status codes": clients back off from both alike). {@link
 * #reason()} is {@link Reason#RATE_LIMITED} (retryable); {@link #httpStatus()} tells which it
 * was; {@link #retryAfterMillis()} carries the server's {@code Retry-After}, if it sent one, so
 * that the caller waits at least that long instead of its own backoff.
 */
public final class RateLimitedException extends TransportException {
  private static final long serialVersionUID = 1L;
  private final long retryAfterMillis;

  /**
   * A 429.
   *
   * @param retryAfterMillis the wait the server asked for, or -1 when it asked for none
   */
  public RateLimitedException(@Nullable String errorCode, String message,
      long retryAfterMillis) {
    this(429, errorCode, message, retryAfterMillis);
  }

  /**
   * A 429 or a 503 that asked for a pause.
   *
   * @param retryAfterMillis the wait the server asked for, or -1 when it asked for none
   */
  public RateLimitedException(int httpStatus, @Nullable String errorCode, String message,
      long retryAfterMillis) {
    super(Reason.RATE_LIMITED, httpStatus, errorCode, message);
    this.retryAfterMillis = retryAfterMillis;
  }

  /**
   * Returns how long the server asked the client to wait before the next request, in
   * milliseconds, or -1 if the response had no readable {@code Retry-After} header.
   */
  @Override
  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
