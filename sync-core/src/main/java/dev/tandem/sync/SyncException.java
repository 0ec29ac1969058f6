package dev.tandem.sync;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception Tandem throws for a failure that is not the caller's misuse.
 * Misuse (an invalid id, a closed instance) throws {@link IllegalArgumentException} or
 * {@link IllegalStateException} instead.
 *
 * <p>{@link #reason()} is a stable machine-readable code; apps never need to parse messages.
 */
public abstract class SyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, and whether trying again later may help. */
  public enum Reason {
    /** The local database failed: disk full, I/O error, locked. */
    STORE_FAILURE(false),
    /** The local database file is not a SQLite database or is damaged. */
    CORRUPT_DATABASE(false),
    /** A record exceeds the configured maximum size. */
    RECORD_TOO_LARGE(false),
    /** A migration is missing, changed, or failed. */
    MIGRATION_FAILED(false),
    /** The server could not be reached, or the connection broke. */
    NETWORK(true),
    /** The server failed (5xx). */
    SERVER_ERROR(true),
    /** The server asked us to slow down (429). */
    RATE_LIMITED(true),
    /** The token is missing, unknown or revoked (401). */
    UNAUTHORIZED(false),
    /** The token does not belong to this team or device (403). */
    FORBIDDEN(false),
    /** The server refused the request as malformed (400). */
    BAD_REQUEST(false),
    /** The request was too large for the server (413). */
    PAYLOAD_TOO_LARGE(false),
    /** The server answered something that is not the protocol. */
    PROTOCOL(false),
    /** No server is configured: the store is local only. */
    NOT_CONFIGURED(false),
    /** The {@code Tandem} was closed before or while the operation ran. */
    CLOSED(false),
    /** A failure none of the other reasons describes: a bug; the cause has the details. */
    INTERNAL(false);

    private final boolean retryable;

    Reason(boolean retryable) {
      this.retryable = retryable;
    }

    /** Returns true if the same operation may succeed later without any change. */
    public boolean isRetryable() {
      return retryable;
    }
  }

  private final Reason reason;

  protected SyncException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  protected SyncException(Reason reason, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** Returns the machine-readable reason for this failure. */
  public Reason reason() {
    return reason;
  }

  /** Returns true if trying again later may succeed. */
  public boolean isRetryable() {
    return reason.isRetryable();
  }
}
