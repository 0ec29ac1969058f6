package dev.tandem.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Retry and reconnect delays: the documented steps, with jitter inside its stated bounds. */
class BackoffTest {
  /** A random source pinned to one value, to read a delay at the edge of its jitter. */
  private static Random fixed(double value) {
    return new Random() {
      private static final long serialVersionUID = 1L;

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  private static final double ALMOST_ONE = Math.nextDown(1.0);

  @Test
  void retryDelays_are30_60_120_thenStay300s() {
    long[] expected = {30_000, 30_000, 60_000, 120_000, 300_000, 300_000, 300_000};
    int[] tries = {0, 1, 2, 3, 4, 5, 10};
    for (int i = 0; i < tries.length; i++) {
      assertEquals(expected[i], new Backoff(fixed(0.5)).delayMillis(tries[i]), "tries " + tries[i]);
    }
    assertEquals(30_000, new Backoff(fixed(0.5)).delayMillis(-3));
  }

  @Test
  void retryJitter_spansMinus20ToPlus20Percent() {
    long[] bases = {30_000, 60_000, 120_000, 300_000};
    for (int tries = 1; tries <= 4; tries++) {
      long base = bases[tries - 1];
      assertEquals(base * 8 / 10, new Backoff(fixed(0.0)).delayMillis(tries));
      assertEquals(base, new Backoff(fixed(0.5)).delayMillis(tries));
      long top = new Backoff(fixed(ALMOST_ONE)).delayMillis(tries);
      assertTrue(top <= base * 12 / 10 && top >= base * 12 / 10 - 1, tries + ": " + top);
    }
  }

  @Test
  void retryJitter_variesBetweenDevices_withinBounds() {
    Backoff b = new Backoff(new Random(42));
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      long d = b.delayMillis(1);
      assertTrue(d >= 24_000 && d <= 36_000, "" + d);
      seen.add(d);
    }
    assertTrue(seen.size() > 100, "jitter spreads retries: " + seen.size() + " distinct");
  }

  @Test
  void reconnectDelays_doubleFrom1sUpTo30s_withTheLowerHalfAsJitter() {
    long[] bases = {1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000};
    int[] attempts = {0, 1, 2, 3, 4, 5, 6, 50};
    for (int i = 0; i < attempts.length; i++) {
      long base = bases[i];
      assertEquals(base / 2, new Backoff(fixed(0.0)).reconnectDelayMillis(attempts[i]));
      assertEquals(base * 3 / 4, new Backoff(fixed(0.5)).reconnectDelayMillis(attempts[i]));
      long top = new Backoff(fixed(ALMOST_ONE)).reconnectDelayMillis(attempts[i]);
      assertTrue(top <= base && top >= base - 1, attempts[i] + ": " + top);
    }
    assertEquals(500, new Backoff(fixed(0.0)).reconnectDelayMillis(-1));
  }
}
