package dev.tandem.sync.testing;

import dev.tandem.sync.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock that moves only when told to, for tests on virtual time: give it to {@code
 * Tandem.builder().clock(...)}, to an {@link InMemoryStore} and to a {@link ManualScheduler}, and
 * "30 s later" is one {@link #advance(long)} call. Thread-safe.
 */
public final class ManualClock implements Clock {
  private final AtomicLong now;

  /** A clock reading {@code start} (milliseconds since the epoch) until moved. */
  public ManualClock(long start) {
    this.now = new AtomicLong(start);
  }

  @Override
  public long millis() {
    return now.get();
  }

  /** Moves the clock by {@code millis} (may be negative: a wall clock can be set back). */
  public void advance(long millis) {
    now.addAndGet(millis);
  }

  /** Sets the clock to {@code millis}. */
  public void set(long millis) {
    now.set(millis);
  }
}
