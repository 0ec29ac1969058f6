package dev.tandem.sync.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random documents of every shape (nesting, arrays, numbers, literals, escapes, pretty or
 * compact) whose strings are drawn from the rule samples: redacting the document must equal
 * redacting each string value on its own, whatever path the document takes.
 */
class RedactorJsonShapesTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String[] NAMES = {"content", "text", "title", "a", "meta", "tokensIn",
      "tool", "args", "résumé", "k\"q"};
  private final SecretRedactor redactor = Redactors.defaults();
  private final Random rnd = new Random(7);
  private List<String> texts;

  @Test
  void randomDocuments_redactExactlyTheirStringValues() throws Exception {
    texts = new ArrayList<>();
    for (SecretRulesTest.Row row : SecretRulesTest.rows()) {
      texts.add(row.positive);
      texts.add(row.negative);
    }
    texts.add("caf\u00e9 \u2603 \u0000 tab\there \"quoted\" back\\slash / slash");
    for (int i = 0; i < 400; i++) {
      JsonNode doc = rnd.nextBoolean() ? object(3) : array(3);
      String json = rnd.nextBoolean() ? Json.write(doc)
          : Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc);
      if (rnd.nextInt(4) == 0) {
        json = escapeSomeCharacters(json);
      }
      // Through the same writer and parser, so that numbers compare by their parsed form.
      JsonNode expected = Json.parse(Json.write(expect(doc)));
      JsonNode actual = Json.parse(redactor.redact("t", "i", json));
      assertEquals(expected, actual, json);
    }
  }

  private ObjectNode object(int depth) {
    ObjectNode o = NODES.objectNode();
    int n = rnd.nextInt(5);
    for (int i = 0; i < n; i++) {
      o.set(NAMES[rnd.nextInt(NAMES.length)] + (i == 0 ? "" : i), value(depth));
    }
    return o;
  }

  private ArrayNode array(int depth) {
    ArrayNode a = NODES.arrayNode();
    int n = rnd.nextInt(5);
    for (int i = 0; i < n; i++) {
      a.add(value(depth));
    }
    return a;
  }

  private JsonNode value(int depth) {
    switch (rnd.nextInt(depth > 0 ? 8 : 6)) {
      case 0:
        return NODES.numberNode(rnd.nextInt(100_000) - 50_000);
      case 1:
        return NODES.numberNode(new java.math.BigDecimal("1.5e" + rnd.nextInt(20)));
      case 2:
        return rnd.nextBoolean() ? NODES.booleanNode(rnd.nextBoolean()) : NODES.nullNode();
      case 6:
        return object(depth - 1);
      case 7:
        return array(depth - 1);
      default:
        return NODES.textNode(texts.get(rnd.nextInt(texts.size())));
    }
  }

  /** The oracle: every string value redacted as plain text; names and the rest unchanged. */
  private JsonNode expect(JsonNode n) {
    if (n.isTextual()) {
      return NODES.textNode(redactor.redactText(n.asText()));
    }
    if (n.isObject()) {
      ObjectNode o = NODES.objectNode();
      n.fields().forEachRemaining(e -> o.set(e.getKey(), expect(e.getValue())));
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = NODES.arrayNode();
      n.forEach(v -> a.add(expect(v)));
      return a;
    }
    return n;
  }

  /** Writes some letters inside strings as unicode escapes, which JSON allows anywhere. */
  private String escapeSomeCharacters(String json) {
    StringBuilder sb = new StringBuilder();
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString && c == '\\') {
        // An escape already: copy it and the character it escapes as they are.
        sb.append(c).append(json.charAt(++i));
        continue;
      }
      if (c == '"') {
        inString = !inString;
      }
      if (inString && Character.isLetter(c) && rnd.nextInt(3) == 0) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
