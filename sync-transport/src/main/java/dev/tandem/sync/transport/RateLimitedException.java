package dev.tandem.sync.transport;

import dev.tandem.sync.TransportException;

/**
 * The server answered 429: too many requests. {@link #reason()} is {@link Reason#RATE_LIMITED}
 * (retryable); {@link #retryAfterMillis()} carries the server's {@code Retry-After}, if it sent
 * one, so that the caller waits at least that long instead of its own backoff.
 */
public final class RateLimitedException extends TransportException {
  private static final long serialVersionUID = 1L;
  private final long retryAfterMillis;

  /**
   * @param retryAfterMillis the wait the server asked for, or -1 when it asked for none
   */
  public RateLimitedException(String errorCode, String message, long retryAfterMillis) {
    super(Reason.RATE_LIMITED, 429, errorCode, message);
    this.retryAfterMillis = retryAfterMillis;
  }

  /**
   * Returns how long the server asked the client to wait before the next request, in
   * milliseconds, or -1 if the response had no readable {@code Retry-After} header.
   */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
