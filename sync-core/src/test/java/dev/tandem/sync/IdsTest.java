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

  @Test
  void theLoops_acceptExactlyWhatTheDocumentedPatternsAccept() {
    java.util.regex.Pattern id = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    java.util.regex.Pattern type = java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,63}");
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      String one = String.valueOf(c);
      for (String s : new String[] {one, "a" + c, c + "b", "m" + c + "-1"}) {
        boolean dots = s.equals(".") || s.equals("..");
        assertEquals(id.matcher(s).matches() && !dots, Ids.isValidId(s), "id U+"
            + Integer.toHexString(c));
        assertEquals(type.matcher(s).matches(), Ids.isValidType(s), "type U+"
            + Integer.toHexString(c));
      }
    }
    assertTrue(Ids.isValidType("a".repeat(64)));
    assertFalse(Ids.isValidType("a".repeat(65)));
    assertFalse(Ids.isValidType(""));
    assertFalse(Ids.isValidType(null));
  }
}
