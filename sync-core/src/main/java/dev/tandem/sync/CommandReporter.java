package dev.tandem.sync;

/**
 * How a {@link CommandHandler} tells the sender how it goes. Reports go to the server in order;
 * a final one is kept in the local store until the server has it, so it survives a restart.
 * Thread-safe.
 */
public interface CommandReporter {
  /**
   * Streams progress ({@code running}); may be called any number of times before the end.
   * Best effort: progress lost to a network failure is not sent again.
   *
   * @param outputJson a JSON object, or null
   * @throws IllegalArgumentException if {@code outputJson} is not a JSON object
   */
  void progress(String outputJson);

  /** Ends the command as {@code succeeded}; later reports are ignored. */
  void succeed(String outputJson);

  /** Ends the command as {@code failed}; later reports are ignored. */
  void fail(String outputJson);
}
