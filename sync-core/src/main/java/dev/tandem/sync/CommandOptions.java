package dev.tandem.sync;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * How {@link Commands#send} sends a command: priority, time to live, conflict key, its id, and
 * who hears its progress. Immutable; each setter returns a copy.
 */
public final class CommandOptions {
  private static final CommandOptions DEFAULTS =
      new CommandOptions(5, Duration.ofDays(1), null, null, null);
  private final int priority;
  private final Duration ttl;
  private final String conflictKey;
  private final String commandId;
  private final Consumer<CommandUpdate> progress;

  private CommandOptions(int priority, Duration ttl, String conflictKey, String commandId,
      Consumer<CommandUpdate> progress) {
    this.priority = priority;
    this.ttl = ttl;
    this.conflictKey = conflictKey;
    this.commandId = commandId;
    this.progress = progress;
  }

  /** Priority 5, a day to live, no conflict key, a random id, no progress listener. */
  public static CommandOptions defaults() {
    return DEFAULTS;
  }

  /** 0 to 9, higher first among the target's queued commands. */
  public CommandOptions priority(int p) {
    if (p < 0 || p > 9) {
      throw new IllegalArgumentException("priority must be 0 to 9: " + p);
    }
    return new CommandOptions(p, ttl, conflictKey, commandId, progress);
  }

  /** How long the command may wait for its target: 1 s to 7 days. */
  public CommandOptions ttl(Duration d) {
    if (d.getSeconds() < 1 || d.getSeconds() > 604_800) {
      throw new IllegalArgumentException("ttl must be 1 s to 7 days: " + d);
    }
    return new CommandOptions(priority, d, conflictKey, commandId, progress);
  }

  /** A new command with the same key and target supersedes one still queued. */
  public CommandOptions conflictKey(String key) {
    if (key != null && (key.isEmpty() || key.length() > 200)) {
      throw new IllegalArgumentException("conflictKey must be 1 to 200 characters");
    }
    return new CommandOptions(priority, ttl, key, commandId, progress);
  }

  /** The command's id (the idempotency key); default a random UUID. */
  public CommandOptions commandId(String id) {
    return new CommandOptions(priority, ttl, conflictKey, id == null ? null : Ids.requireId(id),
        progress);
  }

  /** Hears every status before the final one, in order, on Tandem's callback thread. */
  public CommandOptions onProgress(Consumer<CommandUpdate> listener) {
    return new CommandOptions(priority, ttl, conflictKey, commandId, listener);
  }

  public int priority() {
    return priority;
  }

  public Duration ttl() {
    return ttl;
  }

  public String conflictKey() {
    return conflictKey;
  }

  public String commandId() {
    return commandId;
  }

  public Consumer<CommandUpdate> progress() {
    return progress;
  }
}
