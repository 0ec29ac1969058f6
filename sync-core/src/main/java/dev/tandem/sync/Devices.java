package dev.tandem.sync;

import dev.tandem.sync.internal.Coordinator;
import java.util.List;

/**
 * The team's devices and who is online (PROTOCOL "Devices and presence"), from
 * {@link Tandem#devices()}. The calls go to the server; each throws {@link TransportException} if
 * it cannot be reached or refuses, and {@link IllegalStateException} on a local-only Tandem.
 */
public final class Devices {
  private final Coordinator coordinator;

  Devices(Coordinator coordinator) {
    this.coordinator = coordinator;
  }

  /** Returns the team's devices with their presence as the server sees it now. */
  public List<Device> list() {
    return coordinator.devices();
  }

  /**
   * Tells the server what this device is; a null field is left as it was. Each is at most 200
   * characters.
   */
  public Device setSelf(String name, String platform, String appVersion) {
    return coordinator.setSelf(name, platform, appVersion);
  }

  /**
   * Hears other devices of the team come and go while this device's live channel is open. Removed
   * when the token is closed.
   */
  public ListenerToken addPresenceListener(PresenceListener listener) {
    return coordinator.addPresenceListener(listener);
  }
}
