package dev.tandem.sync.protocol;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The machine codes of the protocol's error bodies and per-entry errors, with their wire names.
 *
 * <p>{@link #isPermanent()} says whether sending the same thing again can ever succeed: a
 * permanent code means the request or entry itself is wrong (an invalid id, a body too large),
 * a retryable one that the server or the moment was (overload, shutdown, a clock to re-stamp).
 * Codes this enum does not know read as null from {@link #fromWire(String)}; a client treats them
 * as retryable, since a newer server may add codes.
 */
public enum ErrorCode {
  /** Malformed JSON, a missing field, a field of the wrong type. */
  BAD_REQUEST(true),
  /** An id that does not match {@code [A-Za-z0-9._:-]{1,128}}. */
  INVALID_ID(true),
  /** A type that does not match {@code [a-z][a-z0-9_]{0,63}}. */
  INVALID_TYPE(true),
  /** An {@code op} other than {@code upsert} or {@code delete}. */
  INVALID_OP(true),
  /** A clock that does not parse, or names another device than the pushing one. */
  INVALID_HLC(true),
  /** An upsert without a JSON object in {@code data}. */
  INVALID_DATA(true),
  /** A type the receiver does not know. */
  UNKNOWN_TYPE(true),
  /** A record's data over the size limit. */
  RECORD_TOO_LARGE(true),
  /** A clock too far ahead of the server's: re-stamped with a corrected clock, it is accepted. */
  CLOCK_SKEW(false),
  /** A pull cursor the server did not give out (it was reset or restored). */
  BAD_CURSOR(true),
  /** Missing, unknown, expired or replaced token. */
  UNAUTHORIZED(true),
  /** The team or device header does not match the token. */
  FORBIDDEN(true),
  /** No such endpoint. */
  NOT_FOUND(true),
  /** The endpoint exists but not for this HTTP method. */
  METHOD_NOT_ALLOWED(true),
  /** A request body over the size limit. */
  PAYLOAD_TOO_LARGE(true),
  /** A batch with more changes than the server takes. */
  BATCH_TOO_LARGE(true),
  /** A {@code Content-Encoding} other than zstd, gzip or none. */
  UNSUPPORTED_ENCODING(true),
  /** The request body stopped arriving. */
  REQUEST_TIMEOUT(false),
  /** The server cannot take more work right now (503 with {@code Retry-After}). */
  OVERLOADED(false),
  /** The server is shutting down (503 with {@code Retry-After}). */
  UNAVAILABLE(false),
  /** A bug in the server (500). */
  INTERNAL_ERROR(false);

  private static final Map<String, ErrorCode> BY_WIRE = new HashMap<>();

  static {
    for (ErrorCode c : values()) {
      BY_WIRE.put(c.wire, c);
    }
  }

  private final String wire;
  private final boolean permanent;

  ErrorCode(boolean permanent) {
    this.wire = name().toLowerCase(Locale.ROOT);
    this.permanent = permanent;
  }

  /** Returns the code as sent on the wire, such as {@code invalid_id}. */
  public String wireName() {
    return wire;
  }

  /** Returns true if the same request or entry, sent again unchanged, can never succeed. */
  public boolean isPermanent() {
    return permanent;
  }

  /** Returns true if trying again later may succeed: the opposite of {@link #isPermanent()}. */
  public boolean isRetryable() {
    return !permanent;
  }

  /** Returns true if {@code wireName} is this code's wire name. */
  public boolean is(@Nullable String wireName) {
    return wire.equals(wireName);
  }

  /** Returns the code with this wire name, or null for a code this version does not know. */
  public static @Nullable ErrorCode fromWire(@Nullable String wireName) {
    return wireName == null ? null : BY_WIRE.get(wireName);
  }

  @Override
  public String toString() {
    return wire;
  }
}
