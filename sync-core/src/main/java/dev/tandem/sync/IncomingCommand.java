package dev.tandem.sync;

/** A remote command that another device sent to this one, as its handler gets it. Immutable. */
public final class IncomingCommand {
  private final String commandId;
  private final String source;
  private final String type;
  private final String payload;
  private final int priority;
  private final long createdAt;
  private final long expiresAt;
  private final int attempt;

  public IncomingCommand(String commandId, String source, String type, String payload,
      int priority, long createdAt, long expiresAt, int attempt) {
    this.commandId = commandId;
    this.source = source;
    this.type = type;
    this.payload = payload;
    this.priority = priority;
    this.createdAt = createdAt;
    this.expiresAt = expiresAt;
    this.attempt = attempt;
  }

  public String commandId() {
    return commandId;
  }

  /** The device that sent it. */
  public String source() {
    return source;
  }

  public String type() {
    return type;
  }

  /** The payload, JSON object text. */
  public String payload() {
    return payload;
  }

  public int priority() {
    return priority;
  }

  public long createdAt() {
    return createdAt;
  }

  public long expiresAt() {
    return expiresAt;
  }

  /** Which delivery this was (1 for the first). */
  public int attempt() {
    return attempt;
  }

  @Override
  public String toString() {
    return "IncomingCommand{" + commandId + " " + type + " from " + source + "}";
  }
}
