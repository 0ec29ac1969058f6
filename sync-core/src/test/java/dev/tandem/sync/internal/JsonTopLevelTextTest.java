package dev.tandem.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Json#topLevelText} answers what the tree answers, for every shape a field can take. */
class JsonTopLevelTextTest {
  private static final List<String> RECORDS = List.of(
      "{\"conversationId\":\"c-1\",\"content\":[{\"conversationId\":\"inner\"}]}",
      "{\"content\":{\"conversationId\":\"nested-only\"},\"role\":\"user\"}",
      "{}",
      "{\"conversationId\":null}",
      "{\"conversationId\":42}",
      "{\"conversationId\":true}",
      "{\"conversationId\":{\"a\":1}}",
      "{\"conversationId\":[1,2]}",
      "{\"conversationId\":\"first\",\"x\":[[[]]],\"conversationId\":\"last\"}",
      "{\"conversationId\":\"esc\\u0061ped \\\"q\\\"\",\"n\":1.50}",
      "{\"a\":{\"b\":{\"conversationId\":\"deep\"}},\"conversationId\":\"top\"}",
      // Neither reads past the object.
      "{\"conversationId\":\"t\"}}",
      "{\"conversationId\":\"t\"} {}");

  @Test
  void matchesTheTreesAnswer() {
    for (String json : RECORDS) {
      assertEquals(Json.parseObject(json).path("conversationId").asText(null),
          Json.topLevelText(json, "conversationId"), json);
    }
  }

  @Test
  void refusesWhatParseObjectRefuses() {
    for (String bad : List.of("[]", "\"s\"", "{\"a\":", "{\"a\":1,}", "{\"a\" 1}", "")) {
      assertThrows(IllegalArgumentException.class, () -> Json.topLevelText(bad, "a"), bad);
      assertThrows(IllegalArgumentException.class, () -> Json.parseObject(bad), bad);
    }
  }
}
