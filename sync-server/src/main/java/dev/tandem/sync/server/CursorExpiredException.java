package dev.tandem.sync.server;

/**
 * A pull's cursor is older than what the store still keeps: a delete after it was purged by
 * retention ({@link ServerStore#applyRetention}), so the changes since the cursor are no longer
 * complete. The server answers 400 {@code bad_cursor}, and the device pulls from the beginning
 * (PROTOCOL "GET /sync/pull").
 */
public final class CursorExpiredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long cursor;
  private final long purgedThrough;

  public CursorExpiredException(long cursor, long purgedThrough) {
    super("cursor " + cursor + " is older than the server's retention horizon (deletes up to "
        + purgedThrough + " were purged); pull from the beginning");
    this.cursor = cursor;
    this.purgedThrough = purgedThrough;
  }

  /** Returns the refused cursor. */
  public long cursor() {
    return cursor;
  }

  /** Returns the highest sequence of a purged delete of the team. */
  public long purgedThrough() {
    return purgedThrough;
  }
}
