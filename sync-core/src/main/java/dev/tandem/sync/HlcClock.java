package dev.tandem.sync;

import java.util.Objects;

/**
 * Generates {@link Hlc} values for one device.
 *
 * <p>Values are strictly increasing even when the wall clock stands still or jumps backwards:
 * the clock keeps the largest wall time it has seen and advances the counter instead. When the
 * counter is exhausted within one millisecond, the wall part is advanced by one. Receiving a
 * remote clock with {@link #receive(Hlc)} moves this clock past it.
 *
 * <p>Thread-safe.
 */
public final class HlcClock {
  private final Clock clock;
  private final String deviceId;
  private long lastWall;
  private int lastCounter;

  /**
   * Creates a clock for {@code deviceId} reading wall time from {@code clock}.
   *
   * @throws IllegalArgumentException if {@code deviceId} is not a valid id
   */
  public HlcClock(Clock clock, String deviceId) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.deviceId = Ids.requireDeviceId(deviceId);
  }

  /** Returns the device id this clock stamps onto every value. */
  public String deviceId() {
    return deviceId;
  }

  /** Returns a clock value greater than every value this clock has produced or received. */
  public synchronized Hlc now() {
    long wall = Math.min(clock.millis(), Hlc.MAX_WALL);
    if (wall > lastWall) {
      lastWall = wall;
      lastCounter = 0;
    } else {
      tick();
    }
    return Hlc.of(lastWall, lastCounter, deviceId);
  }

  /**
   * Advances this clock past {@code remote}, so that every later {@link #now()} orders after it.
   */
  public synchronized void receive(Hlc remote) {
    long wall = Math.min(clock.millis(), Hlc.MAX_WALL);
    long max = Math.max(wall, Math.max(lastWall, remote.wallMillis()));
    if (max == lastWall && max == remote.wallMillis()) {
      lastCounter = Math.max(lastCounter, remote.counter());
      tick();
    } else if (max == lastWall) {
      tick();
    } else if (max == remote.wallMillis()) {
      lastWall = max;
      lastCounter = remote.counter();
      tick();
    } else {
      lastWall = max;
      lastCounter = 0;
    }
  }

  private void tick() {
    if (lastCounter == Hlc.MAX_COUNTER) {
      lastWall++;
      lastCounter = 0;
    } else {
      lastCounter++;
    }
  }
}
