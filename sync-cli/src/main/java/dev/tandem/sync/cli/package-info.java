/**
 * The {@code tandem} command: {@link dev.tandem.sync.cli.TandemCli} and one picocli command class
 * per verb. Commands are thin: they read the config and secrets, open a {@code Tandem}, call the
 * library and print; what they print and their exit codes are in docs/cli.md.
 */
package dev.tandem.sync.cli;
