package dev.tandem.sync.server.internal;

/**
 * How the command relay reaches devices: who is connected, and a frame to all connections of
 * one device. {@link LiveConnections} is the real one; tests put a fake in its place.
 */
public interface DeviceLinks {
  /** Returns true if the device has a live connection to this server. */
  boolean isOnline(String team, String device);

  /** Queues a frame for every live connection of the device; returns how many it went to. */
  int sendToDevice(String team, String device, String frame);

  /**
   * Sends the frame to the device here or, when it has no connection here, through the other
   * nodes sharing the store; {@code fallback} is the notice they get instead of a frame too long
   * to carry.
   */
  default void sendToDeviceAnywhere(String team, String device, String frame, String fallback) {
    sendToDevice(team, device, frame);
  }

  /** Tells the other nodes sharing the store (see {@code ServerStore#announce}). */
  default void announce(String team, String notice) {}
}
