package dev.tandem.sync.server.internal;

import dev.tandem.sync.protocol.ErrorCode;

/** A request the server refuses as a whole, with its HTTP status and protocol error code. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String code;

  public ApiException(int status, ErrorCode code, String message) {
    this(status, code.wireName(), message);
  }

  /** For a code passed on as received, such as a {@code ProtocolException}'s. */
  public ApiException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, ErrorCode.BAD_REQUEST, message);
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(401, ErrorCode.UNAUTHORIZED, message);
  }

  public static ApiException forbidden(String message) {
    return new ApiException(403, ErrorCode.FORBIDDEN, message);
  }
}
