package dev.tandem.sync.protocol;

import dev.tandem.sync.SyncException;
import org.jspecify.annotations.Nullable;

/**
 * A body that is not the protocol: malformed JSON, a field of the wrong type, a missing field.
 * {@link #code()} is the protocol error code to answer with ({@code bad_request} and the like).
 */
public final class ProtocolException extends SyncException {
  private static final long serialVersionUID = 1L;
  private final String code;

  public ProtocolException(ErrorCode code, String message) {
    this(code.wireName(), message);
  }

  public ProtocolException(ErrorCode code, String message, @Nullable Throwable cause) {
    this(code.wireName(), message, cause);
  }

  public ProtocolException(String code, String message) {
    super(Reason.PROTOCOL, message);
    this.code = code;
  }

  public ProtocolException(String code, String message, @Nullable Throwable cause) {
    super(Reason.PROTOCOL, message, cause);
    this.code = code;
  }

  /** Returns the protocol error code, such as {@code bad_request}. */
  public String code() {
    return code;
  }
}
