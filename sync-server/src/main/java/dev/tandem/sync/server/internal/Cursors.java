package dev.tandem.sync.server.internal;

import dev.tandem.sync.protocol.ErrorCode;

/**
 * The pull cursor: the team's sequence number as a decimal string. Clients treat it as opaque;
 * keeping it readable makes logs and support easier, and a PostgreSQL store has the same numbers.
 */
public final class Cursors {
  private Cursors() {}

  public static String format(long seq) {
    return Long.toString(seq);
  }

  /**
   * Returns the sequence in {@code cursor}; null or empty means from the beginning (0).
   *
   * @throws ApiException 400 {@code bad_cursor} if it is not a cursor this server gave out
   */
  public static long parse(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return 0;
    }
    if (cursor.length() > 18) {
      throw badCursor(cursor);
    }
    for (int i = 0; i < cursor.length(); i++) {
      char c = cursor.charAt(i);
      if (c < '0' || c > '9') {
        throw badCursor(cursor);
      }
    }
    return Long.parseLong(cursor);
  }

  private static ApiException badCursor(String cursor) {
    String shown = cursor.length() > 40 ? cursor.substring(0, 40) + "…" : cursor;
    return new ApiException(400, ErrorCode.BAD_CURSOR,
        "not a cursor of this server: \"" + shown + "\"");
  }
}
