package dev.tandem.sync.protocol;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The {@code type} of a live-channel frame ({@code GET /sync/live}). */
public enum FrameType {
  /** Server to device: the team's sequence moved; pull. Carries the latest {@code cursor}. */
  CHANGES,
  /** Device to server, on connect: the device's {@code cursor}. */
  HELLO,
  /** Either side: a keep-alive, answered with {@link #PONG}. */
  PING,
  /** Either side: the answer to {@link #PING}. */
  PONG,
  /** Server to device: another device of the team came online or went offline. */
  PRESENCE,
  /** Server to device: a remote command for this device to run. */
  COMMAND,
  /** Device to server: this device took the command (its {@code commandId}). */
  COMMAND_ACK,
  /** Server to device: a command this device sent changed status, or reported progress. */
  COMMAND_UPDATE;

  private final String wire = name().toLowerCase(Locale.ROOT);

  /** Returns the wire name, such as {@code changes}. */
  public String wireName() {
    return wire;
  }

  /** Returns the frame type with this wire name, or null for one this version does not know. */
  public static @Nullable FrameType fromWire(@Nullable String wireName) {
    for (FrameType t : values()) {
      if (t.wire.equals(wireName)) {
        return t;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return wire;
  }
}
