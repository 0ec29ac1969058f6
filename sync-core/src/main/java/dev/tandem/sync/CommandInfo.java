package dev.tandem.sync;

import java.util.Collections;
import java.util.List;

/** A remote command as the server has it, with its status history when asked for one. */
public final class CommandInfo {
  private final String commandId;
  private final String source;
  private final String target;
  private final String type;
  private final String payload;
  private final int priority;
  private final long createdAt;
  private final long expiresAt;
  private final String status;
  private final int attempt;
  private final List<CommandUpdate> history;

  public CommandInfo(String commandId, String source, String target, String type,
      String payload, int priority, long createdAt, long expiresAt, String status, int attempt,
      List<CommandUpdate> history) {
    this.commandId = commandId;
    this.source = source;
    this.target = target;
    this.type = type;
    this.payload = payload;
    this.priority = priority;
    this.createdAt = createdAt;
    this.expiresAt = expiresAt;
    this.status = status;
    this.attempt = attempt;
    this.history = Collections.unmodifiableList(history);
  }

  public String commandId() {
    return commandId;
  }

  public String source() {
    return source;
  }

  public String target() {
    return target;
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

  public String status() {
    return status;
  }

  /** How many times it was delivered. */
  public int attempt() {
    return attempt;
  }

  /** Every status it went through, oldest first; empty in a list. */
  public List<CommandUpdate> history() {
    return history;
  }
}
