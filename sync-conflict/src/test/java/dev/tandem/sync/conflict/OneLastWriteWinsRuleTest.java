package dev.tandem.sync.conflict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Conflict;
import dev.tandem.sync.Hlc;
import dev.tandem.sync.Record;
import dev.tandem.sync.internal.SyncEngine;
import dev.tandem.sync.spi.ConflictResolver;
import dev.tandem.sync.spi.ConflictResolver.Resolution;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The engine's default resolver and {@link LastWriteWins#byHlc()} are one rule: on every generated
 * triple (base, local, remote) they decide alike, and both decide as the rule is written down
 * here. Fixed seed, so CI always runs the same cases; {@code -Dtandem.lww.seed=N} tries others.
 */
class OneLastWriteWinsRuleTest {
  private static final long SEED = Long.getLong("tandem.lww.seed", 20261201L);
  private static final int CASES = 20_000;
  /** Few contents and clocks, so that equal contents and every clock order come up often. */
  private static final String[] CONTENTS = {"{\"t\":\"a\"}", "{\"t\":\"b\"}", "{\"t\":\"c\"}"};
  private static final String[] DEVICES = {"laptop", "phone"};

  @Test
  void engineDefault_andByHlc_decideEveryCaseAlike_andAsTheRuleSays() {
    ConflictResolver engine = SyncEngine.LWW_BY_HLC;
    ConflictResolver byHlc = LastWriteWins.byHlc();
    Random random = new Random(SEED);
    Set<Resolution.Outcome> outcomes = EnumSet.noneOf(Resolution.Outcome.class);
    int conflicts = 0;
    int silentByBase = 0;
    for (int i = 0; i < CASES; i++) {
      Record local = version(random, DEVICES[0]);
      Record remote = version(random, DEVICES[1]);
      int b = random.nextInt(4);
      Record base = b == 0 ? null : b == 1 ? tomb(random) : live(random, "server");
      String what = "case " + i + " (seed " + SEED + "): base=" + base + " local=" + local
          + " remote=" + remote;

      Resolution fromEngine = engine.resolve(base, local, remote);
      Resolution fromByHlc = byHlc.resolve(base, local, remote);
      Resolution expected = rule(base, local, remote);
      assertSame(expected, fromEngine, "engine default, " + what);
      assertSame(expected, fromByHlc, "LastWriteWins.byHlc(), " + what);

      outcomes.add(expected.outcome());
      conflicts += expected.conflicts().isEmpty() ? 0 : 1;
      if (expected.conflicts().isEmpty() && base != null && !base.deleted()
          && !same(local, remote)) {
        silentByBase++;
      }
    }
    // The generator reaches every branch of the rule, so agreement is not vacuous.
    assertEquals(EnumSet.of(Resolution.Outcome.LOCAL, Resolution.Outcome.REMOTE), outcomes);
    assertTrue(conflicts > CASES / 10, "conflicts: " + conflicts);
    assertTrue(silentByBase > CASES / 10, "decided silently by the base: " + silentByBase);
  }

  /** The rule, as docs/sync-engine.md states it, written independently of the code under test. */
  private static Resolution rule(Record base, Record local, Record remote) {
    boolean localLater = local.hlc().compareTo(remote.hlc()) > 0;
    if (same(local, remote)) {
      return localLater ? Resolution.local(Collections.<Conflict>emptyList())
          : Resolution.remote(Collections.<Conflict>emptyList());
    }
    if (base != null && !base.deleted() && same(base, local)) {
      return Resolution.remote(Collections.<Conflict>emptyList());
    }
    if (base != null && !base.deleted() && same(base, remote)) {
      return Resolution.local(Collections.<Conflict>emptyList());
    }
    List<Conflict> one = Collections.singletonList(new Conflict(local.type(), local.id(), "",
        local.json(), remote.json(), localLater ? Conflict.LOCAL_WINS : Conflict.REMOTE_WINS,
        local.hlc(), remote.hlc(), 0));
    return localLater ? Resolution.local(one) : Resolution.remote(one);
  }

  private static boolean same(Record a, Record b) {
    return a.deleted() == b.deleted() && (a.deleted() || a.json().equals(b.json()));
  }

  private static void assertSame(Resolution expected, Resolution actual, String what) {
    assertEquals(expected.outcome(), actual.outcome(), what);
    assertEquals(expected.deleted(), actual.deleted(), what);
    assertEquals(expected.json(), actual.json(), what);
    assertEquals(expected.conflicts(), actual.conflicts(), what);
  }

  private static Record version(Random random, String device) {
    return random.nextInt(4) == 0 ? tomb(random, device) : live(random, device);
  }

  private static Record live(Random random, String device) {
    return Record.of("note", "n-1", clock(random, device), CONTENTS[random.nextInt(3)]);
  }

  private static Record tomb(Random random) {
    return tomb(random, "server");
  }

  private static Record tomb(Random random, String device) {
    return Record.tombstone("note", "n-1", clock(random, device));
  }

  /** Clocks from a small range: equal wall times are common, the device id breaks the tie. */
  private static Hlc clock(Random random, String device) {
    return Hlc.of(1_000 + random.nextInt(4), random.nextInt(2), device);
  }
}
