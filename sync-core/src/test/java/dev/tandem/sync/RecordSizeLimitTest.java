package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.internal.Utf8;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.testing.InMemoryStore;
import dev.tandem.sync.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The record size limit counts UTF-8 bytes, not characters: text in other scripts, and emoji,
 * take two to four bytes a character, and the server's limit is in bytes.
 */
class RecordSizeLimitTest {
  private static final String TWO = "é";
  private static final String THREE = "€";
  private static final String FOUR = "\uD83D\uDE00";

  private static String repeat(String s, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(s);
    }
    return sb.toString();
  }

  /** A JSON object {@code {"x":"…"}} with {@code n} copies of {@code s}: 8 bytes plus the text. */
  private static String json(String s, int n) {
    return "{\"x\":\"" + repeat(s, n) + "\"}";
  }

  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void utf8Length_matchesTheEncoder_forEveryWidth() {
    for (String s : new String[] {"", "a", "\u007f", "\u0080", TWO, "\u07ff", "\u0800", THREE,
        "\uffff", FOUR, "a" + TWO + THREE + FOUR + "z", "\uD83D\uDE00\uD83D\uDE01"}) {
      assertEquals(bytes(s), Utf8.length(s), s);
    }
  }

  @Test
  void utf8Length_matchesTheEncoder_onRandomValidText() {
    Random rnd = new Random(16);
    for (int i = 0; i < 500; i++) {
      StringBuilder sb = new StringBuilder();
      int len = rnd.nextInt(40);
      for (int j = 0; j < len; j++) {
        int cp;
        switch (rnd.nextInt(4)) {
          case 0:
            cp = rnd.nextInt(0x80);
            break;
          case 1:
            cp = 0x80 + rnd.nextInt(0x800 - 0x80);
            break;
          case 2:
            cp = 0x800 + rnd.nextInt(0xD800 - 0x800);
            break;
          default:
            cp = 0x10000 + rnd.nextInt(0x10FFFF - 0x10000);
        }
        sb.appendCodePoint(cp);
      }
      String s = sb.toString();
      assertEquals(bytes(s), Utf8.length(s), s);
    }
  }

  @Test
  void utf8Length_countsALoneSurrogateAsThreeBytes_likeTheModifiedEncodingsDo() {
    // A lone surrogate is not valid UTF-8; the count stays an upper bound rather than failing.
    assertEquals(3, Utf8.length("\uD83D"));
    assertEquals(4, Utf8.length("\uD83Da"));
    assertEquals(3, Utf8.length("\uDE00"));
  }

  private Tandem open(long maxBytes) {
    ManualClock clock = new ManualClock(1);
    return Tandem.builder().store(new InMemoryStore(clock)).deviceId("d").clock(clock)
        .maxRecordBytes(maxBytes).registerType("note").build();
  }

  @Test
  void limit_countsMultiByteText_inBytes() {
    try (Tandem t = open(108)) {
      // 50 two-byte characters: 58 characters of JSON but 108 bytes, exactly the limit.
      String atLimit = json(TWO, 50);
      assertEquals(108, bytes(atLimit));
      t.records("note").put("fits", atLimit);
      String over = json(TWO, 50).replace("{\"x\"", "{\"xy\"");
      assertEquals(58 + 1, over.length());
      StoreException e = assertThrows(StoreException.class, () -> t.records("note").put("big",
          over));
      assertEquals(SyncException.Reason.RECORD_TOO_LARGE, e.reason());
      assertTrue(e.getMessage().contains("109 bytes"), e.getMessage());
      assertTrue(e.getMessage().contains("note/big"), e.getMessage());
      assertNull(t.records("note").get("big"));
      assertEquals(1, t.status().pending());
    }
  }

  @Test
  void limit_countsThreeAndFourByteCharacters() {
    try (Tandem t = open(8 + 30)) {
      t.records("note").put("three", json(THREE, 10));
      assertThrows(StoreException.class, () -> t.records("note").put("x", json(THREE, 11)));
      t.records("note").put("four", json(FOUR, 7) + "");
      assertThrows(StoreException.class, () -> t.records("note").put("y", json(FOUR, 8)));
    }
  }

  @Test
  void limit_appliesToBatchesToo_andTheWholeBatchIsRefused() {
    try (Tandem t = open(8 + 20)) {
      assertThrows(StoreException.class, () -> t.batch(b -> {
        b.put("note", "small", "{}");
        b.put("note", "big", json(THREE, 7));
      }));
      assertNull(t.records("note").get("small"));
      assertEquals(0, t.status().pending());
    }
  }

  @Test
  void changeValidation_countsBytes_whenTheCharactersAloneFit() {
    long limit = 108;
    String h = "0192f3a4b5c6-0001-a";
    Change atLimit = new Change("note", "n", "upsert", h, null, json(TWO, 50), 0, null);
    assertNull(atLimit.validate(limit));
    Change over = new Change("note", "n", "upsert", h, null, json(TWO, 51), 0, null);
    assertEquals(59, over.data().length());
    assertEquals("record_too_large", over.validate(limit).code());
    assertTrue(over.validate(limit).message().contains("108"), over.validate(limit).message());
    // ASCII: the character count decides at once, at the exact limit.
    assertNull(new Change("note", "n", "upsert", h, null, json("a", 100), 0, null)
        .validate(108));
    assertEquals("record_too_large", new Change("note", "n", "upsert", h, null,
        json("a", 101), 0, null).validate(108).code());
    // Text whose three-bytes-a-character bound is exactly the limit is never too large.
    String third = "{\"x\":\"" + repeat(THREE, 10) + "\"}";
    assertNull(new Change("note", "n", "upsert", h, null, third, 0, null)
        .validate(third.length() * 3L));
    assertNull(new Change("note", "n", "upsert", h, null, json(FOUR, 5), 0, null)
        .validate(bytes(json(FOUR, 5))));
    assertEquals("record_too_large", new Change("note", "n", "upsert", h, null,
        json(FOUR, 5), 0, null).validate(bytes(json(FOUR, 5)) - 1).code());
  }
}
