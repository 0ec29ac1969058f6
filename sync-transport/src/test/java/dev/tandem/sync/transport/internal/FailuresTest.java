package dev.tandem.sync.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.SyncException.Reason;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.transport.RateLimitedException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

class FailuresTest {
  private static final long NOW = 1_732_240_000_000L;

  private static Headers retryAfter(String value) {
    return new Headers.Builder().add("Retry-After", value).build();
  }

  @Test
  void retryAfter_delaySeconds() {
    assertEquals(0, Failures.retryAfterMillis(retryAfter("0"), NOW));
    assertEquals(120_000, Failures.retryAfterMillis(retryAfter(" 120 "), NOW));
  }

  @Test
  void retryAfter_httpDate_isTheTimeFromNow() {
    Headers h = new Headers.Builder().add("Retry-After", new Date(NOW + 90_000)).build();

    assertEquals(90_000, Failures.retryAfterMillis(h, NOW));
  }

  @Test
  void retryAfter_dateInThePast_isZero() {
    Headers h = new Headers.Builder().add("Retry-After", new Date(NOW - 90_000)).build();

    assertEquals(0, Failures.retryAfterMillis(h, NOW));
  }

  @Test
  void retryAfter_absentOrUnreadable_isMinusOne() {
    assertEquals(-1, Failures.retryAfterMillis(Headers.of(), NOW));
    assertEquals(-1, Failures.retryAfterMillis(retryAfter("soon"), NOW));
    assertEquals(-1, Failures.retryAfterMillis(retryAfter("-5"), NOW));
    assertEquals(-1, Failures.retryAfterMillis(retryAfter("1.5"), NOW));
  }

  @Test
  void retryAfter_absurdlyLarge_saturates() {
    assertEquals(Long.MAX_VALUE,
        Failures.retryAfterMillis(retryAfter("99999999999999999999999"), NOW));
  }

  @Test
  void reasonFor_everyStatusClass() {
    assertEquals(Reason.BAD_REQUEST, Failures.reasonFor(400));
    assertEquals(Reason.UNAUTHORIZED, Failures.reasonFor(401));
    assertEquals(Reason.FORBIDDEN, Failures.reasonFor(403));
    assertEquals(Reason.BAD_REQUEST, Failures.reasonFor(409));
    assertEquals(Reason.PAYLOAD_TOO_LARGE, Failures.reasonFor(413));
    assertEquals(Reason.BAD_REQUEST, Failures.reasonFor(415));
    assertEquals(Reason.RATE_LIMITED, Failures.reasonFor(429));
    assertEquals(Reason.SERVER_ERROR, Failures.reasonFor(500));
    assertEquals(Reason.SERVER_ERROR, Failures.reasonFor(599));
    assertEquals(Reason.PROTOCOL, Failures.reasonFor(304));
  }

  @Test
  void forStatus_readsTheErrorBody() {
    byte[] body = "{\"error\":{\"code\":\"invalid_id\",\"message\":\"bad id!\"}}"
        .getBytes(StandardCharsets.UTF_8);

    TransportException e = Failures.forStatus("push", 400, body, Headers.of(), NOW);

    assertEquals("invalid_id", e.errorCode());
    assertEquals(400, e.httpStatus());
    assertTrue(e.getMessage().contains("bad id!"), e.getMessage());
  }

  @Test
  void forStatus_429_isRateLimitedException() {
    TransportException e = Failures.forStatus("pull", 429, new byte[0], retryAfter("3"), NOW);

    assertEquals(3000, assertInstanceOf(RateLimitedException.class, e).retryAfterMillis());
    assertNull(e.errorCode());
  }

  @Test
  void forStatus_503WithRetryAfter_isRateLimitedLike429() {
    TransportException limited = Failures.forStatus("pull", 429, new byte[0], retryAfter("3"), NOW);
    TransportException overloaded =
        Failures.forStatus("pull", 503, new byte[0], retryAfter("3"), NOW);

    RateLimitedException e = assertInstanceOf(RateLimitedException.class, overloaded);
    assertEquals(limited.reason(), e.reason());
    assertEquals(limited.retryAfterMillis(), e.retryAfterMillis());
    assertEquals(503, e.httpStatus());
  }

  @Test
  void forStatus_bare503_staysAServerError() {
    TransportException e = Failures.forStatus("pull", 503, new byte[0], Headers.of(), NOW);

    assertEquals(Reason.SERVER_ERROR, e.reason());
    assertEquals(-1, e.retryAfterMillis());
  }

  @Test
  void network_namesATimeout() {
    TransportException e = Failures.network("pull", new SocketTimeoutException("Read timed out"));

    assertEquals(Reason.NETWORK, e.reason());
    assertEquals(0, e.httpStatus());
    assertTrue(e.getMessage().startsWith("pull timed out"), e.getMessage());
  }
}
