package dev.tandem.sync.testing;

import dev.tandem.sync.Clock;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to. */
public final class ManualClock implements Clock {
  private final AtomicLong now;

  public ManualClock(long start) {
    this.now = new AtomicLong(start);
  }

  @Override
  public long millis() {
    return now.get();
  }

  public void advance(long millis) {
    now.addAndGet(millis);
  }

  public void set(long millis) {
    now.set(millis);
  }
}
