package dev.tandem.sync.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class WireDictionaryTest {
  @Test
  void theShippedDictionaryLoads_andIsTheOneItsHashNames() throws Exception {
    assertTrue(WireDictionary.isAvailable());
    byte[] bytes = WireDictionary.bytes();
    // zstd's dictionary magic, little-endian 0xEC30A437: a raw-content file would not have it.
    assertArrayEquals(new byte[] {0x37, (byte) 0xA4, 0x30, (byte) 0xEC},
        java.util.Arrays.copyOf(bytes, 4));
    assertTrue(bytes.length > 32 * 1024 && bytes.length <= 112 * 1024, "" + bytes.length);
    StringBuilder hex = new StringBuilder();
    for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) {
      hex.append(String.format("%02x", b));
    }
    assertEquals(WireDictionary.sha256(), hex.toString());
  }

  @Test
  void theShippedDictionaryHoldsNoEmailAddressOrHomeFolder() {
    // It ships in a published jar, and was trained on real users' history (scrubbed first).
    String text = new String(WireDictionary.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(
        "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\\.[A-Za-z]{2,}|/home/[a-z]|/Users/[A-Za-z]"
            + "|[A-Za-z]:(\\\\\\\\|\\\\|/)Users").matcher(text);
    assertTrue(!m.find(), () -> "found \"" + m.group() + "\"");
  }

  @Test
  void bytes_isACopy_soNoCallerCanDamageIt() {
    byte[] a = WireDictionary.bytes();
    a[10] ^= 1;
    assertNotSame(a, WireDictionary.bytes());
    assertEquals(a[10] ^ 1, WireDictionary.bytes()[10]);
  }

  @Test
  void theCodingNamesTheId() {
    assertEquals("zstd-agent-1", WireDictionary.CODING);
    assertEquals("agent-1", WireDictionary.idOf("zstd-agent-1"));
    assertEquals("agent-9", WireDictionary.idOf(" ZSTD-Agent-9 "));
    assertNull(WireDictionary.idOf("zstd"));
    assertNull(WireDictionary.idOf("zstd-"));
    assertNull(WireDictionary.idOf("gzip"));
    assertNull(WireDictionary.idOf("zstd-agent-1, gzip"));
    assertNull(WireDictionary.idOf("zstd-agent-1;q=1"));
    assertNull(WireDictionary.idOf(null));
  }
}
