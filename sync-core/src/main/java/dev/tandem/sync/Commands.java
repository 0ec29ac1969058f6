package dev.tandem.sync;

import dev.tandem.sync.internal.Coordinator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Remote commands (PROTOCOL "Remote commands"), from {@link Tandem#commands()}: ask another
 * device of the team to do something, online or not, and do what others ask of this one.
 *
 * <pre>{@code
 * tandem.commands().onCommand("agent.prompt", (cmd, report) -> {
 *   report.progress("{\"step\":\"thinking\"}");
 *   report.succeed("{\"answer\":\"done\"}");
 * });
 * CommandUpdate end = phone.commands().send("desktop-1", "agent.prompt",
 *     "{\"prompt\":\"fix the build\"}", CommandOptions.defaults().onProgress(System.out::println))
 *     .get();
 * }</pre>
 *
 * <p>A command sent while the server is unreachable is kept in the local store and sent when it
 * is back, also after a restart. Delivery is at least once; a handler runs at most once per
 * command id, even when the command arrives twice or after a restart. A handler cut off by a
 * restart is reported {@code failed} with {@code {"error": "interrupted ..."}} rather than run
 * again.
 */
public final class Commands {
  private final Coordinator coordinator;

  Commands(Coordinator coordinator) {
    this.coordinator = coordinator;
  }

  /**
   * Sends a command to {@code target} and returns a future of its final status. Progress (every
   * earlier status, {@code running} outputs included) goes to {@link CommandOptions#onProgress}.
   * The future fails with {@link TransportException} if the server refuses the command (404
   * {@code unknown_device} for a device not in the team), and is cancelled by {@link
   * Tandem#close()}; the command itself is not.
   *
   * @param payloadJson a JSON object (at most 1 MiB), or null for {@code {}}
   * @throws IllegalArgumentException if the type or payload is malformed
   * @throws IllegalStateException on a local-only Tandem
   */
  public CompletableFuture<CommandUpdate> send(String target, String type, String payloadJson,
      CommandOptions options) {
    return coordinator.send(target, type, payloadJson,
        options == null ? CommandOptions.defaults() : options);
  }

  /**
   * Follows a command already sent (by this device, perhaps before a restart): a future of its
   * final status, with progress to {@code progress} (may be null).
   */
  public CompletableFuture<CommandUpdate> watch(String commandId,
      java.util.function.Consumer<CommandUpdate> progress) {
    return coordinator.watch(commandId, progress);
  }

  /**
   * Runs {@code handler} for every command of {@code type} sent to this device; one handler per
   * type (a second replaces the first). Commands that arrived before a handler was registered
   * wait for it. Removed when the token is closed.
   */
  public ListenerToken onCommand(String type, CommandHandler handler) {
    return coordinator.onCommand(type, handler);
  }

  /** Returns a command of the team with its status history, or null if there is none. */
  public CommandInfo get(String commandId) {
    return coordinator.command(commandId);
  }

  /**
   * Returns commands sent by or to this device, newest first, optionally only those with
   * {@code status} (null for all); at most {@code limit} (up to 500).
   */
  public List<CommandInfo> list(String status, int limit) {
    return coordinator.commands(status, limit);
  }
}
