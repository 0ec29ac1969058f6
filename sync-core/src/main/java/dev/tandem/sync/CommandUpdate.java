package dev.tandem.sync;

/**
 * One status of a remote command, with the output reported with it (PROTOCOL "Remote commands").
 * The future of {@link Commands#send} completes with the final one. Immutable.
 */
public final class CommandUpdate {
  private final String commandId;
  private final String status;
  private final String output;
  private final long at;

  public CommandUpdate(String commandId, String status, String output, long at) {
    this.commandId = commandId;
    this.status = status;
    this.output = output;
    this.at = at;
  }

  public String commandId() {
    return commandId;
  }

  /**
   * {@code queued}, {@code delivered}, {@code acked}, {@code running}, or one of the final
   * ones: {@code succeeded}, {@code failed}, {@code expired}, {@code superseded},
   * {@code undeliverable}.
   */
  public String status() {
    return status;
  }

  /** The output as JSON object text, or null if none came with this status. */
  public String output() {
    return output;
  }

  /** When the server recorded it, epoch milliseconds. */
  public long at() {
    return at;
  }

  /** True for a status after which the command never changes. */
  public boolean isFinal() {
    return isFinal(status);
  }

  /** True for {@code succeeded}, {@code failed}, {@code expired}, {@code superseded}, {@code undeliverable}. */
  public static boolean isFinal(String status) {
    return "succeeded".equals(status) || "failed".equals(status) || "expired".equals(status)
        || "superseded".equals(status) || "undeliverable".equals(status);
  }

  @Override
  public String toString() {
    return "CommandUpdate{" + commandId + " " + status + (output == null ? "" : " " + output)
        + " at " + at + "}";
  }
}
