package dev.tandem.sync.protocol;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A machine code and a human sentence, as in the protocol's error bodies. */
public final class ChangeError {
  private final String code;
  private final String message;

  public ChangeError(String code, String message) {
    this.code = Objects.requireNonNull(code, "code");
    this.message = Objects.requireNonNull(message, "message");
  }

  /** Returns {@code code} with {@code message}. */
  public ChangeError(ErrorCode code, String message) {
    this(code.wireName(), message);
  }

  /** Returns the wire name of the code, such as {@code invalid_id}. */
  public String code() {
    return code;
  }

  /** Returns the code, or null if this version of the protocol does not know it. */
  public @Nullable ErrorCode errorCode() {
    return ErrorCode.fromWire(code);
  }

  public String message() {
    return message;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ChangeError && code.equals(((ChangeError) o).code)
        && message.equals(((ChangeError) o).message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(code, message);
  }

  @Override
  public String toString() {
    return code + ": " + message;
  }
}
