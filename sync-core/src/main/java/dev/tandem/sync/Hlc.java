package dev.tandem.sync;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A hybrid logical clock value: 48 bits of wall-clock milliseconds, a 16-bit counter and the
 * device id that produced it.
 *
 * <p>The string form is {@code 12 hex digits - 4 hex digits - deviceId}, for example
 * {@code 0192f3a4b5c6-0001-laptop-1}. Because both numeric parts are fixed-width lowercase hex,
 * comparing two encoded values as strings gives the same order as {@link #compareTo}. The device
 * id breaks ties, so two distinct devices never produce equal clocks.
 *
 * <p>Instances are immutable. Use {@link HlcClock} to generate them.
 */
public final class Hlc implements Comparable<Hlc> {
  /** Largest wall time representable in 48 bits. */
  public static final long MAX_WALL = (1L << 48) - 1;
  /** Largest counter value representable in 16 bits. */
  public static final int MAX_COUNTER = 0xFFFF;

  private final long wallMillis;
  private final int counter;
  private final String deviceId;

  private Hlc(long wallMillis, int counter, String deviceId) {
    this.wallMillis = wallMillis;
    this.counter = counter;
    this.deviceId = deviceId;
  }

  /**
   * Returns a clock value.
   *
   * @throws IllegalArgumentException if a part is out of range or the device id is not a valid id
   */
  public static Hlc of(long wallMillis, int counter, String deviceId) {
    if (wallMillis < 0 || wallMillis > MAX_WALL) {
      throw new IllegalArgumentException("wall time out of 48-bit range: " + wallMillis);
    }
    if (counter < 0 || counter > MAX_COUNTER) {
      throw new IllegalArgumentException("counter out of 16-bit range: " + counter);
    }
    Ids.requireDeviceId(deviceId);
    return new Hlc(wallMillis, counter, deviceId);
  }

  /**
   * Parses the string form produced by {@link #toString()}.
   *
   * @throws IllegalArgumentException if {@code text} is not a valid clock
   */
  public static Hlc parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.length() < 19 || text.charAt(12) != '-' || text.charAt(17) != '-') {
      throw new IllegalArgumentException("not a hybrid logical clock: \"" + text + "\"");
    }
    long wall = parseHex(text, 0, 12);
    long counter = parseHex(text, 13, 17);
    if (wall < 0 || counter < 0) {
      throw new IllegalArgumentException("not a hybrid logical clock: \"" + text + "\"");
    }
    return of(wall, (int) counter, text.substring(18));
  }

  private static long parseHex(String s, int from, int to) {
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else {
        return -1;
      }
      v = (v << 4) | d;
    }
    return v;
  }

  /** Returns the wall-clock part in milliseconds since the epoch. */
  public long wallMillis() {
    return wallMillis;
  }

  /** Returns the logical counter that orders events within one millisecond. */
  public int counter() {
    return counter;
  }

  /** Returns the id of the device that produced this clock. */
  public String deviceId() {
    return deviceId;
  }

  @Override
  public int compareTo(Hlc o) {
    int c = Long.compare(wallMillis, o.wallMillis);
    if (c != 0) {
      return c;
    }
    c = Integer.compare(counter, o.counter);
    return c != 0 ? c : deviceId.compareTo(o.deviceId);
  }

  /** Returns true if this clock orders after {@code other}. */
  public boolean isAfter(Hlc other) {
    return compareTo(other) > 0;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Hlc)) {
      return false;
    }
    Hlc h = (Hlc) o;
    return wallMillis == h.wallMillis && counter == h.counter && deviceId.equals(h.deviceId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(wallMillis, counter, deviceId);
  }

  /** Returns the fixed-width encoding; string order equals clock order. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(18 + deviceId.length());
    appendHex(sb, wallMillis, 12);
    sb.append('-');
    appendHex(sb, counter, 4);
    return sb.append('-').append(deviceId).toString();
  }

  private static void appendHex(StringBuilder sb, long v, int width) {
    String h = Long.toHexString(v);
    for (int i = h.length(); i < width; i++) {
      sb.append('0');
    }
    sb.append(h);
  }
}
