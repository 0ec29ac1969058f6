package dev.tandem.sync.protocol;

import dev.tandem.sync.Conflict;
import org.jspecify.annotations.Nullable;

/** How the server decided a conflict it reports in a push response. */
public enum Resolution {
  /** The pushed version won on clock, though it was edited from an older version. */
  LOCAL_WINS(Conflict.LOCAL_WINS),
  /** The stored version won: the pushed one was not stored. */
  REMOTE_WINS(Conflict.REMOTE_WINS);

  private final String wire;

  Resolution(String wire) {
    this.wire = wire;
  }

  /** Returns the wire name, {@code local_wins} or {@code remote_wins}. */
  public String wireName() {
    return wire;
  }

  /** Returns true if {@code wireName} is this resolution's wire name. */
  public boolean is(@Nullable String wireName) {
    return wire.equals(wireName);
  }

  /** Returns the resolution with this wire name, or null for one this version does not know. */
  public static @Nullable Resolution fromWire(@Nullable String wireName) {
    for (Resolution r : values()) {
      if (r.wire.equals(wireName)) {
        return r;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return wire;
  }
}
