package dev.tandem.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.internal.BuiltInRedactor;
import dev.tandem.sync.internal.Json;
import org.junit.jupiter.api.Test;

class RedactorTest {
  private final BuiltInRedactor redactor = BuiltInRedactor.defaults();

  private String redact(String text) {
    String json = Json.write(Json.object().put("text", text));
    String out = redactor.redact("message", "m", json);
    return Json.parseObject(out).get("text").asText();
  }

  @Test
  void masksEachBuiltInSecretFormat_andKeepsJsonValid() {
    String[] secrets = {
        "sk-abcdefghijklmnopqrstuvwxyz012345",
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
        "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB",
        "xoxb-123456789012-abcdefghijkl",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----"};
    for (String s : secrets) {
      String out = redact("use " + s + " here");
      assertFalse(out.contains(s), s);
      assertTrue(out.contains(BuiltInRedactor.MASK), out);
      assertTrue(out.startsWith("use ") && out.endsWith(" here"), out);
    }
  }

  @Test
  void masksAssignmentValues_keepsTheKey() {
    assertEquals("password=" + BuiltInRedactor.MASK + " next", redact("password=hunter22 next"));
    assertEquals("API_KEY: " + BuiltInRedactor.MASK, redact("API_KEY: abc123def"));
  }

  @Test
  void leavesOrdinaryTextUntouched() {
    String json = "{\"text\":\"the sky is blue; skip-this and ask-me\"}";
    assertSame(json, redactor.redact("message", "m", json));
  }
}
