package dev.tandem.sync.protocol;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The 200 body of {@code GET /health}: {@code {"status": "ok", "version": ..., "protocol": 1}}. */
public final class Health {
  /** The status of a server that serves. */
  public static final String OK = "ok";

  private final @Nullable String status;
  private final @Nullable String version;
  private final int protocol;

  /**
   * @param version the server's version, or null when the body has none
   * @param protocol the protocol version, or 0 when the body has none
   */
  public Health(@Nullable String status, @Nullable String version, int protocol) {
    this.status = status;
    this.version = version;
    this.protocol = protocol;
  }

  /** Returns the health of a serving server of {@code version}, speaking this protocol. */
  public static Health ok(String version) {
    return new Health(OK, version, Protocol.VERSION);
  }

  /** Returns the status, {@code ok} for a serving server, or null when the body has none. */
  public @Nullable String status() {
    return status;
  }

  /** Returns true if the status is {@code ok}. */
  public boolean isOk() {
    return OK.equals(status);
  }

  /** Returns the server's version, or null. */
  public @Nullable String version() {
    return version;
  }

  /** Returns the protocol version the server speaks, or 0 when absent. */
  public int protocol() {
    return protocol;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Health)) {
      return false;
    }
    Health h = (Health) o;
    return protocol == h.protocol && Objects.equals(status, h.status)
        && Objects.equals(version, h.version);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, version, protocol);
  }

  @Override
  public String toString() {
    return "Health{" + status + " " + version + " protocol=" + protocol + "}";
  }
}
