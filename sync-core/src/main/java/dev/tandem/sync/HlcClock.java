package dev.tandem.sync;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates {@link Hlc} values for one device.
 *
 * <p>Values are strictly increasing even when the wall clock stands still or jumps backwards:
 * the clock keeps the largest wall time it has seen and advances the counter instead. When the
 * counter is exhausted within one millisecond, the wall part is advanced by one. Receiving a
 * remote clock with {@link #receive(Hlc)} moves this clock past it.
 *
 * <p>Clocks are bounded (PROTOCOL "Clock bounds"). The server refuses values more than a skew
 * (default {@value #DEFAULT_MAX_SKEW_MILLIS} ms) ahead of its own clock, so this clock:
 *
 * <ul>
 *   <li>never moves more than that skew past its wall clock because of a received value: a
 *       far-future remote clock is clamped (logged, and counted in {@link #clampedReceives()}),
 *       so one bad clock cannot drag every device into the future;
 *   <li>corrects its wall clock by the server's, learned with {@link #observeServerTime}: a
 *       device whose clock is hours wrong stamps what the server would stamp, so its edits are
 *       neither refused (ahead) nor lose to everything (behind);
 *   <li>comes back from values too far ahead to have been accepted by the server: those were
 *       refused or never sent, so no other device holds them and this device may restart below
 *       them.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class HlcClock {
  /** The default bound, PROTOCOL "Clock bounds": 5 minutes. */
  public static final long DEFAULT_MAX_SKEW_MILLIS = 5 * 60_000L;
  /**
   * Differences from the server's clock smaller than this (or than half the round trip that
   * measured them) are noise, not skew, and are not corrected.
   */
  static final long MIN_CORRECTION_MILLIS = 1_000;
  private static final long WARN_INTERVAL_MILLIS = 60_000;
  private static final Logger log = LoggerFactory.getLogger(HlcClock.class);

  private final Clock clock;
  private final String deviceId;
  private final long maxSkewMillis;
  private long lastWall;
  private int lastCounter;
  // The largest value received (own accepted values included): a floor when coming back.
  private long knownWall;
  private int knownCounter;
  private long offsetMillis;
  private long clamped;
  private long lastWarnAt = Long.MIN_VALUE;

  /**
   * Creates a clock for {@code deviceId} reading wall time from {@code clock}, with the default
   * skew bound.
   *
   * @throws IllegalArgumentException if {@code deviceId} is not a valid id
   */
  public HlcClock(Clock clock, String deviceId) {
    this(clock, deviceId, DEFAULT_MAX_SKEW_MILLIS);
  }

  /**
   * Creates a clock whose received values may be at most {@code maxSkewMillis} ahead of its
   * (corrected) wall clock.
   *
   * @throws IllegalArgumentException if {@code deviceId} is not a valid id or the bound is not
   *     positive
   */
  public HlcClock(Clock clock, String deviceId, long maxSkewMillis) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.deviceId = Ids.requireDeviceId(deviceId);
    if (maxSkewMillis <= 0) {
      throw new IllegalArgumentException("maxSkewMillis must be positive: " + maxSkewMillis);
    }
    this.maxSkewMillis = maxSkewMillis;
  }

  /** Returns the device id this clock stamps onto every value. */
  public String deviceId() {
    return deviceId;
  }

  /** Returns a clock value greater than every value this clock has produced or received. */
  public synchronized Hlc now() {
    long wall = wall();
    if (wall > lastWall) {
      lastWall = wall;
      lastCounter = 0;
    } else {
      tick();
    }
    return Hlc.of(lastWall, lastCounter, deviceId);
  }

  /**
   * Advances this clock past {@code remote}, so that every later {@link #now()} orders after it —
   * unless {@code remote} is more than the skew bound ahead of the wall clock: then this clock
   * advances only to the bound, and the clamp is logged and counted.
   */
  public synchronized void receive(Hlc remote) {
    long wall = wall();
    long limit = Math.min(Hlc.MAX_WALL, wall + maxSkewMillis);
    long remoteWall = remote.wallMillis();
    int remoteCounter = remote.counter();
    if (remoteWall > limit) {
      clamped++;
      warnClamped(remote, wall);
      remoteWall = limit;
      remoteCounter = 0;
    }
    if (remoteWall > knownWall || (remoteWall == knownWall && remoteCounter > knownCounter)) {
      knownWall = remoteWall;
      knownCounter = remoteCounter;
    }
    long max = Math.max(wall, Math.max(lastWall, remoteWall));
    if (max == lastWall && max == remoteWall) {
      lastCounter = Math.max(lastCounter, remoteCounter);
      tick();
    } else if (max == lastWall) {
      tick();
    } else if (max == remoteWall) {
      lastWall = max;
      lastCounter = remoteCounter;
      tick();
    } else {
      lastWall = max;
      lastCounter = 0;
    }
  }

  /**
   * Learns how far this device's wall clock is from the server's, from a response's
   * {@code serverTimestamp} and the local times the request was sent and its answer received.
   * From then on the wall clock is read corrected by that offset. If this clock had run more
   * than the skew bound ahead of the corrected wall clock (the device's clock was ahead), it
   * comes back to it, though never below a value it received.
   *
   * @param serverMillis the server's clock; 0 or less means the server did not say
   */
  public synchronized void observeServerTime(long serverMillis, long sentAtMillis,
      long receivedAtMillis) {
    if (serverMillis <= 0) {
      return;
    }
    long estimate = serverMillis - (sentAtMillis + (receivedAtMillis - sentAtMillis) / 2);
    long noise = Math.max(MIN_CORRECTION_MILLIS, (receivedAtMillis - sentAtMillis) / 2);
    long next = Math.abs(estimate) > noise ? estimate : 0;
    if (Math.abs(next - offsetMillis) > maxSkewMillis) {
      log.warn("device clock differs from the server's by {} ms; stamping with the server's time",
          next);
    }
    offsetMillis = next;
    long wall = wall();
    if (lastWall > wall + maxSkewMillis) {
      // Nothing this far ahead of the server can have been accepted by it.
      if (knownWall > wall && knownWall <= wall + maxSkewMillis) {
        lastWall = knownWall;
        lastCounter = knownCounter;
      } else {
        lastWall = wall;
        lastCounter = 0;
      }
    }
  }

  /** Returns the correction applied to the wall clock, learned from the server (0 if none). */
  public synchronized long offsetMillis() {
    return offsetMillis;
  }

  /** Returns how many received clocks were clamped to the skew bound since this clock began. */
  public synchronized long clampedReceives() {
    return clamped;
  }

  private long wall() {
    long w = clock.millis() + offsetMillis;
    return Math.max(0, Math.min(w, Hlc.MAX_WALL));
  }

  private void warnClamped(Hlc remote, long wall) {
    // One line a minute at most: a page of forged clocks must not flood the host's log.
    long now = clock.millis();
    if (lastWarnAt == Long.MIN_VALUE || now - lastWarnAt >= WARN_INTERVAL_MILLIS
        || now < lastWarnAt) {
      lastWarnAt = now;
      log.warn("clock {} is {} ms ahead of this device's; advanced only {} ms ({} clamped so far)",
          remote, remote.wallMillis() - wall, maxSkewMillis, clamped);
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
