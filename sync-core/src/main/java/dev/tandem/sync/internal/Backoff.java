package dev.tandem.sync.internal;

import java.util.Random;

/**
 * Retry delays for outbox entries the server failed or refused: 30 s, 60 s, 120 s, then 300 s,
 * each with ±20% jitter so that many devices recovering at once do not retry in lockstep.
 */
public final class Backoff {
  private static final long[] STEPS_MILLIS = {30_000, 60_000, 120_000, 300_000};
  /** After this many failed tries an entry is parked as failed until a manual retry. */
  public static final int MAX_TRIES = 10;

  private final Random random;

  public Backoff(Random random) {
    this.random = random;
  }

  /** Returns the delay before try number {@code tries + 1}, given {@code tries} failures so far. */
  public long delayMillis(int tries) {
    long base = STEPS_MILLIS[Math.min(Math.max(tries, 1), STEPS_MILLIS.length) - 1];
    double jitter = 0.8 + 0.4 * random.nextDouble();
    return (long) (base * jitter);
  }

  /** Returns the reconnect delay of the live channel after {@code attempts} failures: 1 s to 30 s. */
  public long reconnectDelayMillis(int attempts) {
    long base = Math.min(30_000L, 1000L << Math.min(Math.max(attempts, 0), 5));
    return (long) (base * (0.5 + random.nextDouble() * 0.5));
  }
}
