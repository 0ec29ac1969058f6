package dev.tandem.sync.server;

import java.util.List;
import java.util.Set;

/**
 * The part of a {@link ServerStore} that keeps the device registry and the remote-command queue
 * (PROTOCOL "Devices and presence", "Remote commands").
 *
 * <p>As for sync, the rules (who may send what, when a command expires or is sent again) live in
 * the server; a store offers rows and one compare-and-set, {@link #updateCommand}, so that
 * several server nodes sharing a database never move one command twice. Every method is atomic
 * on its own. {@code CommandStoreContractTest} is what an implementation must pass.
 */
public interface CommandStore {

  /** The statuses after which a command never changes again. */
  Set<String> FINAL_STATUSES =
      Set.of("succeeded", "failed", "expired", "superseded", "undeliverable");

  /**
   * Returns the team's devices, by id. A device exists once a token was made for it (even if
   * revoked since); what it said about itself ({@link #updateDevice}) comes with it.
   */
  List<DeviceInfo> devices(String teamId);

  /** Returns one device of the team, or null if the team has no such device. */
  DeviceInfo device(String teamId, String deviceId);

  /**
   * Sets what a device says about itself; a null field is left as it was. Also sets its last
   * seen time. Returns the entry afterwards, or null if the team has no such device.
   */
  DeviceInfo updateDevice(String teamId, String deviceId, String name, String platform,
      String appVersion, long seenAt);

  /** Sets when the device was last seen (connected, disconnected or called), if it exists. */
  void touchDevice(String teamId, String deviceId, long seenAt);

  /**
   * Records that server node {@code node} has a live connection of the device ({@code online}),
   * as of {@code at}, or has none any more, so that {@code GET /devices} on every node sharing the
   * store answers {@code online} alike. The default keeps nothing: then a node knows only its
   * own connections, which is all there is with one node.
   */
  default void setPresence(String teamId, String deviceId, String node, boolean online,
      long at) {}

  /** Renews, as of {@code at}, what {@code node} recorded online in each of {@code teams}. */
  default void renewPresence(String node, java.util.Collection<String> teams, long at) {}

  /**
   * Returns the team's devices that a node other than {@code exceptNode} recorded online, or
   * renewed, at {@code since} or later (a node knows its own connections better).
   */
  default Set<String> presentDevices(String teamId, long since, String exceptNode) {
    return Set.of();
  }

  /**
   * Stores a new command with status {@code queued} and its first history entry, unless the team
   * already has one with the same id (then nothing changes and {@code created} is false). In the
   * same transaction, a new command with a {@code conflictKey} supersedes every command of the
   * same team, target and key that is still {@code queued}: each gets status
   * {@code superseded}, with a history entry at the new command's {@code createdAt}.
   */
  InsertResult insertCommand(StoredCommand command);

  /** Returns a command of the team, or null. */
  StoredCommand command(String teamId, String commandId);

  /** Returns the command's history, oldest first (empty for an unknown command). */
  List<CommandEvent> commandHistory(String teamId, String commandId);

  /**
   * Returns the team's commands that match every non-null field of {@code filter}, newest first,
   * at most {@code filter.limit()}.
   */
  List<StoredCommand> listCommands(String teamId, CommandFilter filter);

  /**
   * Returns the target's commands that are {@code queued} or {@code delivered} (not yet
   * acknowledged), in delivery order: higher priority first, then older first, then in the order
   * they were stored.
   */
  List<StoredCommand> deliverable(String teamId, String target, int limit);

  /**
   * Returns, across all teams, commands that need the server's attention at {@code now}: those
   * {@code queued} or {@code delivered} whose {@code expiresAt <= now}, and those
   * {@code delivered} whose {@code nextAttemptAt <= now}. Oldest deadline first is not promised.
   */
  List<StoredCommand> dueCommands(long now, int limit);

  /**
   * Moves a command from one of {@code from} to {@code to}, atomically: if its status is not in
   * {@code from} (someone else moved it), nothing changes and null is returned. Otherwise sets
   * {@code attempts} and {@code nextAttemptAt} (each unless negative) and {@code updatedAt =
   * at}, and appends a history entry {@code (to, output, at)} — unless {@code to} equals the
   * current status and {@code output} is null, which changes only the numbers. Returns the
   * command afterwards.
   */
  StoredCommand updateCommand(String teamId, String commandId, Set<String> from, String to,
      int attempts, long nextAttemptAt, String output, long at);

  /** A device as the registry knows it. Times are epoch milliseconds; 0 for never. */
  record DeviceInfo(String deviceId, String name, String platform, String appVersion,
      long lastSeenAt, long createdAt) {}

  /**
   * A stored command. {@code payload} is its JSON object as text; {@code conflictKey} may be
   * null; {@code attempts} counts deliveries.
   */
  record StoredCommand(String teamId, String commandId, String source, String target,
      String type, String payload, int priority, long createdAt, long expiresAt,
      String conflictKey, String status, int attempts, long nextAttemptAt, long updatedAt) {

    /** Returns true once the command can no longer change. */
    public boolean isFinal() {
      return FINAL_STATUSES.contains(status);
    }
  }

  /** One step of a command's history; {@code output} is JSON text or null. */
  record CommandEvent(String status, String output, long at) {}

  /** The answer of {@link #insertCommand}: the stored command and what it superseded. */
  record InsertResult(StoredCommand command, boolean created, List<StoredCommand> superseded) {}

  /**
   * Which commands {@link #listCommands} returns: by target, by status, and by a device that is
   * either source or target; null matches all.
   */
  record CommandFilter(String target, String status, String involving, int limit) {}
}
