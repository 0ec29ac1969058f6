package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.testing.ManualClock;
import org.junit.jupiter.api.Test;

/** PROTOCOL "Clock bounds" on the device: bounded receive, server-corrected wall clock. */
class HlcClockBoundsTest {
  private static final long SERVER = 1_750_000_000_000L;
  private static final long HOURS_3 = 3 * 3_600_000L;
  private static final long BOUND = HlcClock.DEFAULT_MAX_SKEW_MILLIS;

  @Test
  void receive_ofAFarFutureClock_advancesOnlyToTheBound_andCountsIt() {
    ManualClock wall = new ManualClock(SERVER);
    HlcClock clock = new HlcClock(wall, "a");
    clock.receive(Hlc.parse("ffffffffffff-ffff-mallory"));
    Hlc next = clock.now();
    assertEquals(SERVER + BOUND, next.wallMillis());
    assertEquals(1, clock.clampedReceives());
    // Within the bound nothing is clamped.
    clock.receive(Hlc.of(SERVER + BOUND, 9, "b"));
    assertTrue(clock.now().isAfter(Hlc.of(SERVER + BOUND, 9, "b")));
    assertEquals(1, clock.clampedReceives());
  }

  @Test
  void deviceHoursAhead_stampsWithTheServersTime_afterLearningIt() {
    ManualClock wall = new ManualClock(SERVER + HOURS_3);
    HlcClock clock = new HlcClock(wall, "a");
    Hlc before = clock.now();
    assertEquals(SERVER + HOURS_3, before.wallMillis());
    clock.observeServerTime(SERVER, wall.millis(), wall.millis());
    assertEquals(-HOURS_3, clock.offsetMillis());
    Hlc after = clock.now();
    assertEquals(SERVER, after.wallMillis(), "came back from values the server refuses");
    wall.advance(10);
    assertEquals(SERVER + 10, clock.now().wallMillis());
  }

  @Test
  void comingBack_neverGoesBelowAReceivedOrAcceptedClock() {
    ManualClock wall = new ManualClock(SERVER + HOURS_3);
    HlcClock clock = new HlcClock(wall, "a");
    Hlc accepted = Hlc.of(SERVER + 60_000, 4, "a");
    clock.receive(accepted);
    clock.now();
    clock.observeServerTime(SERVER, wall.millis(), wall.millis());
    Hlc next = clock.now();
    assertTrue(next.isAfter(accepted), next + " after " + accepted);
    assertTrue(next.wallMillis() <= SERVER + BOUND);
  }

  @Test
  void deviceHoursBehind_catchesUp_andReceivesTodaysClocksUnclamped() {
    ManualClock wall = new ManualClock(SERVER - HOURS_3);
    HlcClock clock = new HlcClock(wall, "a");
    clock.observeServerTime(SERVER, wall.millis(), wall.millis());
    assertEquals(HOURS_3, clock.offsetMillis());
    Hlc remote = Hlc.of(SERVER + 1_000, 0, "b");
    clock.receive(remote);
    assertEquals(0, clock.clampedReceives());
    Hlc next = clock.now();
    assertTrue(next.isAfter(remote));
  }

  @Test
  void smallDifferences_andRoundTripNoise_areNotCorrected() {
    ManualClock wall = new ManualClock(SERVER);
    HlcClock clock = new HlcClock(wall, "a");
    clock.observeServerTime(SERVER + 900, SERVER, SERVER);
    assertEquals(0, clock.offsetMillis());
    // 3 s apparent difference measured over a 10 s round trip: within the uncertainty.
    clock.observeServerTime(SERVER + 8_000, SERVER, SERVER + 10_000);
    assertEquals(0, clock.offsetMillis());
    clock.observeServerTime(SERVER + 5_000, SERVER, SERVER);
    assertEquals(5_000, clock.offsetMillis());
    // A server that gave no time changes nothing; a fixed clock goes back to no correction.
    clock.observeServerTime(0, SERVER, SERVER);
    assertEquals(5_000, clock.offsetMillis());
    clock.observeServerTime(SERVER, SERVER, SERVER);
    assertEquals(0, clock.offsetMillis());
  }

  @Test
  void valuesStayIncreasing_acrossCorrectionsBothWays() {
    ManualClock wall = new ManualClock(SERVER);
    HlcClock clock = new HlcClock(wall, "a");
    Hlc last = clock.now();
    long[] serverTimes = {SERVER + HOURS_3, SERVER - 2_000, SERVER + 4 * 60_000, SERVER};
    for (long server : serverTimes) {
      clock.observeServerTime(server, wall.millis(), wall.millis());
      for (int i = 0; i < 3; i++) {
        wall.advance(1);
        Hlc next = clock.now();
        // Only a clock the server would refuse anyway may be left behind.
        if (last.wallMillis() <= server + BOUND) {
          assertTrue(next.isAfter(last), next + " after " + last);
        }
        last = next;
      }
    }
  }

  @Test
  void bound_mustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new HlcClock(() -> 0, "a", 0));
  }
}
