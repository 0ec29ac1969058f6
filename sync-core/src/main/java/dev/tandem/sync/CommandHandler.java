package dev.tandem.sync;

/**
 * Does what a remote command of one type asks ({@link Commands#onCommand}). It runs at most once
 * per command id, on Tandem's handler threads, never under the engine's lock.
 *
 * <p>Returning without a final report counts as {@code succeeded} with no output; throwing counts
 * as {@code failed} with {@code {"error": <message>}}.
 */
@FunctionalInterface
public interface CommandHandler {
  void handle(IncomingCommand command, CommandReporter reporter) throws Exception;
}
