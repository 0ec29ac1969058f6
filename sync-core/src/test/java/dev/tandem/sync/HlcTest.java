package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.testing.ManualClock;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class HlcTest {
  @Test
  void format_isFixedWidthHexThenDevice() {
    Hlc h = Hlc.of(0x192f3a4b5c6L, 1, "laptop-1");
    assertEquals("0192f3a4b5c6-0001-laptop-1", h.toString());
    assertEquals(h, Hlc.parse("0192f3a4b5c6-0001-laptop-1"));
  }

  @Test
  void parse_rejectsGarbageWithTheInput() {
    for (String bad : new String[] {"", "nope", "0192F3A4B5C6-0001-x", "0192f3a4b5c6-0001-",
        "0192f3a4b5c6_0001-x", "0192f3a4b5c6-00g1-x", "0192f3a4b5c6-0001-bad id"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Hlc.parse(bad), bad);
      assertTrue(e.getMessage().length() > 0);
    }
  }

  @Test
  void now_isMonotonic_whenWallClockJumpsBack() {
    ManualClock wall = new ManualClock(1_000_000);
    HlcClock clock = new HlcClock(wall, "a");
    Hlc first = clock.now();
    wall.set(500_000);
    Hlc second = clock.now();
    Hlc third = clock.now();
    assertTrue(second.isAfter(first));
    assertTrue(third.isAfter(second));
    assertEquals(1_000_000, third.wallMillis());
  }

  @Test
  void now_overflowingCounter_advancesWall() {
    ManualClock wall = new ManualClock(42);
    HlcClock clock = new HlcClock(wall, "a");
    Hlc last = clock.now();
    for (int i = 0; i < Hlc.MAX_COUNTER + 5; i++) {
      Hlc next = clock.now();
      assertTrue(next.isAfter(last));
      last = next;
    }
    assertEquals(43, last.wallMillis());
  }

  @Test
  void receive_movesPastRemoteFromTheFuture() {
    ManualClock wall = new ManualClock(1000);
    HlcClock clock = new HlcClock(wall, "a");
    Hlc remote = Hlc.of(5000, 7, "b");
    clock.receive(remote);
    Hlc next = clock.now();
    assertTrue(next.isAfter(remote));
    assertEquals(5000, next.wallMillis());
  }

  @Test
  void deviceIdBreaksTies() {
    Hlc a = Hlc.of(1, 1, "a");
    Hlc b = Hlc.of(1, 1, "b");
    assertTrue(b.isAfter(a));
    assertTrue(a.toString().compareTo(b.toString()) < 0);
  }

  @Property
  void stringOrder_equalsClockOrder(@ForAll @LongRange(min = 0, max = Hlc.MAX_WALL) long w1,
      @ForAll @IntRange(min = 0, max = 0xFFFF) int c1,
      @ForAll @LongRange(min = 0, max = Hlc.MAX_WALL) long w2,
      @ForAll @IntRange(min = 0, max = 0xFFFF) int c2) {
    Hlc a = Hlc.of(w1, c1, "dev-a");
    Hlc b = Hlc.of(w2, c2, "dev-a");
    assertEquals(Integer.signum(a.compareTo(b)),
        Integer.signum(a.toString().compareTo(b.toString())));
    assertEquals(a, Hlc.parse(a.toString()));
  }

  @Property
  void clock_isStrictlyMonotonic_underArbitraryWallTimesAndReceives(
      @ForAll @Size(max = 200) List<@LongRange(min = 0, max = 1L << 40) Long> walls) {
    ManualClock wall = new ManualClock(0);
    HlcClock clock = new HlcClock(wall, "x");
    List<Hlc> seen = new ArrayList<>();
    int i = 0;
    for (long w : walls) {
      wall.set(w);
      if (i++ % 3 == 0) {
        clock.receive(Hlc.of(w / 2 + 17, i % 100, "y"));
      }
      Hlc h = clock.now();
      if (!seen.isEmpty()) {
        assertTrue(h.isAfter(seen.get(seen.size() - 1)), h + " after " + seen);
      }
      seen.add(h);
    }
  }
}
