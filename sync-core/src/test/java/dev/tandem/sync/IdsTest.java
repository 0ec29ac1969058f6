package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ChangeError;
import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void dotAndDotDot_areRefused_asRecordAndDeviceIds() {
    for (String bad : new String[] {".", ".."}) {
      assertFalse(Ids.isValidId(bad), bad);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Ids.requireId(bad));
      assertTrue(e.getMessage().contains("not be . or .."), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Ids.requireDeviceId(bad));
    }
  }

  @Test
  void idsThatOnlyContainDots_stillWork() {
    for (String ok : new String[] {"...", ".a", "a.", "..b", "a..b", "x", "m-1:2.3_4"}) {
      assertTrue(Ids.isValidId(ok), ok);
      assertEquals(ok, Ids.requireId(ok));
    }
  }

  @Test
  void otherRulesAreUnchanged() {
    assertFalse(Ids.isValidId(null));
    assertFalse(Ids.isValidId(""));
    assertFalse(Ids.isValidId("a/b"));
    assertFalse(Ids.isValidId("a b"));
    assertFalse(Ids.isValidId("x".repeat(129)));
    assertTrue(Ids.isValidId("x".repeat(128)));
  }

  @Test
  void aChangeWithADotId_isRefusedAsInvalidId() {
    for (String bad : new String[] {".", ".."}) {
      ChangeError e = new Change("message", bad, Change.UPSERT, "000000000001-0000-a", null,
          "{}", 0, null).validate(1024);
      assertNotNull(e, bad);
      assertEquals("invalid_id", e.code());
    }
    assertNull(new Change("message", "..a", Change.UPSERT, "000000000001-0000-a", null, "{}", 0,
        null).validate(1024));
  }

  @Test
  void recordsAndHlcs_refuseDotIds() {
    assertThrows(IllegalArgumentException.class,
        () -> Record.of("message", "..", Hlc.of(1, 0, "a"), "{}"));
    assertThrows(IllegalArgumentException.class, () -> Hlc.of(1, 0, ".."));
    assertThrows(IllegalArgumentException.class, () -> Hlc.parse("000000000001-0000-."));
  }
}
