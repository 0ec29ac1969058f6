package dev.tandem.sync.server.internal;

import dev.tandem.sync.protocol.ErrorCode;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds how many requests do a kind of work at once. A request beyond the bound waits a short
 * time for a place; if the wait would be too long, or too many already wait, it is refused with
 * 503 {@code overloaded} at once, so that load becomes a quick "come back later" and never a
 * growing pile of threads and memory.
 *
 * <p>Waiting requests hold their server thread, which is why their number is bounded too: the
 * server sizes its thread pool above the sum of every limiter's places and waiters, and so keeps
 * threads for the endpoints that are never limited ({@code /health}).
 */
public final class WorkLimiter {
  /** The protocol's error code for load refusals. */
  public static final String OVERLOADED = ErrorCode.OVERLOADED.wireName();

  private final String what;
  private final int capacity;
  private final int maxWaiting;
  private final long maxWaitNanos;
  private final Semaphore places;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger busy = new AtomicInteger();
  private final AtomicInteger peakBusy = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong rejected =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param what names the work in the refusal's message
   * @param capacity how many may work at once
   * @param maxWaiting how many may wait for a place; beyond that, refused without waiting
   * @param maxWaitMillis how long one waits at most
   */
  public WorkLimiter(String what, int capacity, int maxWaiting, long maxWaitMillis) {
    if (capacity < 1 || maxWaiting < 0 || maxWaitMillis < 0) {
      throw new IllegalArgumentException(
          "capacity must be positive, waiters and wait not negative");
    }
    this.what = what;
    this.capacity = capacity;
    this.maxWaiting = maxWaiting;
    this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
    this.places = new Semaphore(capacity);
  }

  /**
   * Takes a place, waiting at most the configured time. Close the returned place when the work is
   * done (try-with-resources).
   *
   * @throws ApiException 503 {@code overloaded} if no place became free in time
   */
  public Place acquire() {
    if (!places.tryAcquire()) {
      if (waiting.incrementAndGet() > maxWaiting) {
        waiting.decrementAndGet();
        throw overloaded();
      }
      try {
        if (!places.tryAcquire(maxWaitNanos, TimeUnit.NANOSECONDS)) {
          throw overloaded();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw overloaded();
      } finally {
        waiting.decrementAndGet();
      }
    }
    int now = busy.incrementAndGet();
    peakBusy.accumulateAndGet(now, Math::max);
    return new Place();
  }

  /** Returns how many may work at once. */
  public int capacity() {
    return capacity;
  }

  /** Returns how many may wait at once. */
  public int maxWaiting() {
    return maxWaiting;
  }

  /** Returns how many wait for a place right now. */
  public int waiting() {
    return waiting.get();
  }

  /** Returns the most places ever taken at the same time (for tests and metrics). */
  public int peakBusy() {
    return peakBusy.get();
  }

  /** Returns how many places are taken right now. */
  public int busy() {
    return busy.get();
  }

  /** Returns how many requests were refused with 503 since this limiter was made. */
  public long rejected() {
    return rejected.get();
  }

  private ApiException overloaded() {
    rejected.incrementAndGet();
    return new ApiException(503, OVERLOADED,
        "the server is busy (" + what + "); retry after the time in Retry-After");
  }

  /** A taken place; closing it twice frees it once. */
  public final class Place implements AutoCloseable {
    private boolean released;

    private Place() {}

    @Override
    public void close() {
      if (!released) {
        released = true;
        busy.decrementAndGet();
        places.release();
      }
    }
  }
}
