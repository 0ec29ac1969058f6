package dev.tandem.sync;

/**
 * A device of the team as the server's registry knows it (PROTOCOL "Devices and presence").
 * Immutable; times are epoch milliseconds, 0 for never.
 */
public final class Device {
  private final String deviceId;
  private final String name;
  private final String platform;
  private final String appVersion;
  private final boolean online;
  private final long lastSeenAt;
  private final long createdAt;

  public Device(String deviceId, String name, String platform, String appVersion,
      boolean online, long lastSeenAt, long createdAt) {
    this.deviceId = deviceId;
    this.name = name;
    this.platform = platform;
    this.appVersion = appVersion;
    this.online = online;
    this.lastSeenAt = lastSeenAt;
    this.createdAt = createdAt;
  }

  public String deviceId() {
    return deviceId;
  }

  /** The name the device gave itself, or null. */
  public String name() {
    return name;
  }

  /** The platform the device gave, or null. */
  public String platform() {
    return platform;
  }

  /** The app version the device gave, or null. */
  public String appVersion() {
    return appVersion;
  }

  /** True if the device had a live connection when the list was made. */
  public boolean online() {
    return online;
  }

  public long lastSeenAt() {
    return lastSeenAt;
  }

  public long createdAt() {
    return createdAt;
  }

  @Override
  public String toString() {
    return "Device{" + deviceId + ", name=" + name + ", platform=" + platform + ", online="
        + online + "}";
  }
}
