package dev.tandem.sync.transport.internal;

import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.ChangeError;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.transport.RateLimitedException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.Date;
import okhttp3.Headers;

/** Maps what went wrong on the wire to the {@link TransportException} the engine understands. */
public final class Failures {
  /** Error bodies are short JSON; anything longer is not worth reading into a message. */
  public static final long MAX_ERROR_BODY = 64 * 1024;
  /** The protocol's code for "the server cannot take more work right now" (503). */
  static final String OVERLOADED = ErrorCode.OVERLOADED.wireName();

  private Failures() {}

  /** Returns a retryable {@link Reason#NETWORK} failure for an I/O error during {@code what}. */
  public static TransportException network(String what, IOException e) {
    String kind;
    if (e instanceof SocketTimeoutException
        || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()))) {
      kind = "timed out";
    } else {
      kind = "failed";
    }
    String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new TransportException(Reason.NETWORK, 0, null, what + " " + kind + ": " + detail, e);
  }

  /**
   * Returns the failure for a non-2xx answer.
   *
   * @param body the start of the error body, possibly empty
   * @param nowMillis the wall clock, for a {@code Retry-After} given as a date
   */
  public static TransportException forStatus(String what, int status, byte[] body, Headers headers,
      long nowMillis) {
    ChangeError error = body.length == 0 ? null : ProtocolCodec.readError(body);
    String code = error == null ? null : error.code();
    String message = what + ": HTTP " + status
        + (error == null ? "" : " " + error.code() + ": " + error.message());
    if (status >= 300 && status < 400 && headers.get("Location") != null) {
      message += " (redirected to " + headers.get("Location")
          + "; set the base URL to the final address)";
    }
    if (status == 429) {
      return new RateLimitedException(code, message, retryAfterMillis(headers, nowMillis));
    }
    if (status == 503) {
      // Overload, or a 503 that says when to come back: back off exactly as for 429. A bare
      // 503 (a proxy with no upstream) stays a server error with our own backoff.
      long retryAfter = retryAfterMillis(headers, nowMillis);
      if (retryAfter >= 0 || OVERLOADED.equals(code)) {
        return new RateLimitedException(503, code, message, retryAfter);
      }
    }
    return new TransportException(reasonFor(status), status, code, message);
  }

  /** Returns the reason for a non-2xx status. */
  public static Reason reasonFor(int status) {
    if (status >= 500) {
      return Reason.SERVER_ERROR;
    }
    switch (status) {
      case 401:
        return Reason.UNAUTHORIZED;
      case 403:
        return Reason.FORBIDDEN;
      case 413:
        return Reason.PAYLOAD_TOO_LARGE;
      case 429:
        return Reason.RATE_LIMITED;
      default:
        // A 3xx that OkHttp did not follow is not the protocol; every other 4xx is a refusal.
        return status >= 400 ? Reason.BAD_REQUEST : Reason.PROTOCOL;
    }
  }

  /**
   * Returns {@code Retry-After} in milliseconds (delay-seconds or an HTTP date, RFC 9110 §10.2.3),
   * or -1 if absent or unreadable.
   */
  static long retryAfterMillis(Headers headers, long nowMillis) {
    String value = headers.get("Retry-After");
    if (value == null) {
      return -1;
    }
    value = value.trim();
    if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        long seconds = Long.parseLong(value);
        return seconds > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : seconds * 1000;
      } catch (NumberFormatException e) {
        return Long.MAX_VALUE;
      }
    }
    Date date = headers.getDate("Retry-After");
    if (date == null) {
      return -1;
    }
    return Math.max(0, date.getTime() - nowMillis);
  }
}
